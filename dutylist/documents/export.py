"""One entry point for every export format."""
from __future__ import annotations

from .export_data import to_csv, to_json
from .export_docx import to_docx
from .export_pdf import to_pdf
from .export_xlsx import to_xlsx
from .model import ListDocument

FORMATS = {
    "docx": ("application/vnd.openxmlformats-officedocument.wordprocessingml.document", "Word"),
    "xlsx": ("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", "Excel"),
    "pdf": ("application/pdf", "PDF"),
    "csv": ("text/csv; charset=utf-8", "CSV"),
    "json": ("application/json", "JSON"),
}


def render(doc: ListDocument, fmt: str) -> bytes:
    """The document in one format (docx, xlsx, pdf, csv, json); pdf may raise PdfFontMissing."""
    if fmt == "docx":
        return to_docx(doc)
    if fmt == "xlsx":
        return to_xlsx(doc)
    if fmt == "pdf":
        return to_pdf(doc)
    if fmt == "csv":
        return to_csv(doc)
    if fmt == "json":
        return to_json(doc)
    raise ValueError(f"unknown format {fmt!r}")


def audit_details(doc: ListDocument, fmt: str, **extra) -> dict:
    details = {"format": fmt, "document": "履职事项清单", "title": doc.title, "items": len(doc.entries),
               "version": doc.version_number}
    if doc.draft is not None:
        details.update(revision_id=doc.draft.revision_id, round=doc.draft.round, status=doc.draft.status)
    details.update(extra)
    return details
