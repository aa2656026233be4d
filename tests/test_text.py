"""The one sanitizer: nothing that reaches a terminal through it can act on the terminal."""

from __future__ import annotations

import json
import unicodedata

from hypothesis import given, strategies as st

from triage_tui.domain.text import display_width, fit, inert, inert_json, pad

_BIDI = "\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069\u200e\u200f\u061c"


def _dangerous(char: str) -> bool:
    code = ord(char)
    return (
        code < 0x20 or 0x7F <= code <= 0x9F or char in _BIDI or char in "\u2028\u2029"
        or 0xD800 <= code < 0xE000
    )


def test_escape_sequences_become_visible() -> None:
    osc52 = "\x1b]52;c;cHduZWQ=\x07Z"
    assert inert(osc52) == "␛]52;c;cHduZWQ=␇Z"
    assert inert("\x1b[2J") == "␛[2J"
    assert inert("a\x9bb") == "a<U+009B>b"
    assert inert("x\x7fy") == "x␡y"
    assert inert("abc\u202edef") == "abc<U+202E>def"
    assert inert("line\nnext\r") == "line␊next␍"
    assert inert("line\nnext\r", keep_newlines=True) == "line\nnext␍"
    assert inert("bad \udcff byte") == "bad \ufffd byte"


def test_plain_text_is_unchanged() -> None:
    text = "Acme [EU] GmbH — Zürich 漢字 👍"
    assert inert(text) == text


@given(st.text())
def test_no_dangerous_character_survives(text: str) -> None:
    shown = inert(text)
    assert not any(_dangerous(c) for c in shown)
    assert not any(_dangerous(c) for c in inert(text, keep_newlines=True) if c != "\n")


@given(st.text(alphabet=st.characters(blacklist_categories=("Cc", "Cs", "Cf", "Zl", "Zp"))))
def test_text_without_controls_is_kept(text: str) -> None:
    assert inert(text) == text


def test_display_width_counts_columns() -> None:
    assert display_width("abc") == 3
    assert display_width("漢字") == 4
    assert display_width("e\u0301") == 1
    assert display_width("👍") == 2


def test_fit_and_pad_use_columns() -> None:
    assert fit("漢字漢字", 5) == "漢字…"
    assert display_width(fit("漢字漢字", 5)) <= 5
    assert fit("short", 10) == "short"
    assert pad("漢", 4) == "漢  "
    assert pad("7", 3, right=True) == "  7"


@given(st.text(alphabet=st.characters(blacklist_categories=("Cc", "Cs"))), st.integers(1, 40))
def test_fit_never_exceeds_width(text: str, width: int) -> None:
    text = unicodedata.normalize("NFC", text)
    assert display_width(fit(text, width)) <= width


@given(st.recursive(st.none() | st.integers() | st.text(),
                    lambda inner: st.lists(inner, max_size=3)
                    | st.dictionaries(st.text(max_size=5), inner, max_size=3), max_leaves=8))
def test_inert_json_is_the_same_value_and_inert(value: object) -> None:
    text = inert_json(json.dumps(value, indent=2, ensure_ascii=False))
    assert json.loads(text) == value
    assert not any(_dangerous(c) for c in text if c != "\n")
