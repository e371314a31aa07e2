"""HTML escaping as plain strings: what `{{ value }}` prints, without a Markup object per value.

markupsafe's C escaping (`_escape_inner`) is ~15× cheaper per call than `escape()`, which wraps every result
in a Markup: the code that prints thousands of values per page (views/cells.py: a list's rows; search: the
hits' marked names and snippets) escapes with `esc` and wraps what it built once.
"""
from __future__ import annotations

from markupsafe import escape

try:  # markupsafe's C escaping without the Markup object around it
    from markupsafe._speedups import _escape_inner as _escape_str
except ImportError:  # pragma: no cover - markupsafe built without its C speedups
    def _escape_str(s: str) -> str:
        return str(escape(s))


def esc(value) -> str:
    """A value as escaped HTML text (what `{{ value }}` prints, None as nothing)."""
    if type(value) is str:
        return _escape_str(value)
    if value is None:
        return ""
    if type(value) is int:
        return str(value)
    return str(escape(value))
