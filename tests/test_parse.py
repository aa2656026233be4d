"""Input parsing lives in the domain: one set of rules for the CLI and the TUI's fields."""

from __future__ import annotations

from datetime import date

import pytest

from triage_tui.domain.parse import (
    ParseError,
    parse_amount,
    parse_date,
    parse_optional_amount,
    parse_optional_date,
    parse_record_id,
    parse_satisfaction,
    parse_score,
)


@pytest.mark.parametrize("text, value", [("1", 1), ("5", 5), (" 3 ", 3)])
def test_scores_1_to_5(text: str, value: int) -> None:
    assert parse_score(text) == value


@pytest.mark.parametrize("text", ["0", "6", "-1", "3.5", "three", ""])
def test_bad_scores_are_refused(text: str) -> None:
    with pytest.raises(ParseError, match="score must be"):
        parse_score(text)


@pytest.mark.parametrize("text, value", [
    ("42000", 42_000.0), ("42,000", 42_000.0), ("42k", 42_000.0), ("1.2m", 1_200_000.0),
    ("€ 42 000", 42_000.0), ("EUR 10k", 10_000.0), ("0", 0.0),
])
def test_amounts(text: str, value: float) -> None:
    assert parse_amount(text) == value


@pytest.mark.parametrize("text", ["lots", "-5", "nan", "inf", "1e999", "k"])
def test_bad_amounts_are_refused(text: str) -> None:
    with pytest.raises(ParseError, match="ARR must be"):
        parse_amount(text)


def test_dates_and_their_short_reasons() -> None:
    assert parse_date(" 2026-11-20 ") == date(2026, 11, 20)
    with pytest.raises(ParseError) as exc:
        parse_date("20/11/2026")
    assert str(exc.value) == "date must be YYYY-MM-DD, got '20/11/2026'"
    assert exc.value.reason == "use YYYY-MM-DD"
    with pytest.raises(ParseError) as exc:
        parse_date("2026-02-30")
    assert str(exc.value) == "not a real date: '2026-02-30'"
    assert exc.value.reason == "not a real date"


def test_optional_fields_are_empty_or_parsed() -> None:
    assert parse_optional_date("  ") is None and parse_optional_amount("") is None
    assert parse_optional_date("2026-01-02") == date(2026, 1, 2)
    assert parse_optional_amount("5k") == 5_000.0
    with pytest.raises(ParseError):
        parse_optional_date("soon")


def test_ids_and_satisfaction() -> None:
    assert parse_record_id("#12") == 12 and parse_record_id(" 7 ") == 7
    for bad in ("0", "x", "#", "-3"):
        with pytest.raises(ParseError, match="ID must be"):
            parse_record_id(bad)
    assert parse_satisfaction("4") == 4
    for bad in ("0", "6", "good"):
        with pytest.raises(ParseError, match="satisfaction must be 1-5"):
            parse_satisfaction(bad)


def test_parse_error_is_a_value_error() -> None:
    assert issubclass(ParseError, ValueError)
