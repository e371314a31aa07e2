"""API bearer tokens: shown once, stored as a hash, revocable."""
from __future__ import annotations

import hashlib
import secrets

from sqlalchemy import select

from ..extensions import db
from ..models import ApiToken, User
from ..models.base import utcnow
from .audit import record_event

PREFIX = "dl_"


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def create_token(user: User, name: str = "") -> str:
    """A new token for the user; the plain token is returned once and never stored."""
    token = PREFIX + secrets.token_urlsafe(32)
    db.session.add(ApiToken(user_id=user.id, token_hash=_hash(token), name=name))
    record_event("token_create", actor=user, details={"name": name})
    return token


def user_for(token: str) -> User | None:
    """The active user a live token belongs to, or None."""
    if not token or not token.startswith(PREFIX) or len(token) > 200:
        return None
    row = db.session.scalar(select(ApiToken).where(ApiToken.token_hash == _hash(token)))
    if row is None or row.revoked_at is not None or not row.user.active:
        return None
    row.last_used_at = utcnow()
    return row.user


def revoke_tokens(user: User, by: User | None = None) -> int:
    """Revoke every live token of the user (by the user, or by the security administrator `by`);
    returns how many."""
    rows = db.session.scalars(select(ApiToken).where(ApiToken.user_id == user.id,
                                                     ApiToken.revoked_at.is_(None))).all()
    for row in rows:
        row.revoked_at = utcnow()
    if rows:
        record_event("token_revoke", actor=by or user, target=f"user:{user.id}" if by is not None else None,
                     details={"count": len(rows), **({"username": user.username} if by is not None else {})})
    return len(rows)
