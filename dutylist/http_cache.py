"""HTTP validators for responses derived from immutable data (published versions): an ETag and a
Last-Modified computed from what the response is made of, checked BEFORE anything is rendered, so a
conditional request that still matches costs one or two small queries and gets 304 Not Modified.

    tag = http_cache.etag("public-township", version.id, version.digest, names…)
    return http_cache.conditional(tag, version.published_at, lambda: render_template(…), public=True)

The ETag also carries a fingerprint of the templates and static files (`build()`), so a deployment that
changes how a page looks changes every tag. Tags are weak (W/"…"): the same inputs give the same page,
but a proxy may re-compress it. One small module, meant to be shared by every cacheable response.
"""
from __future__ import annotations

import hashlib
import os
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

from flask import Response, current_app, make_response, request

_BUILD: dict[str, str] = {}


def build() -> str:
    """A fingerprint of the app's templates and static files (names, sizes, modification times), once per
    process and template folder."""
    root = Path(current_app.root_path)
    key = str(root)
    if key not in _BUILD:
        h = hashlib.sha256()
        folders = [root / (current_app.template_folder or "templates"), root / (current_app.static_folder or "static")]
        for folder in folders:
            for dirpath, _, files in sorted(os.walk(folder)):
                for name in sorted(files):
                    st = os.stat(os.path.join(dirpath, name))
                    h.update(f"{dirpath}/{name}\t{st.st_size}\t{st.st_mtime_ns}\n".encode())
        _BUILD[key] = h.hexdigest()[:16]
    return _BUILD[key]


def etag(*parts) -> str:
    """A tag for a response made of these parts (ids, digests, names, times…) and of this build."""
    h = hashlib.sha256(build().encode())
    for part in parts:
        h.update(b"\x1f" + str(part).encode())
    return h.hexdigest()[:32]


def aware(value: datetime | None) -> datetime | None:
    """A stored (naive UTC) time as an aware one, to the second (HTTP dates have no fractions)."""
    if value is None:
        return None
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    return value.replace(microsecond=0)


def not_modified(tag: str, last_modified: datetime | None) -> bool:
    """Whether the request's validators still match: If-None-Match when sent (weak comparison, as for
    GET), else If-Modified-Since."""
    if request.method not in ("GET", "HEAD"):
        return False
    if request.if_none_match:
        return request.if_none_match.contains_weak(tag)
    since, modified = request.if_modified_since, aware(last_modified)
    return since is not None and modified is not None and modified <= since


def headers(response: Response, tag: str, last_modified: datetime | None, *, public: bool, max_age: int) -> Response:
    """Set the validators and Cache-Control on a response."""
    response.set_etag(tag, weak=True)
    if last_modified is not None:
        response.last_modified = aware(last_modified)
    response.headers["Cache-Control"] = f"{'public' if public else 'private'}, max-age={max_age}"
    return response


def conditional(tag: str, last_modified: datetime | None, render: Callable[[], object], *, public: bool = False,
                max_age: int = 0) -> Response:
    """304 when the request's validators match (render() is not called), else render()'s response;
    either way with the ETag, Last-Modified and Cache-Control."""
    if not_modified(tag, last_modified):
        response = current_app.response_class(status=304)
    else:
        response = make_response(render())
    return headers(response, tag, last_modified, public=public, max_age=max_age)
