"""Word, Excel, PDF, CSV and JSON in and out, in the official layout (issue: documents).

Exports (model → export_docx / export_xlsx / export_pdf / export_data) render a ListDocument
built from a published version or a draft; imports (importing → import_docx / import_xlsx →
reader) turn Word and Excel lists into the ParsedList every importer produces; the web
import keeps the parsed upload between preview and confirm and runs the import as one job
(jobs); views holds the download and import pages, cli the `export-list` command.
"""


def init_app(app):
    """Register the documents blueprint and the `export-list` command."""
    from .cli import export_list_command
    from .views import bp

    app.register_blueprint(bp)
    app.cli.add_command(export_list_command)
