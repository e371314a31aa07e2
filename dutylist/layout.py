"""The layout's links (templates/base.html): the same on every request, so built once per app.

The navigation, the header's forms and the static files are ~30 url_for calls on every page, each
matching its endpoint's rule again. Their URLs depend on nothing of the request but the script root
(SCRIPT_NAME, when the app is mounted under a prefix), which is part of the key."""
from __future__ import annotations

from flask import current_app, has_request_context, request, url_for

#: more keys than the layout has links means script roots that vary: start again rather than grow
_MAX_KEYS = 512


def nav_url(endpoint: str, **values) -> str:
    """url_for(endpoint, **values) for a constant link (an absolute endpoint name, constant values,
    not _external), remembered per app and script root."""
    if not has_request_context():
        return url_for(endpoint, **values)
    cache = current_app.extensions["nav_urls"]
    key = (request.script_root, endpoint, *values.items())
    url = cache.get(key)
    if url is None:
        if len(cache) >= _MAX_KEYS:
            cache.clear()
        url = cache[key] = url_for(endpoint, **values)
    return url


def init_app(app) -> None:
    app.extensions["nav_urls"] = {}
    app.jinja_env.globals["nav_url"] = nav_url
