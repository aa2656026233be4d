"""User text on a terminal: one sanitizer for every place stored or typed text is shown.

Text a user typed (or a file someone edited) is data. Before it reaches a terminal —
a CLI line, a table cell, a TUI widget, a notification, a title — it goes through
:func:`inert`, which makes every character that could steer the terminal visible and
harmless:

- C0 controls (``\\x00``–``\\x1f``) become their Unicode *control pictures*
  (ESC → ``␛``, BEL → ``␇``, NUL → ``␀``); DEL becomes ``␡``;
- C1 controls (``\\x80``–``\\x9f``, e.g. the one-byte CSI ``\\x9b``) become ``<U+009B>``;
- bidirectional overrides and isolates (U+202A–U+202E, U+2066–U+2069, U+200E/F, U+061C)
  and the line/paragraph separators become ``<U+202E>`` and so on;
- lone surrogates (undecodable bytes from ``surrogateescape`` arguments) become ``�``.

The stored text is never changed: this is applied only on the way to the screen.
JSON output needs none of it (its escaping already makes control characters inert).
"""

from __future__ import annotations

import re
from functools import lru_cache

_VISIBLE_FORMAT = (0x061C, 0x200E, 0x200F, 0x2028, 0x2029, *range(0x202A, 0x202F),
                   *range(0x2066, 0x206A))


def _table(keep_newlines: bool) -> dict[int, str]:
    table: dict[int, str] = {code: chr(0x2400 + code) for code in range(0x20)}
    table[0x7F] = "\u2421"
    for code in range(0x80, 0xA0):
        table[code] = f"<U+{code:04X}>"
    for code in _VISIBLE_FORMAT:
        table[code] = f"<U+{code:04X}>"
    for code in range(0xD800, 0xE000):
        table[code] = "\ufffd"
    if keep_newlines:
        del table[0x0A]
    return table


_LINE = _table(keep_newlines=False)
_BLOCK = _table(keep_newlines=True)


def _finder(table: dict[int, str]) -> re.Pattern[str]:
    """A regex finding any character ``table`` changes (see :func:`_apply`)."""
    codes = sorted(table)
    ranges: list[tuple[int, int]] = []
    for code in codes:
        if ranges and ranges[-1][1] == code - 1:
            ranges[-1] = (ranges[-1][0], code)
        else:
            ranges.append((code, code))
    return re.compile("[" + "".join(f"\\U{a:08x}-\\U{b:08x}" for a, b in ranges) + "]")


_LINE_FINDER = _finder(_LINE)
_BLOCK_FINDER = _finder(_BLOCK)


def _apply(text: str, table: dict[int, str], finder: re.Pattern[str]) -> str:
    """``text.translate(table)``, quick on long text: CPython translates ASCII fast, but
    anything else one character at a time (60 MB of ``history --json``: 7 s), where a regex
    replacing only what it finds takes 0.3 s."""
    if text.isascii():
        return text.translate(table)
    return finder.sub(lambda match: table[ord(match[0])], text)


def inert(text: object, *, keep_newlines: bool = False) -> str:
    """``text`` safe to write to a terminal: no character in it can act on the terminal.

    With ``keep_newlines`` a plain ``\\n`` stays a line break (for multi-line notes);
    ``\\r`` is always shown, since it could overwrite the start of a line.
    """
    if keep_newlines:
        return _apply(str(text), _BLOCK, _BLOCK_FINDER)
    return _apply(str(text), _LINE, _LINE_FINDER)


@lru_cache(maxsize=4096)
def _char_width(char: str) -> int:
    from wcwidth import wcwidth

    width = wcwidth(char)
    return max(width, 0)


def display_width(text: str) -> int:
    """Columns ``text`` takes on a terminal (wide CJK and emoji count 2, combining marks 0).

    Meant for text already passed through :func:`inert` (no control characters).
    """
    if text.isascii():
        return len(text)
    return sum(_char_width(c) for c in text)


def fit(text: str, width: int) -> str:
    """``text`` cut to at most ``width`` columns, ending in ``…`` when it was cut."""
    if display_width(text) <= width:
        return text
    out: list[str] = []
    used = 0
    for char in text:
        w = _char_width(char)
        if used + w > width - 1:
            break
        out.append(char)
        used += w
    return "".join(out) + "…"


def pad(text: str, width: int, *, right: bool = False) -> str:
    """``text`` padded with spaces to ``width`` columns (by display width)."""
    gap = " " * max(width - display_width(text), 0)
    return gap + text if right else text + gap


_JSON = {code: f"\\u{code:04x}" for code in _BLOCK}


def inert_json(text: str) -> str:
    """Serialised JSON with every character :func:`inert` would change written as a
    ``\\u`` escape: the same JSON value (it parses back to the text as typed), and nothing
    in it can act on a terminal. ``json.dumps`` escapes C0 itself but not DEL, C1, bidi
    overrides or lone surrogates. Its structural newlines are kept."""
    return _apply(text, _JSON, _BLOCK_FINDER)
