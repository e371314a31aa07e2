"""One rule for awkward characters and for formula-looking text, in and out.

In: control characters (but tab, line feed and carriage return where a field takes several lines),
DEL and the C1 controls, Unicode non-characters (U+FDD0–U+FDEF, U+FFFE and U+FFFF of every plane) and
unpaired surrogates are refused by forms and the API with a message naming the field, and removed
from imported documents (the preview says so). Zero-width characters, right-to-left marks, combining
marks and emoji are ordinary text: kept.

Out: every download removes the same characters (legacy data written before the rule), and every
spreadsheet-like download (CSV, Excel) keeps text that a spreadsheet would run as a formula (OWASP:
cells starting with = + - @ tab or CR) text: an Excel cell is a string cell with Excel's quote prefix
(reads exactly as written, stays text when edited); a CSV field gets a leading apostrophe.
"""
from __future__ import annotations

import re

_CONTROLS = "\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f"
_NONCHARACTERS = "\ufdd0-\ufdef\ufffe\uffff" + "".join(
    chr(plane * 0x10000 + 0xFFFE) + chr(plane * 0x10000 + 0xFFFF) for plane in range(1, 17))
_SURROGATES = "\ud800-\udfff"
#: refused in any text (kept out of every download)
AWKWARD = re.compile(f"[{_CONTROLS}{_NONCHARACTERS}{_SURROGATES}]")
#: refused in a one-line field: the same, and tab and line breaks too
AWKWARD_ONE_LINE = re.compile(f"[\t\n\r{_CONTROLS}{_NONCHARACTERS}{_SURROGATES}]")
#: what a spreadsheet reads as the start of a formula (OWASP, CSV injection)
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def awkward_chars(text: str | None, multiline: bool = True) -> list[str]:
    """The awkward characters in the text, each once, in order of appearance."""
    found = (AWKWARD if multiline else AWKWARD_ONE_LINE).findall(text or "")
    return list(dict.fromkeys(found))


def code_points(chars) -> str:
    """Characters as a person can read them: U+0001、U+FFFE."""
    return "、".join(f"U+{ord(c):04X}" for c in chars)


def awkward_message(label: str, chars) -> str:
    """The refusal for a field holding awkward characters, naming the field and the characters."""
    return f"「{label}」含有控制字符或非字符（{code_points(chars)}），请删除后重试"


def field_problem(label: str, text: str | None, multiline: bool = True) -> str | None:
    """The refusal for one field, or None if its text is fine."""
    chars = awkward_chars(text, multiline)
    return awkward_message(label, chars) if chars else None


def strip_awkward(text: str | None, multiline: bool = True) -> str:
    """The text without awkward characters (imports; every download, for legacy data)."""
    return (AWKWARD if multiline else AWKWARD_ONE_LINE).sub("", text or "")


def looks_like_formula(value) -> bool:
    return isinstance(value, str) and value.startswith(FORMULA_START)


def csv_field(value):
    """A CSV field: awkward characters removed; formula-looking text behind an apostrophe."""
    if not isinstance(value, str):
        return value
    value = strip_awkward(value)
    return "'" + value if looks_like_formula(value) else value


def put_cell(cell, value) -> None:
    """Write an Excel (openpyxl) cell: numbers stay numbers; text loses its awkward characters and is
    always a string cell, never a formula; formula-looking text gets Excel's quote prefix."""
    if isinstance(value, str):
        value = strip_awkward(value)
    cell.value = value
    if isinstance(value, str):
        cell.data_type = "s"  # openpyxl would store "=…" as a formula
        if looks_like_formula(value):
            cell.quotePrefix = True


def put_row(ws, values) -> None:
    """Append a row of cells written by put_cell."""
    row = ws.max_row + 1 if ws.max_row > 1 or ws.cell(1, 1).value is not None else 1
    for col, value in enumerate(values, 1):
        put_cell(ws.cell(row, col), value)
