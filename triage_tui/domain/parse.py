"""What a user types, read as the domain's values: scores, dates, amounts, ids.

One set of rules for the command line (argparse wraps these) and the TUI's fields. A bad
input raises :class:`ParseError`: ``str(exc)`` is the full sentence the CLI prints, and
``exc.reason`` a short one a form shows next to its field.
"""

from __future__ import annotations

import re
from datetime import date

from .rubric import SCORE_MAX, SCORE_MIN


class ParseError(ValueError):
    """Input that is not what was asked for."""

    def __init__(self, message: str, reason: str | None = None) -> None:
        super().__init__(message)
        self.reason = reason or message


def parse_score(text: str) -> int:
    """A dimension score, a whole number 1–5."""
    try:
        value = int(text)
    except ValueError:
        raise ParseError(f"score must be a whole number {SCORE_MIN}-{SCORE_MAX}, got {text!r}") from None
    if not SCORE_MIN <= value <= SCORE_MAX:
        raise ParseError(f"score must be {SCORE_MIN}-{SCORE_MAX}, got {value}")
    return value


def parse_satisfaction(text: str) -> int:
    """The customer's satisfaction with the outcome, 1–5."""
    try:
        value = int(text)
    except ValueError:
        value = 0
    if not 1 <= value <= 5:
        raise ParseError(f"satisfaction must be 1-5, got {text!r}")
    return value


# The largest number any store can hold (a 64-bit signed integer: JSON via orjson, PostgreSQL
# bigint): a bigger count, limit or id is refused as input instead of failing deep inside.
MAX_NUMBER = 2**63 - 1


def parse_positive_int(text: str, most: int = MAX_NUMBER) -> int:
    """A whole number from 1 to ``most`` (a count, a limit, a number of days)."""
    try:
        value = int(text)
    except ValueError:
        value = 0
    if value < 1:
        raise ParseError(f"must be a whole number of 1 or more, got {text!r}")
    if value > most:
        raise ParseError(f"must be at most {most}, got {text!r}")
    return value


def parse_record_id(text: str) -> int:
    """An assessment number: ``12`` or ``#12``."""
    try:
        value = int(text.strip().lstrip("#"))
    except ValueError:
        value = 0
    if not 1 <= value <= MAX_NUMBER:
        raise ParseError(f"ID must be an assessment number like 12, got {text!r}")
    return value


_ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")

# The days a typed date may name. An escalation's dates (opened, by when) sit within a
# lifetime of today; the calendar's edges (0001-01-01, 9999-12-31) would overflow the
# date arithmetic done on them (a deadline plus business days, a clock plus hours).
EARLIEST_DATE = date(1900, 1, 1)
LATEST_DATE = date(2999, 12, 31)


def parse_date(text: str) -> date:
    """YYYY-MM-DD, a real day, from 1900 to 2999."""
    stripped = text.strip()
    if not _ISO_DATE.match(stripped):
        raise ParseError(f"date must be YYYY-MM-DD, got {text!r}", reason="use YYYY-MM-DD")
    try:
        day = date.fromisoformat(stripped)
    except ValueError:
        raise ParseError(f"not a real date: {text!r}", reason="not a real date") from None
    if not EARLIEST_DATE <= day <= LATEST_DATE:
        raise ParseError(
            f"date must be between {EARLIEST_DATE} and {LATEST_DATE}, got {text!r}",
            reason=f"use a date {EARLIEST_DATE.year}-{LATEST_DATE.year}",
        )
    return day


def parse_optional_date(text: str) -> date | None:
    """A form field: empty → None, else :func:`parse_date`."""
    return parse_date(text) if text.strip() else None


def parse_amount(text: str) -> float:
    """ARR: 42000, 42,000, 42k, 1.2m (currency symbols and spaces ignored)."""
    cleaned = re.sub(r"[\s,_€$£]", "", text.strip().lower())
    for code in ("eur", "usd", "gbp"):
        cleaned = cleaned.removeprefix(code).removesuffix(code)
    factor = 1.0
    if cleaned.endswith("k"):
        factor, cleaned = 1_000.0, cleaned[:-1]
    elif cleaned.endswith("m"):
        factor, cleaned = 1_000_000.0, cleaned[:-1]
    try:
        value = float(cleaned) * factor
    except ValueError:
        raise ParseError(f"ARR must be an amount like 42000 or 42k, got {text!r}") from None
    if value < 0 or value != value or value == float("inf"):
        raise ParseError(f"ARR must be a positive amount, got {text!r}")
    return value


def parse_optional_amount(text: str) -> float | None:
    """A form field: empty → None, else :func:`parse_amount`."""
    return parse_amount(text) if text.strip() else None
