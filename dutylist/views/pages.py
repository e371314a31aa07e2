"""Conditional GETs, whole rendered pages reused, and gzip: what a revisit of an unchanged page costs.

A page that opts in (the list pages, the home page) names everything it shows that can change: the
version's id and digest, the open revision the user may read, what the user may start, the places'
state... `cached_page` adds what the layout shows of the user (id, name, role, organisation and its last
change, the unread count, the session's CSRF secret, today's date) and the build (templates, static files,
time zone), and hashes it all into the ETag. Every one of those inputs is read from the database in this
request, so the ETag is right on any app server:

- a request whose If-None-Match holds that ETag is answered 304 without rendering;
- otherwise the page's bytes are looked up by the ETag in a per-worker LRU (PAGE_CACHE pages, default 32;
  0: off). The ETag covers every input, so an entry is immutable: a change anywhere makes another key, never
  a stale page, and nothing depends on which worker or machine rendered it.

A request with flashed messages waiting is neither answered 304 nor cached (the page shows and consumes them).
Answers are `Cache-Control: private, no-cache`: a browser keeps them for the signed-in user only and asks
again every time; no shared cache keeps them.

gzip (stdlib zlib): HTML, JSON, CSS, JavaScript and SVG answers over COMPRESS_MIN_BYTES to a client that
accepts it; COMPRESS_LEVEL on the fly (default 1: most of the saving for a quarter of level 6's CPU, see
bench/RESULTS.md), level 6 once per cached page (kept beside its bytes).
"""
from __future__ import annotations

import gzip
import hashlib
import os
from pathlib import Path

from flask import Response, current_app, g, request, session
from flask_login import current_user
from flask_wtf.csrf import generate_csrf

from workflow import permissions as perm

from .. import session_cookie
from ..caching import LRU, database_key
from ..clock import today
from . import page_hits

_pages = LRU(32)
COMPRESSIBLE = ("text/html", "application/json", "text/css", "text/javascript", "application/javascript",
                "image/svg+xml", "text/plain", "text/csv")


def init_app(app) -> None:
    app.config.setdefault("PAGE_CACHE", int(os.environ.get("PAGE_CACHE", "32")))
    app.config.setdefault("COMPRESS", os.environ.get("COMPRESS", "1") != "0")
    app.config.setdefault("COMPRESS_LEVEL", int(os.environ.get("COMPRESS_LEVEL", "1")))
    app.config.setdefault("COMPRESS_MIN_BYTES", 2048)
    app.extensions["page_build"] = build_token(app)
    session_cookie.init_app(app)  # the cookie's serializer built once, not per request
    # the hit path runs before every other before_request (the gate, Flask-Login): views.page_hits
    app.before_request_funcs.setdefault(None, []).insert(0, serve_hit)
    app.after_request(compress)


def build_token(app) -> str:
    """What every page depends on besides the data: the templates, the static files and the settings the
    layout reads. The same on every server of one deployment; a new deployment changes every ETag."""
    h = hashlib.sha256()
    roots = [Path(app.root_path, app.template_folder or "templates"), Path(app.static_folder or "")]
    for root in roots:
        for path in sorted(root.rglob("*")) if root.is_dir() else ():
            if path.is_file():
                h.update(str(path.relative_to(root)).encode() + b"\0" + path.read_bytes())
    for setting in ("TIMEZONE", "REVIEW_LEVELS", "LEGALITY_REVIEW", "WTF_CSRF_TIME_LIMIT", "SCRIPT_NAME", "APPLICATION_ROOT"):
        h.update(repr(app.config.get(setting)).encode())
    return h.hexdigest()


def viewer() -> tuple:
    """What the layout shows of the signed-in user (and what its menus depend on)."""
    if not current_user.is_authenticated:
        return ("anonymous",)
    org = current_user.organisation
    field = current_app.config.get("WTF_CSRF_FIELD_NAME", "csrf_token")
    csrf_secret = hashlib.sha256(str(session.get(field, "")).encode()).hexdigest()
    return (current_user.id, current_user.display_name, current_user.role, current_user.must_change_password,
            current_user.active, org.id, org.name, org.kind, org.updated_at, org.closed_at,
            g.get("unread_notifications"), csrf_secret, today().isoformat(), request.script_root,
            # the header's 代理 badge: whom the user acts for today (a deputyship named or withdrawn since)
            tuple((d.id, d.display_name) for d in perm.delegators_of(current_user)))


def place_parts(org) -> list[tuple]:
    """A place and the places above it as a page names them (their names and last change): ETag parts."""
    out = []
    while org is not None:
        out.append((org.id, org.name, org.short_name, org.kind, org.updated_at))
        org = org.parent
    return out


def page_etag(parts: tuple) -> str:
    """The ETag of this request's page: the build, the URL, the viewer and the page's own parts."""
    key = repr((current_app.extensions["page_build"], database_key(), request.path, request.query_string,
                viewer(), parts))
    return hashlib.sha256(key.encode()).hexdigest()[:40]


def serve_hit():
    """before_request (the first one): a reused page answered here after one read (views.page_hits), or its
    key left for cached_page."""
    if not current_app.config.get("PAGE_CACHE", 32):
        return None
    key = page_hits.page_key()
    if key is None:
        return None
    if request.if_none_match.contains_weak(key):
        return entry_response(None, key)
    entry = _pages.get(key)
    if entry is None:
        g.page_key = key
        return None
    return entry_response(entry, key)


def cached_page(parts: tuple, render) -> Response:
    """The page for this request: 304 if the client holds it, else its bytes reused or render()ed.

    `parts`: everything the page shows that is not in the layout's viewer part (read in this request);
    `render`: returns the page's HTML (called only when no worker-local copy exists).

    When the hit path (views.page_hits) computed this request's key and found no page under it, the page is
    rendered here and kept under that key, if reading the key again after rendering gives the same key (a
    change that came in between would otherwise be hidden behind a key that predates it)."""
    if session.get("_flashes"):
        response = current_app.make_response(render())
        response.headers["Cache-Control"] = "private, no-cache"
        return response
    if current_app.config.get("WTF_CSRF_FIELD_NAME", "csrf_token") not in session:
        generate_csrf()  # the session's CSRF secret exists before it is hashed into the key
    hit_key = g.pop("page_key", None)
    if hit_key is not None:
        entry = {"body": render().encode()}
        if g.pop("page_not_kept", False) or page_hits.page_key() != hit_key:
            return _uncached(entry["body"])
        _pages.put(hit_key, entry, current_app.config.get("PAGE_CACHE", 32))
        return entry_response(entry, hit_key)
    etag = page_etag(parts)
    if request.if_none_match.contains_weak(etag):
        return entry_response(None, etag)
    size = current_app.config.get("PAGE_CACHE", 32)
    entry = _pages.get(etag) if size else None
    if entry is None:
        entry = {"body": render().encode()}
        if g.pop("page_not_kept", False):
            return _uncached(entry["body"])
        if size:
            _pages.put(etag, entry, size)
    return entry_response(entry if size else None, etag, body=entry["body"])


def not_kept() -> None:
    """Called by a page's render(): this answer is neither kept nor given an ETag (e.g. a search stopped for
    taking too long, which may finish when the server is less busy)."""
    g.page_not_kept = True


def entry_response(entry: dict | None, etag: str, body: bytes | None = None) -> Response:
    """The answer for a kept page: 304 (entry and body None), or its bytes, gzipped once when the client
    accepts gzip (kept beside them); `body` alone: bytes not kept (compressed on the fly by compress()).
    Its headers are written as they are sent (a reused page is answered thousands of times)."""
    headers = [("ETag", f'W/"{etag}"'),  # weak: one ETag for the page, gzipped or not
               ("Cache-Control", "private, no-cache"), ("Vary", "Cookie, Accept-Encoding")]
    if entry is None and body is None:
        return Response(status=304, headers=headers)
    data = body if body is not None else entry["body"]
    if (entry is not None and _accepts_gzip()
            and len(data) >= current_app.config.get("COMPRESS_MIN_BYTES", 2048)):
        if "gzip" not in entry:  # compressed once per kept page, at the level that pays when reused
            entry["gzip"] = gzip.compress(entry["body"], compresslevel=6, mtime=0)
        data = entry["gzip"]
        headers.append(("Content-Encoding", "gzip"))
    return Response(data, headers=headers, mimetype="text/html")


def _uncached(body: bytes) -> Response:
    response = Response(body, mimetype="text/html")
    response.headers["Cache-Control"] = "private, no-cache"
    response.vary.add("Cookie")
    return response


def _accepts_gzip() -> bool:
    return request.accept_encodings["gzip"] > 0 and current_app.config.get("COMPRESS", True)


def _compressible(response: Response) -> bool:
    return (response.status_code == 200 and not response.direct_passthrough
            and "Content-Encoding" not in response.headers and response.mimetype in COMPRESSIBLE
            and (response.content_length or 0) >= current_app.config.get("COMPRESS_MIN_BYTES", 2048))


def _gzipped(response: Response, body: bytes) -> None:
    response.set_data(body)
    response.headers["Content-Encoding"] = "gzip"
    response.vary.add("Accept-Encoding")


def compress(response: Response) -> Response:
    """gzip on the fly for a client that accepts it (after_request)."""
    if response.mimetype in COMPRESSIBLE and "Accept-Encoding" not in response.headers.get("Vary", ""):
        response.vary.add("Accept-Encoding")  # the same URL answers in two encodings
    if _accepts_gzip() and _compressible(response) and not response.is_streamed:
        _gzipped(response, gzip.compress(response.get_data(), compresslevel=current_app.config.get(
            "COMPRESS_LEVEL", 1), mtime=0))
    return response
