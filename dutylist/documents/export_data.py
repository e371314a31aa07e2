"""CSV and JSON for machines.

JSON holds everything, structured: the place, the version or draft, the stats and every item
with its stable identity (item_id) and fields as stored (the item schema's keys). CSV is for
people with a spreadsheet: one row per item over all three tables, Chinese headers and values
(the item schema's labels, the table's name), UTF-8 with a byte-order mark so that Excel and WPS
open it as UTF-8; a field a spreadsheet would run as a formula starts with an apostrophe (textrules); steps one per line, 承接部门及工作方式 as "部门：方式" lines like the Word table.
"""
from __future__ import annotations

import csv
import io
import json

from ..items import CONTENT_KEYS, FIELDS, KIND_LABELS, Field, Shape, citation_lines, receiving_lines
from ..textrules import csv_field
from .model import ListDocument

#: the CSV's columns: the table, the number, every field of the item schema, the item's identity (an
#: optional field, 备注, only when some item has it: ListDocument.optional_keys)
CSV_COLUMNS = ("清单", "序号", *(f.label for f in FIELDS if not f.optional), "事项编号")
FORMAT = "dutylist/list-1"


def to_json(doc: ListDocument) -> bytes:
    unused = doc.optional_keys()
    data = {
        "format": FORMAT,
        "title": doc.title,
        "region": doc.region, "prefecture": doc.prefecture, "county": doc.county, "township": doc.township,
        "township_id": doc.township_id,
        "date": doc.date,
        "version": doc.version_number,
        "digest": doc.digest,
        "draft": None if doc.draft is None else {
            "revision_id": doc.draft.revision_id, "round": doc.draft.round, "status": doc.draft.status,
            "status_label": doc.draft.status_label, "title": doc.draft.title, "note": doc.draft.line},
        "exported_at": doc.exported_at.isoformat(timespec="seconds"),
        "stats": doc.stats,
        "items": [{"kind": e["kind"], "number": e["number"], "item_id": e.get("item_id"),
                   **{k: e[k] for k in CONTENT_KEYS if k not in unused}} for e in doc.entries],
    }
    return json.dumps(data, ensure_ascii=False, indent=2).encode("utf-8")


def _cell(f: Field, entry: dict) -> str:
    """One field as a spreadsheet cell's text (empty for the fields its table does not have)."""
    if entry["kind"] not in f.kinds:
        return ""
    if f.shape == Shape.department_rows:
        return "\n".join(receiving_lines(entry[f.key], merge=True))
    if f.shape == Shape.citations:
        return "\n".join(citation_lines(entry[f.key]))
    value = entry[f.key]
    return "\n".join(value) if isinstance(value, list) else value


def to_csv(doc: ListDocument) -> bytes:
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\r\n")
    unused = doc.optional_keys()
    fields = [f for f in FIELDS if f.key not in unused]
    writer.writerow(("清单", "序号", *(f.label for f in fields), "事项编号"))
    for e in doc.entries:
        writer.writerow([csv_field(v) for v in (KIND_LABELS[e["kind"]], e["number"], *(_cell(f, e) for f in fields),
                                                "" if e.get("item_id") is None else e["item_id"])])
    return ("\ufeff" + buf.getvalue()).encode("utf-8")
