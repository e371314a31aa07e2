"""Word, Excel, PDF, CSV and JSON in and out, in the official layout (issue: documents)."""


def init_app(app):
    """Register the documents blueprint and CLI commands (filled in by the documents work)."""
