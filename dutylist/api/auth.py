"""Bearer-token authentication of the API."""
from __future__ import annotations

from functools import wraps

from flask import g, jsonify, request

from ..extensions import db
from ..services.tokens import user_for


def token_required(view):
    """Authenticate `Authorization: Bearer <token>`; 401 JSON otherwise."""
    @wraps(view)
    def wrapped(*args, **kwargs):
        header = request.headers.get("Authorization", "")
        token = header[7:].strip() if header.lower().startswith("bearer ") else ""
        user = user_for(token)
        if user is None:
            db.session.rollback()
            return jsonify(error="需要有效的 API 令牌（Authorization: Bearer …）", details=[], status=401), 401
        g.api_user = user
        response = view(*args, **kwargs)
        db.session.commit()  # keeps last_used_at (a no-op after a view that committed)
        return response
    return wrapped


