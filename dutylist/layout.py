"""The layout's links (templates/base.html): the same on every request, so built once per app.

The navigation, the header's forms and the static files are ~25 url_for calls on every page, each
matching its endpoint's rule again. Their URLs depend on nothing of the request but the script root
(SCRIPT_NAME, when the app is mounted under a prefix): one table of them per script root."""
from __future__ import annotations

from typing import Callable

from flask import current_app, has_request_context, request, url_for

#: more script roots than this: they vary by request, start again rather than grow
_MAX_ROOTS = 16


def _links() -> Callable[..., str]:
    """nav_url(endpoint, **values): url_for for a constant link (an absolute endpoint name, constant
    values, not _external), remembered for this request's script root."""
    tables = current_app.extensions["nav_urls"]
    root = request.script_root
    nav_url = tables.get(root)
    if nav_url is None:
        urls: dict = {}

        def nav_url(endpoint: str, **values) -> str:
            key = (endpoint, *values.items()) if values else endpoint
            url = urls.get(key)
            if url is None:
                url = urls[key] = url_for(endpoint, **values)
            return url
        if len(tables) >= _MAX_ROOTS:
            tables.clear()
        tables[root] = nav_url
    return nav_url


def init_app(app) -> None:
    app.extensions["nav_urls"] = {}

    @app.context_processor
    def layout_links():
        return {"nav_url": _links() if has_request_context() else url_for}
