"""Word, Excel, PDF, CSV and JSON in and out, in the official layout.

Exports (model → export_docx / export_xlsx / export_pdf / export_data) render a ListDocument
built from a published version or a draft; change_table renders the 新旧对照表; imports
(file_types → import_docx / import_xlsx → reader) turn Word and Excel lists into the ParsedList
every importer produces; the web import keeps the parsed upload between preview and confirm and
runs the import as one job (jobs); cli holds the `export-list` command. The pages are in
dutylist.views.documents.
"""
from .cli import export_list_command


def init_app(app):
    """Register the `export-list` command."""
    app.cli.add_command(export_list_command)
