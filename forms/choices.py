"""Option lists for SelectField, RadioField and SelectMultipleField as WTForms wants them from 3.3 on:
SelectChoice objects (tuples are deprecated there and go in 3.4), an optgroup named on each option."""
from collections.abc import Iterable, Mapping

from wtforms import SelectChoice


def choices(pairs: Iterable | Mapping, optgroup: str | None = None) -> list[SelectChoice]:
    """(value, label) pairs, or a {value: label} mapping, as SelectChoice objects, in the same order.

    A bare value (not a pair) is its own label; an option already a SelectChoice is kept (moved into
    `optgroup` when one is given). Values are kept as they are (ints for coerce=int fields)."""
    if isinstance(pairs, Mapping):
        pairs = pairs.items()
    out = []
    for p in pairs:
        if isinstance(p, SelectChoice):
            out.append(SelectChoice(p.value, p.label, p.render_kw, optgroup or p.optgroup))
        elif isinstance(p, tuple):
            value, label = p
            out.append(SelectChoice(value, label, optgroup=optgroup))
        else:
            out.append(SelectChoice(p, optgroup=optgroup))
    return out


def values(options: Iterable[SelectChoice]) -> set:
    """The values a field offers (what `in dict(field.choices)` asked of tuples)."""
    return {c.value for c in options}
