"""Response headers that every page carries; ProxyFix when TRUST_PROXY=1; and a gate before every view
that refuses, with a Chinese 4xx, input no view should have to think about: ids beyond 32 bits in the
URL, JSON bodies posted to page forms, text no database column can hold (NUL, unpaired surrogates) and
"digits" that int() cannot read ("²": str.isdigit() says yes, the cause of many a 500)."""
import json
import re

from flask import jsonify, request
from werkzeug.middleware.proxy_fix import ProxyFix

from .errors import error_response

CSP = ("default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
       "object-src 'none'; base-uri 'self'; form-action 'self'; frame-ancestors 'none'")
HSTS = "max-age=31536000"
SECURITY_HEADERS = (("Content-Security-Policy", CSP), ("X-Content-Type-Options", "nosniff"),
                    ("X-Frame-Options", "DENY"), ("Referrer-Policy", "same-origin"))
HSTS_HEADER = (("Strict-Transport-Security", HSTS),)
#: PostgreSQL text cannot hold NUL, and neither database can store an unpaired UTF-16 surrogate
#: (which JSON's \\ud800 escapes produce); refused the same way on both, before any view runs
_UNSTORABLE = re.compile("[\x00\ud800-\udfff]")
UNSTORABLE_MESSAGE = "输入包含无法保存的字符（NUL 或不成对的代理字符），请删除后重试"
MAX_ID = 2**31 - 1  #: ids are 32-bit integers in both databases: a larger one names nothing
DIGITS_MESSAGE = "数字请使用 0–9（“²”“①”之类的字符不是数字）"
JSON_ON_PAGES_MESSAGE = "页面表单不接受 JSON 请求体：请通过表单提交，或使用 /api/v1 接口"


def _json_strings(value):
    """Every key and string of a parsed JSON value, without recursion (bodies may nest deeply)."""
    stack = [value]
    while stack:
        item = stack.pop()
        if isinstance(item, str):
            yield item
        elif isinstance(item, dict):
            stack.extend(item.keys())
            stack.extend(item.values())
        elif isinstance(item, list):
            stack.extend(item)


def _form_values() -> list[str]:
    if request.method in ("POST", "PUT", "PATCH", "DELETE") and request.mimetype in (
            "application/x-www-form-urlencoded", "multipart/form-data"):
        return [*request.form.keys(), *request.form.values()]  # uploaded files are not text
    return []


def digits_int_cannot_read() -> bool:
    """True if a query or form value is all 'digits' that int() refuses ("²", "①": str.isdigit() says yes)."""
    return any(v.isdigit() and not v.isdecimal() for v in [*request.args.values(), *_form_values()])


def unstorable_input() -> bool:
    """True if the path, query, form fields or JSON body carry text that cannot be stored."""
    texts = [request.path, *request.args.keys(), *request.args.values(), *_form_values()]
    if request.method in ("POST", "PUT", "PATCH", "DELETE") and (
            request.is_json or request.path.startswith("/api/")):  # the API reads any body as JSON
        try:
            texts += _json_strings(json.loads(request.get_data(cache=True)))
        except (ValueError, RecursionError):
            pass  # not JSON: the view says so
    return any(_UNSTORABLE.search(t) for t in texts)


def init_app(app):
    if app.config.get("TRUST_PROXY") and not isinstance(app.wsgi_app, ProxyFix):
        # exactly one proxy in front: take the client address and scheme from its X-Forwarded-* headers
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=1, x_proto=1, x_host=1)

    @app.before_request
    def refuse_unusable_input():
        api = request.path.startswith("/api/")
        if not api and any(isinstance(v, int) and not 0 <= v <= MAX_ID for v in (request.view_args or {}).values()):
            # /revisions/99999999999999999999: SQLite cannot even bind it, PostgreSQL says out of range
            # (the API checks its ids itself, naming what does not exist)
            return error_response(404)
        if not api and request.method in ("POST", "PUT", "PATCH", "DELETE") and request.is_json:
            # Flask-WTF would read a JSON body as form data (a list or a number there is a crash)
            return error_response(415, JSON_ON_PAGES_MESSAGE)
        for refused, message in ((unstorable_input, UNSTORABLE_MESSAGE), (digits_int_cannot_read, DIGITS_MESSAGE)):
            if refused():
                if api:
                    return jsonify(error=message, details=[], status=400), 400
                return error_response(400, message)
        return None

    @app.context_processor
    def endpoints():
        # lets the layout link to optional areas only when they are registered
        return {"has_endpoint": lambda name: name in app.view_functions, "unread_notifications": 0}

    @app.after_request
    def set_headers(response):
        # each one unless the response set its own (one pass over the headers, not one per header)
        present = {name.lower() for name in response.headers.keys()}
        for name, value in SECURITY_HEADERS + (HSTS_HEADER if request.is_secure else ()):
            if name.lower() not in present:
                response.headers.add(name, value)
        return response
