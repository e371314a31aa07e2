"""Sign-in rate limiting, counted in the database so that every gunicorn worker sees the same counts.

No table of its own: failed sign-ins are already audit entries (action ``login_failed``, outcome
``failed``, the attempted user name as their details and the client address as their ``ip``).
Within the window (15 minutes) a user name with 5 failures (since its last successful sign-in)
or an address with 20 failures gets no further attempt: the answer is 429 with a Chinese
message, the same whether the user exists or not, and the password is not even checked. The
refusal is itself audited (``login_failed`` with outcome ``denied``); refusals are not counted
as failures, so a name or address is free again one window after its last real failure.

The limit cannot be raced (many attempts at once, on several workers): an attempt is recorded
(``sign_in_attempt``, committed) before the limit is checked and its password read, and that row is
deleted in the transaction that writes the attempt's audit entry. An attempt is thus always counted,
in flight or done, and of N simultaneous attempts no more than the limit get their password checked:
the attempt committed k-th sees the k-1 before it. (The in-flight rows are counted before the audit
entries: an attempt finishing in between is counted twice, never not at all.)

The same limit guards the current password on the password-change page (``password_change``
failures of the signed-in user).

Settings (app.config, defaults in brackets): LOGIN_RATE_WINDOW [900 seconds],
LOGIN_MAX_FAILURES_PER_USERNAME [5], LOGIN_MAX_FAILURES_PER_IP [20].

The queries use the index on audit_event.action; a composite index (action, created_at) keeps
them cheap when the log grows large (see the migration proposed in the report).
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from flask import current_app
from sqlalchemy import delete, func, select

from .extensions import db
from .models import AuditEvent, SignInAttempt
from .models.base import utcnow
from .services.audit import canonical_json

DEFAULT_WINDOW = 15 * 60
DEFAULT_PER_USERNAME = 5
DEFAULT_PER_IP = 20


@dataclass(frozen=True)
class Limits:
    window: int
    per_username: int
    per_ip: int

    @property
    def minutes(self) -> int:
        return max(1, (self.window + 59) // 60)


def limits() -> Limits:
    cfg = current_app.config
    return Limits(int(cfg.get("LOGIN_RATE_WINDOW", DEFAULT_WINDOW)),
                  int(cfg.get("LOGIN_MAX_FAILURES_PER_USERNAME", DEFAULT_PER_USERNAME)),
                  int(cfg.get("LOGIN_MAX_FAILURES_PER_IP", DEFAULT_PER_IP)))


def refusal_message() -> str:
    return f"登录失败次数过多，请 {limits().minutes} 分钟后再试"


def failure_details(username: str) -> dict:
    """The details of a failed sign-in entry: the attempted name (what the per-name count matches)."""
    return {"username": username[:80]}


def _count(*conditions) -> int:
    return db.session.scalar(select(func.count()).select_from(AuditEvent).where(*conditions)) or 0


def begin_attempt(username: str, ip: str | None) -> int:
    """Record a sign-in attempt before anything is checked, and commit it (the other workers must see
    it before this one reads a password); the id is handed to login_refused and end_attempt."""
    lim = limits()
    db.session.execute(delete(SignInAttempt).where(
        SignInAttempt.created_at < utcnow() - timedelta(seconds=lim.window)))  # left by dead workers
    attempt = SignInAttempt(username=failure_details(username)["username"], ip=ip, created_at=utcnow())
    db.session.add(attempt)
    db.session.commit()
    return attempt.id


def end_attempt(attempt_id: int) -> None:
    """The attempt is over: its row goes in the transaction that writes its audit entry (the caller commits)."""
    db.session.execute(delete(SignInAttempt).where(SignInAttempt.id == attempt_id))


def _in_flight(attempt_id: int, since, *conditions) -> int:
    return db.session.scalar(select(func.count()).select_from(SignInAttempt).where(
        SignInAttempt.id != attempt_id, SignInAttempt.created_at >= since, *conditions)) or 0


def login_refused(username: str, ip: str | None, attempt_id: int = 0) -> bool:
    """True if this name or this address has used up its failed attempts within the window; attempts
    in flight elsewhere (begin_attempt) count as failures until they end."""
    lim = limits()
    since = utcnow() - timedelta(seconds=lim.window)
    # in flight first, then done: an attempt that ends in between is counted twice, never missed
    ip_busy = _in_flight(attempt_id, since, SignInAttempt.ip == ip) if ip else 0
    name_busy = _in_flight(attempt_id, since, SignInAttempt.username == failure_details(username)["username"])
    failed = (AuditEvent.action == "login_failed", AuditEvent.outcome == "failed", AuditEvent.created_at >= since)
    if ip and ip_busy + _count(*failed, AuditEvent.ip == ip) >= lim.per_ip:
        return True
    # a successful sign-in of the name starts its count afresh, and so does the security administrator
    # unlocking it (an account_unlock entry with the same details); the address count is not reset
    details = canonical_json(failure_details(username))
    last_ok = db.session.scalar(select(func.max(AuditEvent.created_at)).where(
        ((AuditEvent.action == "login") & (AuditEvent.actor_name == username[:80]))
        | ((AuditEvent.action == "account_unlock") & (AuditEvent.details_text == details)),
        AuditEvent.created_at >= since))
    conditions = [*failed, AuditEvent.details_text == details]
    if last_ok is not None:
        conditions.append(AuditEvent.created_at > last_ok)
    return name_busy + _count(*conditions) >= lim.per_username


def password_change_key(user) -> str:
    """What a password change's attempt is recorded under (no user name starts with "#")."""
    return f"#password-change:{user.id}"


def password_change_refused(user, attempt_id: int = 0) -> bool:
    """True if the user has mistyped the current password too often within the window; changes in
    flight (begin_attempt under password_change_key) count as failures until they end."""
    lim = limits()
    since = utcnow() - timedelta(seconds=lim.window)
    busy = _in_flight(attempt_id, since, SignInAttempt.username == password_change_key(user))
    return busy + _count(AuditEvent.action == "password_change", AuditEvent.outcome == "failed",
                         AuditEvent.actor_id == user.id, AuditEvent.created_at >= since) >= lim.per_username
