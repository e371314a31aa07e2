"""CSV and JSON for machines.

JSON holds everything, structured: the place, the version or draft, the stats and every item
with its stable identity (item_id) and fields as stored. CSV is one row per item over all
three tables (UTF-8 with a byte-order mark, so Excel and WPS open it as UTF-8); list fields
hold one line per entry, 承接部门及工作方式 as "部门：方式" lines like the Word table.
"""
from __future__ import annotations

import csv
import io
import json

from ..items import KIND_LABELS
from .model import ListDocument, receiving_lines

CSV_COLUMNS = ("kind", "table", "number", "category", "name", "departments_text", "departments",
               "dept_duties", "township_duties", "receiving", "item_id")
FORMAT = "dutylist/list-1"


def to_json(doc: ListDocument) -> bytes:
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
        "items": [{
            "kind": e["kind"], "number": e["number"], "item_id": e.get("item_id"),
            "category": e["category"], "name": e["name"], "departments_text": e["departments_text"],
            "departments": e["departments"], "dept_duties": e["dept_duties"],
            "township_duties": e["township_duties"], "receiving": e["receiving"],
        } for e in doc.entries],
    }
    return json.dumps(data, ensure_ascii=False, indent=2).encode("utf-8")


def to_csv(doc: ListDocument) -> bytes:
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\r\n")
    writer.writerow(CSV_COLUMNS)
    for e in doc.entries:
        writer.writerow([
            e["kind"], KIND_LABELS[e["kind"]], e["number"], e["category"], e["name"], e["departments_text"],
            "\n".join(e["departments"]), "\n".join(e["dept_duties"]), "\n".join(e["township_duties"]),
            "\n".join(receiving_lines(e["receiving"])), "" if e.get("item_id") is None else e["item_id"],
        ])
    return ("\ufeff" + buf.getvalue()).encode("utf-8")
