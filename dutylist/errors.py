"""Error pages (Chinese) and JSON errors for the API, from one place."""
from urllib.parse import urlsplit

from flask import flash, jsonify, redirect, render_template, request
from flask_wtf.csrf import CSRFError
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm.exc import StaleDataError
from werkzeug.exceptions import HTTPException

from workflow.errors import Conflict, WorkflowError

from .extensions import db

MESSAGES = {
    400: "请求无效", 403: "无权访问该页面或执行该操作", 404: "页面或数据不存在",
    405: "不支持的请求方式", 409: "操作与当前状态冲突", 413: "上传的文件过大",
    500: "服务器内部错误，操作未完成", 503: "数据库暂时不可用，请稍后再试",
}


def wants_json() -> bool:
    return request.path.startswith("/api/")


def error_response(status: int, message: str | None = None):
    message = message or MESSAGES.get(status, "错误")
    if wants_json():
        return jsonify(error=message, status=status), status
    return render_template("error.html", status=status, message=message), status


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

    @app.errorhandler(CSRFError)
    def csrf_error(e):
        return error_response(400, "表单已过期或缺少安全令牌（CSRF），请刷新页面后重试")

    @app.errorhandler(OperationalError)
    def db_unavailable(e):
        db.session.rollback()
        app.logger.exception("database error")
        return error_response(503)

    @app.errorhandler(500)
    def internal(e):
        return error_response(500)
