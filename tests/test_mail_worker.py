"""The mail worker: killed between the commit of a notification and the sending of its mail, it sends
the mail exactly once when it comes back."""
from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from sqlalchemy import select

from dutylist.extensions import db
from dutylist.models import OutboxMail

from . import test_notifications as notes
from .factories import fire
from .test_notifications import start, with_addresses

pytestmark = pytest.mark.commits  # the mail worker is another process reading the outbox

# the fixtures of the notification tests: a local SMTP sink the app is set to use
smtp_sink, mail_on = notes.smtp_sink, notes.mail_on

ROOT = Path(__file__).resolve().parent.parent


def worker(app, sink, *args, hold: Path | None = None) -> subprocess.Popen:
    env = dict(os.environ, DATABASE_URL=app.config["SQLALCHEMY_DATABASE_URI"], SECRET_KEY="test-secret",
               SMTP_HOST="127.0.0.1", SMTP_PORT=str(sink.server_address[1]), SMTP_FROM="dutylist@example.org",
               MAIL_CLAIM_SECONDS="2")
    env.pop("MAIL_WORKER_HOLD", None)
    if hold is not None:
        env["MAIL_WORKER_HOLD"] = str(hold)
    return subprocess.Popen([sys.executable, "-m", "flask", "--app", "wsgi", "send-mail", *args], cwd=ROOT, env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)


def until(check, timeout: float = 30, what: str = "") -> None:
    deadline = time.time() + timeout
    while not check():
        assert time.time() < deadline, f"timed out waiting for {what}"
        time.sleep(0.05)


def mails() -> list[OutboxMail]:
    db.session.expire_all()
    return list(db.session.scalars(select(OutboxMail)))


def test_a_mail_worker_killed_between_commit_and_send_sends_the_mail_once_when_restarted(app, world, mail_on, tmp_path):
    sink = mail_on
    with_addresses(world)
    fire(start(world), "submit", world.drafter)  # commits: the notification and its mail
    assert [m.recipient for m in mails()] == ["office@example.org"] and sink.messages == []

    hold = tmp_path / "claimed"
    first = worker(app, sink, "--interval", "0.2", hold=hold)
    try:
        until(hold.exists, what="the worker to claim the mail")  # claimed, committed, not yet sent
        os.kill(first.pid, signal.SIGKILL)
        first.wait(10)
    finally:
        if first.poll() is None:
            first.kill()
    assert sink.messages == []
    [mail] = mails()
    assert mail.sent_at is None and mail.claimed_until is not None

    second = worker(app, sink, "--interval", "0.2")
    try:
        until(lambda: mails()[0].sent_at is not None, what="the restarted worker to send the mail")
    finally:
        second.send_signal(signal.SIGTERM)
        second.wait(10)
    once = worker(app, sink, "--once")
    output, _ = once.communicate(timeout=60)
    assert "已发送 0 封" in output, output  # nothing left to send
    assert [m["to"] for m in sink.messages] == [["office@example.org"]]  # exactly once
    assert mails()[0].attempts == 1
