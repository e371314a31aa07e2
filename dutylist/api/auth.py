"""Bearer-token authentication of the API."""
from __future__ import annotations

from functools import wraps

from flask import g, jsonify, request

from workflow import permissions as perm

from ..extensions import db
from ..services.tokens import user_for


def token_required(view):
    """Authenticate `Authorization: Bearer <token>`; 401 JSON otherwise, 403 JSON (in Chinese) when the
    account may not use the API now (workflow.permissions.api_refusal)."""
    @wraps(view)
    def wrapped(*args, **kwargs):
        header = request.headers.get("Authorization", "")
        token = header[7:].strip() if header.lower().startswith("bearer ") else ""
        user = user_for(token)
        if user is None:
            db.session.rollback()
            return jsonify(error="需要有效的 API 令牌（Authorization: Bearer …）", details=[], status=401), 401
        refused = perm.api_refusal(user, request.endpoint)
        if refused:  # a temporary password to change first, no role yet, the audit administrator
            db.session.rollback()
            return jsonify(error=refused, details=[], status=403), 403
        g.api_user = user
        response = view(*args, **kwargs)
        db.session.commit()  # keeps last_used_at (a no-op after a view that committed)
        return response
    return wrapped


