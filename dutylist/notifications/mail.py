"""E-mail copies of notifications through SMTP, by way of an outbox table.

Off unless SMTP_HOST is set. `queue` writes the message to `outbox_mail` in the transaction that
creates its notification: a rollback (or a savepoint rolled back) takes the mail with it, a commit
keeps it even if the process dies the next instant. No request talks to the mail server: the
worker `flask --app wsgi send-mail` (looping, or `--once` from cron) sends what is due, each mail
claimed first (so several workers never send the same one), marked sent after the server took it,
and retried with exponential backoff when the server is away or refuses it.
"""
from __future__ import annotations

import logging
import os
import smtplib
import time
from datetime import timedelta
from email import message_from_bytes
from email.message import EmailMessage
from email.policy import default as default_policy
from email.utils import formatdate, make_msgid

from flask import current_app, has_app_context
from sqlalchemy import or_, select, update

from ..extensions import db
from ..models import OutboxMail
from ..models.base import utcnow

log = logging.getLogger(__name__)
SETTINGS = ("SMTP_HOST", "SMTP_PORT", "SMTP_USER", "SMTP_PASSWORD", "SMTP_FROM", "SMTP_STARTTLS",
            "SMTP_TIMEOUT", "PUBLIC_BASE_URL")
#: retries: 30 s, 1 min, 2 min … doubling up to an hour; given up after MAX_ATTEMPTS (about a day)
FIRST_RETRY, MAX_RETRY, MAX_ATTEMPTS = 30, 3600, 30
#: how long a worker's claim on a mail lasts (a worker killed while sending frees it after this)
CLAIM_SECONDS = 300


def settings_from_env(environ) -> dict:
    """SMTP_* (and PUBLIC_BASE_URL, for absolute links in mail) from the environment."""
    starttls = (environ.get("SMTP_STARTTLS") or "").strip().lower() in ("1", "true", "yes", "on")
    port = environ.get("SMTP_PORT") or ("587" if starttls else "25")
    return {"SMTP_HOST": environ.get("SMTP_HOST") or None, "SMTP_PORT": int(port),
            "SMTP_USER": environ.get("SMTP_USER") or None, "SMTP_PASSWORD": environ.get("SMTP_PASSWORD") or None,
            "SMTP_FROM": environ.get("SMTP_FROM") or None, "SMTP_STARTTLS": starttls,
            "SMTP_TIMEOUT": float(environ.get("SMTP_TIMEOUT") or 10),
            "PUBLIC_BASE_URL": (environ.get("PUBLIC_BASE_URL") or "").rstrip("/") or None}


def enabled() -> bool:
    return has_app_context() and bool(current_app.config.get("SMTP_HOST"))


def _message(notification, user, cfg: dict) -> EmailMessage:
    msg = EmailMessage()
    sender = cfg.get("SMTP_FROM") or cfg.get("SMTP_USER") or "dutylist@localhost"
    msg["From"] = sender
    msg["To"] = user.email
    msg["Subject"] = f"[履职事项清单] {notification.text[:60]}"
    msg["Date"] = formatdate(localtime=True)
    msg["Message-ID"] = make_msgid(domain=sender.rpartition("@")[2] or "localhost")
    link = notification.link or ""
    if link and cfg.get("PUBLIC_BASE_URL"):
        link = cfg["PUBLIC_BASE_URL"] + link
    body = [f"{user.display_name}：", "", notification.text]
    if link:
        body += ["", f"查看：{link}"]
    body += ["", "—— 乡镇履职事项清单修订系统（本邮件由系统自动发送，请勿回复）"]
    msg.set_content("\n".join(body), cte="base64")  # 7-bit clean for any relay
    return msg


def queue(notification, user) -> None:
    """Put an e-mail copy of the notification in the outbox, in the caller's transaction (if SMTP is
    on and the user has an address)."""
    if not enabled() or not getattr(user, "email", None):
        return
    cfg = {k: current_app.config.get(k) for k in SETTINGS}
    db.session.add(OutboxMail(recipient=user.email, message=_message(notification, user, cfg).as_bytes()))


def backoff(attempts: int) -> int:
    """Seconds before the next try after `attempts` failed ones."""
    return min(MAX_RETRY, FIRST_RETRY * 2 ** max(0, attempts - 1))


def _claim(limit: int) -> list[OutboxMail]:
    """Claim due mails (committed), so that no other worker sends them meanwhile."""
    now = utcnow()
    seconds = current_app.config.get("MAIL_CLAIM_SECONDS", CLAIM_SECONDS)
    due = list(db.session.scalars(select(OutboxMail.id).where(
        OutboxMail.sent_at.is_(None), OutboxMail.failed_at.is_(None), OutboxMail.next_attempt_at <= now,
        or_(OutboxMail.claimed_until.is_(None), OutboxMail.claimed_until < now)).order_by(OutboxMail.id).limit(limit)))
    claimed = []
    for mail_id in due:
        result = db.session.execute(
            update(OutboxMail).where(OutboxMail.id == mail_id, OutboxMail.sent_at.is_(None),
                                     or_(OutboxMail.claimed_until.is_(None), OutboxMail.claimed_until < now))
            .values(claimed_until=now + timedelta(seconds=seconds)).execution_options(synchronize_session=False))
        if result.rowcount == 1:
            claimed.append(mail_id)
    db.session.commit()
    return list(db.session.scalars(select(OutboxMail).where(OutboxMail.id.in_(claimed)).order_by(OutboxMail.id))) \
        if claimed else []


def _hold_for_tests() -> None:
    """MAIL_WORKER_HOLD=<path> (tests only): after claiming, say so in <path> and wait to be killed."""
    path = os.environ.get("MAIL_WORKER_HOLD")
    if not path:
        return
    with open(path, "w") as fh:
        fh.write(str(os.getpid()))
    while True:
        time.sleep(3600)


def send_due(limit: int = 100) -> tuple[int, int]:
    """Send the mails that are due over one SMTP connection; (sent, failed). Each is marked sent
    as soon as the server has taken it; a failure is retried later (exponential backoff)."""
    if not current_app.config.get("SMTP_HOST"):
        return 0, 0
    mails = _claim(limit)
    if not mails:
        return 0, 0
    _hold_for_tests()
    cfg = {k: current_app.config.get(k) for k in SETTINGS}
    sent = failed = 0

    def fail(mail: OutboxMail, error: str) -> None:
        nonlocal failed
        failed += 1
        mail.attempts += 1
        mail.last_error = error[:2000]
        mail.claimed_until = None
        if mail.attempts >= MAX_ATTEMPTS:
            mail.failed_at = utcnow()
        else:
            mail.next_attempt_at = utcnow() + timedelta(seconds=backoff(mail.attempts))
        db.session.commit()

    try:
        with smtplib.SMTP(cfg["SMTP_HOST"], int(cfg.get("SMTP_PORT") or 25), timeout=cfg.get("SMTP_TIMEOUT") or 10) as smtp:
            if cfg.get("SMTP_STARTTLS"):
                smtp.starttls()
            if cfg.get("SMTP_USER"):
                smtp.login(cfg["SMTP_USER"], cfg.get("SMTP_PASSWORD") or "")
            for n, mail in enumerate(mails):
                msg = message_from_bytes(mail.message, policy=default_policy)
                try:
                    smtp.send_message(msg)
                except smtplib.SMTPServerDisconnected:
                    for rest in mails[n:]:
                        fail(rest, "SMTP server disconnected")
                    break
                except smtplib.SMTPException as exc:
                    log.warning("notification mail %s to %s refused: %s", mail.id, mail.recipient, exc)
                    fail(mail, str(exc))
                    continue
                mail.sent_at, mail.attempts, mail.claimed_until = utcnow(), mail.attempts + 1, None
                db.session.commit()
                sent += 1
    except (OSError, smtplib.SMTPException) as exc:
        log.warning("notification mail: SMTP server %s unavailable: %s", cfg.get("SMTP_HOST"), exc)
        for mail in mails:
            if mail.sent_at is None and mail.claimed_until is not None:
                fail(mail, f"SMTP server unavailable: {exc}")
    return sent, failed


def worker(once: bool = False, interval: float = 5.0, echo=print) -> None:
    """The send-mail loop: send what is due, sleep, again (once: a single pass, for cron)."""
    while True:
        try:
            sent, failed = send_due()
        except Exception:  # noqa: BLE001 - a database hiccup must not end the worker
            db.session.rollback()
            log.exception("send-mail: pass failed")
            sent = failed = 0
        finally:
            db.session.remove()
        if sent or failed or once:
            echo(f"已发送 {sent} 封，失败 {failed} 封（将重试）")
        if once:
            return
        time.sleep(interval)
