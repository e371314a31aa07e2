"""Error pages (Chinese) and JSON errors for the API, from one place.

When the database is unreachable every page answers a self-contained Chinese 503 page (no
template context: rendering the layout would ask the database for the signed-in user again)
and the API a JSON 503, both with Retry-After.
"""
from contextlib import suppress
from urllib.parse import urlsplit

from flask import Response, flash, jsonify, redirect, render_template, request, url_for
from flask_wtf.csrf import CSRFError
from markupsafe import escape
from sqlalchemy.exc import DataError, DBAPIError, OperationalError, SQLAlchemyError
from sqlalchemy.exc import TimeoutError as PoolTimeout
from sqlalchemy.orm.exc import StaleDataError
from werkzeug.exceptions import HTTPException

from workflow.errors import Conflict, Invalid, WorkflowError

from .extensions import db

MESSAGES = {
    400: "请求无效", 403: "无权访问该页面或执行该操作", 404: "页面或数据不存在",
    405: "不支持的请求方式", 409: "操作与当前状态冲突", 413: "上传的文件过大",
    500: "服务器内部错误，操作未完成", 503: "数据库暂时不可用，请稍后再试",
}


def wants_json() -> bool:
    return request.path.startswith("/api/")


#: the 503 page: plain HTML, so that it renders with the database down
STANDALONE = """<!doctype html>
<html lang="zh-CN"><head><meta charset="utf-8"><title>{status} · 乡镇履职事项清单修订系统</title>
<link rel="stylesheet" href="{css}"></head>
<body><main><section class="error-page"><h1>{status}</h1><p>{message}</p>
<p><a href="{home}">返回首页</a></p></section></main></body></html>
"""


def standalone_page(status: int, message: str) -> Response:
    page = STANDALONE.format(status=status, message=escape(message), css=url_for("static", filename="app.css"),
                             home=url_for("lists.index"))
    return Response(page, status, mimetype="text/html")


def error_response(status: int, message: str | None = None):
    message = message or MESSAGES.get(status, "错误")
    if wants_json():
        return jsonify(error=message, status=status), status
    try:
        return render_template("error.html", status=status, message=message), status
    except SQLAlchemyError:  # the layout asks for the signed-in user: the database failed meanwhile
        with suppress(SQLAlchemyError):
            db.session.rollback()
        return standalone_page(status, message)


def unavailable_response():
    message = MESSAGES[503]
    if wants_json():
        response = jsonify(error=message, status=503)
        response.status_code = 503
    else:
        response = standalone_page(503, message)
    response.headers["Retry-After"] = "30"
    return response


def _database_down(e) -> bool:
    return isinstance(e, (OperationalError, PoolTimeout)) or (
        isinstance(e, DBAPIError) and e.connection_invalidated)


def _back() -> str:
    """The page the form was on (same site only), else the home page."""
    ref = request.referrer or ""
    parts = urlsplit(ref)
    if parts.netloc and parts.netloc != request.host:
        return "/"
    return (parts.path or "/") + (f"?{parts.query}" if parts.query else "")


def init_app(app):
    @app.errorhandler(HTTPException)
    def http_error(e):
        # abort(403, "中文说明") passes its message on; werkzeug's English defaults do not
        own = e.description if e.description != type(e).description else None
        return error_response(e.code or 500, own)

    @app.errorhandler(WorkflowError)
    def workflow_error(e):
        # the one place where a refused move or bad input becomes a response
        db.session.rollback()
        if wants_json():
            return jsonify(error=e.message, details=e.details, status=e.status), e.status
        flash(e.message, "danger")
        if e.status in (400, 409) and request.method == "POST":
            return redirect(_back())
        return error_response(e.status, e.message)

    @app.errorhandler(StaleDataError)
    def stale(e):
        db.session.rollback()
        return workflow_error(Conflict("数据已被他人修改，您的操作未保存；请刷新后重试"))

    @app.errorhandler(DataError)
    @app.errorhandler(OverflowError)
    def data_refused(e):
        # The database refuses a value the input checks let through: PostgreSQL a text longer than its
        # column or a number out of range (DataError), SQLite an integer beyond 64 bits (OverflowError
        # while binding it). A safety net: the checks should catch such input first.
        with suppress(SQLAlchemyError):
            db.session.rollback()
        app.logger.warning("value refused by the database: %s", getattr(e, "orig", e))
        return workflow_error(Invalid("输入的内容超出允许的范围（文字过长或数值过大），未保存"))

    @app.errorhandler(CSRFError)
    def csrf_error(e):
        return error_response(400, "表单已过期或缺少安全令牌（CSRF），请刷新页面后重试")

    @app.errorhandler(OperationalError)
    @app.errorhandler(PoolTimeout)
    def db_unavailable(e):
        with suppress(SQLAlchemyError):  # the connection may be gone: nothing to roll back then
            db.session.rollback()
        app.logger.error("database unavailable: %s", e)
        return unavailable_response()

    @app.errorhandler(500)
    def internal(e):
        original = getattr(e, "original_exception", None)
        if original is not None and _database_down(original):  # e.g. raised while rendering another error
            return db_unavailable(original)
        with suppress(SQLAlchemyError):
            db.session.rollback()
        return error_response(500)
