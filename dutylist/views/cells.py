"""The HTML of an item's cells — 事项类别 and 名称, the steps of a duty, 承接部门及工作方式, 依据, 备注 — and of
the rows of a published version's three tables: the one home of that markup, for every template
(registered as template globals by `init_app`).

Plain Python rather than Jinja macros: a 309-item list prints ~2,500 cells, which took 8.2 ms through
macros and take ~1.5 ms here (bench/RESULTS.md, issue 17: the list page with its caches off). Everything a person wrote is escaped (`esc`) before it joins the markup; the results are
`Markup`, so a template prints them as they are.
"""
from __future__ import annotations

from collections.abc import Iterable, Mapping

from flask import Flask
from markupsafe import Markup

from ..escaping import esc
from ..items import CATCH_ALL, FIELDS, KINDS, Field, Shape, fields_of, filtering


def _get(obj, key: str):
    """A field of an item: entries and imported rows are dicts, draft items objects."""
    if isinstance(obj, Mapping):
        return obj.get(key)
    return getattr(obj, key, None)


def _steps(lines) -> str:
    if not lines:
        return ""
    return '<ol class="steps">' + "".join(f"<li>{esc(line)}</li>" for line in lines) + "</ol>"


#: a department row's paragraph class: the field's key, as the stylesheet spells it
_ROW_CLASS = next(f.key for f in FIELDS if f.shape == Shape.department_rows)


def _department_rows(rows) -> str:
    out = []
    for r in rows or ():
        department = _get(r, "department")
        strong = f"<strong>{esc(department)}：</strong>" if department else ""
        out.append(f'<p class="{_ROW_CLASS}">{strong}{esc(_get(r, "method"))}</p>')
    return "".join(out)


def _remarks(text) -> str:
    return "".join(f'<p class="remark">{esc(line)}</p>' for line in (text or "").splitlines() if line.strip())


_PENDING = ' <span class="badge pending-basis" title="依据库中还没有这条依据，由县委编办核对后加入">待入库</span>'


def _citations(items, pending_mark: bool = False) -> str:
    out = []
    for c in items or ():
        basis_id = _get(c, "basis_id")
        attr = f' data-basis="{esc(basis_id)}"' if basis_id else ""
        mark = _PENDING if pending_mark and not basis_id else ""
        out.append(f'<p class="citation"{attr}>{esc(_get(c, "text"))}{esc(_get(c, "article"))}{mark}</p>')
    return "".join(out)


def _cell_class(f: Field) -> str:
    """A column's class (the stylesheet and list-filter.js know them), from what the field is."""
    if f.vocabulary:
        return ' class="cat"'
    if f.shape == Shape.departments:
        return ' class="depts"'
    if f.shape == Shape.citations:
        return ' class="bases"'
    return ' class="remarks"' if f.key == CATCH_ALL else ""


def _column(f: Field) -> tuple:
    """(key, class, how its value prints, whether it is 依据 / 备注: printed only when the table has them)."""
    if f.shape == Shape.steps:
        render = _steps
    elif f.shape == Shape.department_rows:
        render = _department_rows
    elif f.shape == Shape.citations:
        render = _citations
    elif f.key == CATCH_ALL:
        render = _remarks
    else:
        render = esc
    return f.key, _cell_class(f), render, f.shape == Shape.citations, f.key == CATCH_ALL


#: each table's columns after 序号: the item schema's fields, in order
_COLUMNS = {kind: tuple(_column(f) for f in fields_of(kind)) for kind in KINDS}

#: (kind, with 依据, with 备注) -> the columns a table prints: (key, the cell's opening tag, how its value
#: prints, whether it is 依据)
_SHOWN: dict[tuple, tuple] = {}


def _shown_columns(kind: str, with_bases, with_remarks) -> tuple:
    key = (kind, bool(with_bases), bool(with_remarks))
    shown = _SHOWN.get(key)
    if shown is None:
        shown = _SHOWN[key] = tuple(
            (k, f"<td{cls}>", render, is_bases) for k, cls, render, is_bases, is_remarks in _COLUMNS[kind]
            if (with_bases if is_bases else not is_remarks or with_remarks))
    return shown


def _cells(get, shown: tuple, pending_mark: bool = False) -> str:
    """The cells of one item (`get` reads its fields) for the columns a table prints (_shown_columns)."""
    return "".join([f"{td}{render(get(key), pending_mark) if is_bases else render(get(key))}</td>"
                    for key, td, render, is_bases in shown])


def _item_cells(e, with_bases, with_remarks, pending_mark: bool = False) -> str:
    get = e.get if type(e) is dict or isinstance(e, Mapping) else (lambda key: getattr(e, key, None))
    return _cells(get, _shown_columns(get("kind"), with_bases, with_remarks), pending_mark)


def _row_attrs(fields, matched: bool, changed: bool | None = None, named: list[str] | None = None) -> str:
    if type(fields) is not dict and not isinstance(fields, Mapping):
        fields = fields.fields()
    out = f' data-cat="{esc(fields.get("category"))}" data-depts="{esc(filtering.departments_attr(fields, named))}"'
    if changed is not None:
        out += f' data-changed="{1 if changed else 0}"'
    return out + (" hidden" if not matched else "")


def _html(built: str) -> Markup:
    """Markup built by this module: every text in it went through esc()."""
    return Markup(built)


def steps(lines) -> Markup:
    """The steps of a duty (上级部门职责, 乡镇配合职责) as a numbered list; nothing when there are none."""
    return _html(_steps(lines))


def department_rows(rows) -> Markup:
    """承接部门及工作方式: one paragraph per department taking the duty over, the department in bold."""
    return _html(_department_rows(rows))


def remarks(text) -> Markup:
    """备注: one paragraph per non-blank line."""
    return _html(_remarks(text))


def citations(items, pending_mark: bool = False) -> Markup:
    """依据: one paragraph per citation; `pending_mark` marks those not yet in the library (待入库)."""
    return _html(_citations(items, pending_mark))


def item_cells(e, with_bases, with_remarks, pending_mark: bool = False) -> Markup:
    """The cells of one item after its 序号, for its table: 事项类别, 名称, then 对应上级部门 and the two duties
    (配合) or 承接部门及工作方式 (收回), then 依据 and 备注 when the table shows those columns."""
    return _html(_item_cells(e, with_bases, with_remarks, pending_mark))


def row_attrs(fields, matched: bool, changed: bool | None = None) -> Markup:
    """The attributes of a row that static/list-filter.js reads (data-cat, data-depts, data-changed), and
    `hidden` when the row does not match the server-side filter."""
    return _html(_row_attrs(fields, matched, changed))


def version_rows(entries: Iterable[dict], with_bases, with_remarks, matched: set | None = None,
                 names: Mapping | None = None) -> Markup:
    """The rows of one table of a published version (read_entries' dicts); `matched` the item ids a
    filter keeps (None: every row shown); `names` item id -> named_departments, when the caller has them.
    A row the import flagged is marked, its notes in the title. A table's printed columns are chosen once,
    not per row (a 309-item list prints ~3,000 cells: the list page's largest cost when it is rendered anew)."""
    out = []
    columns = {}
    for e in entries:
        kind = e["kind"]
        shown = columns.get(kind)
        if shown is None:  # (key, the cell's opening tag, how its value prints); a version prints no 待入库
            shown = columns[kind] = tuple(c[:3] for c in _shown_columns(kind, with_bases, with_remarks))
        flags = e.get("flags")
        flagged = f' class="flagged" title="{esc("；".join(flags))}"' if flags else ""
        attrs = _row_attrs(e, matched is None or e["item_id"] in matched, None,
                           names[e["item_id"]] if names is not None else None)
        get = e.get
        out.append(f'<tr id="item-{e["item_id"]}"{attrs}{flagged}><td class="no">{esc(get("number"))}</td>')
        for key, td, render in shown:
            value = get(key)
            # an empty value (None, "", []) prints as nothing whatever its shape: no call for it
            out.append(f"{td}{render(value)}</td>" if value else f"{td}</td>")
        out.append("</tr>\n")
    return _html("".join(out))


def any_value(entries: Iterable[dict], key: str) -> bool:
    """Whether any of the entries (read_entries' dicts) has a value for the field: a table prints its 依据 and
    备注 columns only then (what `entries|selectattr(key)|list` told, without a Jinja call per row)."""
    return any(e.get(key) for e in entries)


def place_options(places: Iterable[tuple], selected) -> Markup:
    """The <option>s of a place filter (places.filter_places / overview: (place, depth) in tree order), each
    place indented by its depth, `selected` (an id) marked. A prefecture may list hundreds of counties:
    written here, not by a Jinja loop."""
    return _html("".join(
        f'<option value="{esc(org.id)}"{" selected" if org.id == selected else ""}>{"　" * depth}{esc(org.name)}</option>'
        for org, depth in places))


def init_app(app: Flask) -> None:
    app.jinja_env.globals.update(steps=steps, department_rows=department_rows, remarks=remarks, citations=citations,
                                 item_cells=item_cells, row_attrs=row_attrs, version_rows=version_rows,
                                 any_value=any_value, place_options=place_options)
