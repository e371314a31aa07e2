"""In-app notifications on each event, deadline reminders, the header's count, and mail over SMTP."""
from __future__ import annotations

import email
import email.policy
import re
import socketserver
import threading
from collections import Counter
from datetime import timedelta

import pytest
from sqlalchemy import func, select, update

from dutylist import clock
from dutylist.extensions import db
from dutylist.models import ConsultationRound, OutboxMail, Revision
from dutylist.models.base import utcnow
from dutylist.models.notification import Notification
from dutylist.notifications.mail import backoff, send_due
from dutylist.notifications.service import send_reminders
from dutylist.services import drafts
from workflow import operations as ops
from workflow.errors import Invalid

from .factories import LEVELS, NO_CONSULTATION, fire, settle, sign, statements, switch_user


def start(w):
    rev = ops.start_revision(w.town, w.drafter)
    db.session.commit()
    return rev


def received() -> Counter:
    """(username, kind) -> how many notifications."""
    from dutylist.models import User

    rows = db.session.execute(select(User.username, Notification.kind)
                              .join(User, User.id == Notification.user_id)).all()
    return Counter((u, k) for u, k in rows)


def new_since(before: Counter) -> Counter:
    return received() - before


# ------------------------------------------------------------------ who is told ----
def test_each_event_notifies_the_users_it_waits_on_once(world):
    w = world
    rev = start(w)
    assert received() == Counter()  # starting a draft concerns nobody else

    before = received()
    fire(rev, "submit", w.drafter)
    assert new_since(before) == Counter({("jimsar-office", "submitted"): 1})

    before = received()
    fire(rev, "accept", w.officer, departments=[w.civil.id, w.agri.id], deadline=clock.today() + timedelta(days=5))
    assert new_since(before) == Counter({("jimsar-civil", "opinion_requested"): 1,
                                         ("jimsar-agri", "opinion_requested"): 1})
    text = db.session.scalar(select(Notification.text).where(Notification.kind == "opinion_requested").limit(1))
    assert "大有镇" in text and "第 1 轮" in text and (clock.today() + timedelta(days=5)).isoformat() in text

    before = received()
    ops.add_opinion(rev, w.civil_user, "请补充高龄津贴的发放时限")
    db.session.commit()
    sign(rev, w.civil_user)
    assert new_since(before) == Counter({("jimsar-office", "signed_off"): 1})
    assert "尚有 1 个部门未签署" in db.session.scalars(select(Notification.text).where(
        Notification.kind == "signed_off")).one()
    sign(rev, w.agri_user)

    before = received()
    fire(rev, "return_for_revision", w.officer, reason="请按部门意见修改")
    assert new_since(before) == Counter({("dayou-drafter", "returned"): 1})

    opinion = drafts.unanswered_opinions(rev)[0]
    ops.answer_opinion(opinion, w.drafter, "adopted", "已采纳")
    db.session.commit()
    before = received()
    fire(rev, "submit", w.drafter)
    fire(rev, "accept", w.officer, departments=[w.water.id])
    assert new_since(before) == Counter({("jimsar-office", "submitted"): 1, ("jimsar-water", "opinion_requested"): 1})
    sign(rev, w.water_user)
    before = received()
    fire(rev, "approve", w.officer, reason="同意")  # waits on the office itself: nobody is told
    assert new_since(before) == Counter()

    before = received()
    fire(rev, "escalate", w.officer)
    assert new_since(before) == Counter({("changji-prefecture", "review_requested"): 1})

    before = received()
    fire(rev, "send_back", w.pref_user, reason="州级意见：请核对部门名称")
    assert new_since(before) == Counter({("dayou-drafter", "returned"): 1})
    assert "被州级退回修改" in db.session.scalars(select(Notification.text).where(
        Notification.kind == "returned").order_by(Notification.id.desc()).limit(1)).one()

    for o in drafts.unanswered_opinions(rev):
        ops.answer_opinion(o, w.drafter, "adopted", "已改")
    db.session.commit()
    fire(rev, "submit", w.drafter)
    fire(rev, "accept", w.officer)
    fire(rev, "approve", w.officer, reason="同意")
    fire(rev, "escalate", w.officer)
    before = received()
    fire(rev, "approve", w.pref_user, reason="州级同意")
    assert new_since(before) == Counter({("xj-region", "review_requested"): 1})

    before = received()
    fire(rev, "publish", w.region_user, reason="同意发布")
    assert new_since(before) == Counter({("dayou-drafter", "published"): 1, ("jimsar-office", "published"): 1})
    assert "第 2 版" in db.session.scalars(select(Notification.text).where(
        Notification.kind == "published").limit(1)).one()

    # nobody outside the township's chain heard anything, and no one was told of their own move
    everyone = received()
    for outsider in ("manas-office", "manas-civil", "kizilsu-prefecture", "quanzijie-drafter", "admin"):
        assert not any(u == outsider for u, _ in everyone), outsider
    assert all(n.revision_id == rev.id and n.link == f"/revisions/{rev.id}"
               for n in db.session.scalars(select(Notification)))


def test_office_that_publishes_itself_tells_only_the_township(app, world):
    w = world
    rev = start(w)
    ops.fire(rev, "submit", w.drafter, levels=())
    ops.fire(rev, "accept", w.officer, levels=(), no_consultation_reason=NO_CONSULTATION)
    ops.fire(rev, "approve", w.officer, levels=(), reason="同意")
    before = received()
    ops.fire(rev, "publish", w.officer, levels=(), reason="发布")
    db.session.commit()
    assert new_since(before) == Counter({("dayou-drafter", "published"): 1})


def test_inactive_users_are_not_notified(world):
    world.officer.active = False
    db.session.commit()
    fire(start(world), "submit", world.drafter)
    assert received() == Counter()


def test_rolled_back_events_create_no_notification(world):
    rev = start(world)
    ops.fire(rev, "submit", world.drafter, levels=LEVELS)
    assert db.session.scalar(select(func.count()).select_from(Notification)) == 1  # pending in the transaction
    db.session.rollback()
    assert db.session.scalar(select(func.count()).select_from(Notification)) == 0
    rev = db.session.get(Revision, rev.id)
    assert rev.status == "drafting"
    # a refused move (no reason) leaves nothing either
    fire(rev, "submit", world.drafter)
    fire(rev, "accept", world.officer)
    before = received()
    with pytest.raises(Invalid):
        ops.fire(rev, "return_for_revision", world.officer, levels=LEVELS, reason="")
    db.session.rollback()
    assert new_since(before) == Counter()


def test_a_refused_move_over_http_notifies_nobody(world, client):
    rev = start(world)
    fire(rev, "submit", world.drafter)
    fire(rev, "accept", world.officer)
    before = received()
    switch_user(client, "jimsar-office")
    response = client.post_form(f"/revisions/{rev.id}/events/return_for_revision", {"reason": ""})
    assert response.status_code in (302, 400, 409)
    assert new_since(before) == Counter()


# ------------------------------------------------------------------ reminders ----
def consulted(w, deadline_in_days=5):
    rev = start(w)
    fire(rev, "submit", w.drafter)
    fire(rev, "accept", w.officer, departments=[w.civil.id, w.agri.id],
         deadline=clock.today() + timedelta(days=deadline_in_days))
    return rev


def test_reminders_near_and_past_the_deadline_once_each(world):
    w = world
    rev = consulted(w, deadline_in_days=5)
    deadline = rev.deadline
    assert send_reminders(today=deadline - timedelta(days=3)) == []  # not near yet
    before = received()
    created = send_reminders(today=deadline - timedelta(days=2))
    db.session.commit()
    assert len(created) == 2
    assert new_since(before) == Counter({("jimsar-civil", "deadline_near"): 1, ("jimsar-agri", "deadline_near"): 1})
    assert "2 天后" in created[0].text
    assert send_reminders(today=deadline - timedelta(days=1)) == []  # idempotent: already reminded
    db.session.commit()

    sign(rev, w.civil_user)
    before = received()
    created = send_reminders(today=deadline + timedelta(days=2))
    db.session.commit()
    assert new_since(before) == Counter({("jimsar-agri", "deadline_passed"): 1})
    assert "已逾期 2 天" in created[0].text
    assert send_reminders(today=deadline + timedelta(days=3)) == []


def test_send_reminders_command(app, world):
    rev = consulted(world, deadline_in_days=1)
    runner = app.test_cli_runner()
    result = runner.invoke(args=["send-reminders"])
    assert result.exit_code == 0, result.output
    assert "已生成提醒 2 条" in result.output
    result = runner.invoke(args=["send-reminders"])
    assert "已生成提醒 0 条" in result.output
    result = runner.invoke(args=["send-reminders", "--today", (rev.deadline + timedelta(days=1)).isoformat()])
    assert "已生成提醒 2 条" in result.output
    assert runner.invoke(args=["send-reminders", "--today", "yesterday"]).exit_code == 2
    db.session.expire_all()
    assert received() == Counter({("jimsar-office", "submitted"): 1, ("jimsar-civil", "opinion_requested"): 1,
                                  ("jimsar-agri", "opinion_requested"): 1, ("jimsar-civil", "deadline_near"): 1,
                                  ("jimsar-agri", "deadline_near"): 1, ("jimsar-civil", "deadline_passed"): 1,
                                  ("jimsar-agri", "deadline_passed"): 1})


def test_no_reminders_outside_county_review_or_for_an_earlier_round(world):
    w = world
    rev = consulted(w, deadline_in_days=1)
    settle(rev)
    fire(rev, "return_for_revision", w.officer, reason="退回")
    assert send_reminders(today=rev.deadline) == []
    fire(rev, "submit", w.drafter)
    fire(rev, "accept", w.officer, departments=[w.water.id], deadline=clock.today() + timedelta(days=1))
    # civil and agri were asked in round 1, not now: only water is reminded
    assert {n.user_id for n in send_reminders(today=clock.today())} == {w.water_user.id}


# ------------------------------------------------------------------ pages ----
def unread_badge(html: str) -> int | None:
    m = re.search(r'<span class="count" id="unread-count">(\d+)</span>', html)
    return int(m.group(1)) if m else None


def test_header_count_list_and_marking_read(world, client):
    rev = consulted(world)  # the office's 待受理 is done: it accepted
    sign(rev, world.agri_user)  # 部门签署: one unread for the office
    switch_user(client, "jimsar-office")
    html = client.get("/").get_data(as_text=True)
    assert unread_badge(html) == 1 and 'id="notifications-link"' in html
    page = client.get("/notifications").get_data(as_text=True)
    assert "大有镇修订稿第 1 轮已上报" in page and f'href="/revisions/{rev.id}"' in page
    assert "吉木萨尔县农业农村局已签署" in page
    note = db.session.scalars(select(Notification).where(Notification.user_id == world.officer.id,
                                                         Notification.read_at.is_(None))).one()
    # without the CSRF token: refused
    assert client.post(f"/notifications/{note.id}/read").status_code == 400
    response = client.post_form(f"/notifications/{note.id}/read", {"open": "1"})
    assert response.status_code == 302 and response.headers["Location"].endswith(f"/revisions/{rev.id}")
    assert unread_badge(client.get("/").get_data(as_text=True)) is None
    assert "没有未读通知" in client.get("/notifications?unread=1").get_data(as_text=True)

    # someone else's notification cannot be touched
    civil_note = db.session.scalars(select(Notification).where(Notification.user_id == world.civil_user.id)).one()
    assert client.post_form(f"/notifications/{civil_note.id}/read").status_code == 404
    db.session.expire_all()
    assert db.session.get(Notification, civil_note.id).read_at is None

    switch_user(client, "jimsar-civil")
    send_reminders(today=rev.deadline)
    db.session.commit()
    assert unread_badge(client.get("/inbox").get_data(as_text=True)) == 2
    response = client.post_form("/notifications/read-all", follow_redirects=True)
    assert "已将 2 条通知标为已读" in response.get_data(as_text=True)
    assert unread_badge(response.get_data(as_text=True)) is None
    db.session.expire_all()
    assert db.session.scalar(select(func.count()).select_from(Notification).where(
        Notification.user_id == world.civil_user.id, Notification.read_at.is_(None))) == 0


def test_notifications_page_needs_a_sign_in(client):
    assert client.get("/notifications").status_code == 302


def test_header_count_is_one_cheap_query(world, client):
    fire(start(world), "submit", world.drafter)
    switch_user(client, "jimsar-office")
    with statements() as seen:
        client.get("/inbox")
    counts = [s for s in seen if "notification" in s]
    assert len(counts) == 1 and "count(" in counts[0].lower()


# ------------------------------------------------------------------ mail ----
class SMTPSink(socketserver.ThreadingTCPServer):
    """A minimal SMTP server on 127.0.0.1 that keeps every message it is given."""

    allow_reuse_address = True
    daemon_threads = True

    def __init__(self):
        super().__init__(("127.0.0.1", 0), SMTPHandler)
        self.messages: list[dict] = []


class SMTPHandler(socketserver.StreamRequestHandler):
    def reply(self, line: str) -> None:
        self.wfile.write((line + "\r\n").encode())

    def handle(self):
        self.reply("220 sink ESMTP")
        sender, rcpts = None, []
        while True:
            line = self.rfile.readline()
            if not line:
                return
            cmd = line.decode("ascii", "replace").strip()
            verb = cmd.split(" ", 1)[0].upper()
            if verb == "EHLO":
                self.reply("250-sink")
                self.reply("250 8BITMIME")
            elif verb == "HELO":
                self.reply("250 sink")
            elif verb == "MAIL":
                sender, rcpts = cmd.split(":", 1)[1].strip(), []
                self.reply("250 OK")
            elif verb == "RCPT":
                rcpts.append(cmd.split(":", 1)[1].strip().strip("<>"))
                self.reply("250 OK")
            elif verb == "DATA":
                self.reply("354 end with .")
                data = []
                while True:
                    chunk = self.rfile.readline()
                    if chunk in (b".\r\n", b".\n", b""):
                        break
                    data.append(chunk[1:] if chunk.startswith(b"..") else chunk)
                self.server.messages.append({"from": sender, "to": rcpts, "data": b"".join(data)})
                self.reply("250 queued")
            elif verb in ("RSET", "NOOP"):
                self.reply("250 OK")
            elif verb == "QUIT":
                self.reply("221 bye")
                return
            else:
                self.reply("502 not implemented")


@pytest.fixture
def smtp_sink():
    server = SMTPSink()
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server
    server.shutdown()
    server.server_close()


@pytest.fixture
def mail_on(app, smtp_sink, monkeypatch):
    monkeypatch.setitem(app.config, "SMTP_HOST", "127.0.0.1")
    monkeypatch.setitem(app.config, "SMTP_PORT", smtp_sink.server_address[1])
    monkeypatch.setitem(app.config, "SMTP_FROM", "dutylist@example.org")
    monkeypatch.setitem(app.config, "PUBLIC_BASE_URL", "https://dutylist.example.org")
    return smtp_sink


def with_addresses(w):
    w.officer.email = "office@example.org"
    w.civil_user.email = "civil@example.org"
    db.session.commit()


def outbox() -> list[OutboxMail]:
    db.session.expire_all()
    return list(db.session.scalars(select(OutboxMail).order_by(OutboxMail.id)))


def test_mail_goes_to_the_outbox_with_its_notification_and_the_worker_sends_it(world, mail_on):
    with_addresses(world)
    rev = start(world)
    ops.fire(rev, "submit", world.drafter, levels=LEVELS)
    db.session.commit()
    assert mail_on.messages == []  # no request talks to the mail server
    assert [m.recipient for m in outbox()] == ["office@example.org"]
    assert send_due() == (1, 0)
    assert len(mail_on.messages) == 1
    assert outbox()[0].sent_at is not None and send_due() == (0, 0)  # sent once
    sent = mail_on.messages[0]
    assert sent["to"] == ["office@example.org"] and "dutylist@example.org" in sent["from"]
    msg = email.message_from_bytes(sent["data"], policy=email.policy.default)
    assert "大有镇修订稿第 1 轮已上报" in msg["Subject"]
    body = msg.get_content()
    assert f"https://dutylist.example.org/revisions/{rev.id}" in body
    # users without an address get the in-app notification only (agri has none)
    fire(rev, "accept", world.officer, departments=[world.civil.id, world.agri.id])
    send_due()
    assert [m["to"] for m in mail_on.messages[1:]] == [["civil@example.org"]]


def test_no_mail_for_rolled_back_work(world, mail_on):
    with_addresses(world)
    rev = start(world)
    ops.fire(rev, "submit", world.drafter, levels=LEVELS)
    db.session.rollback()
    db.session.commit()  # a later commit must not send what was rolled back
    rev = db.session.get(Revision, rev.id)
    db.session.execute(update(Revision).where(Revision.id == rev.id).values(title=Revision.title))
    db.session.commit()
    assert outbox() == [] and send_due() == (0, 0)
    assert mail_on.messages == []


def test_no_mail_unless_smtp_is_configured(world, smtp_sink, app):
    assert not app.config.get("SMTP_HOST")
    with_addresses(world)
    fire(start(world), "submit", world.drafter)
    assert smtp_sink.messages == []
    assert received() == Counter({("jimsar-office", "submitted"): 1})


def test_an_unreachable_smtp_server_does_not_break_the_move(world, app, monkeypatch):
    with_addresses(world)
    monkeypatch.setitem(app.config, "SMTP_HOST", "127.0.0.1")
    monkeypatch.setitem(app.config, "SMTP_PORT", 9)  # discard port: nothing listens
    monkeypatch.setitem(app.config, "SMTP_TIMEOUT", 2)
    rev = fire(start(world), "submit", world.drafter)
    db.session.expire_all()
    assert db.session.get(Revision, rev.id).status == "submitted"
    assert received() == Counter({("jimsar-office", "submitted"): 1})
    # the worker fails, keeps the mail and tries again later, waiting longer each time
    assert send_due() == (0, 1)
    mail = outbox()[0]
    assert mail.sent_at is None and mail.attempts == 1 and "unavailable" in mail.last_error
    assert 25 <= (mail.next_attempt_at - utcnow()).total_seconds() <= 31
    assert send_due() == (0, 0)  # not due yet
    assert [backoff(n) for n in (1, 2, 3, 4)] == [30, 60, 120, 240] and backoff(20) == 3600


def test_reminder_mail(world, mail_on):
    with_addresses(world)
    rev = consulted(world, deadline_in_days=1)
    send_due()  # the consultation's own mails
    mail_on.messages.clear()
    send_reminders(today=rev.deadline)
    db.session.commit()
    send_due()
    assert [m["to"] for m in mail_on.messages] == [["civil@example.org"]]
    msg = email.message_from_bytes(mail_on.messages[0]["data"], policy=email.policy.default)
    assert "截止" in msg["Subject"]


def test_smtp_settings_from_the_environment():
    from dutylist.notifications.mail import settings_from_env

    off = settings_from_env({})
    assert off["SMTP_HOST"] is None and off["SMTP_PORT"] == 25 and off["SMTP_STARTTLS"] is False
    on = settings_from_env({"SMTP_HOST": "mail.example.org", "SMTP_STARTTLS": "1", "SMTP_USER": "u",
                            "SMTP_PASSWORD": "p", "SMTP_FROM": "a@example.org"})
    assert on["SMTP_PORT"] == 587 and on["SMTP_STARTTLS"] is True and on["SMTP_USER"] == "u"
    assert settings_from_env({"SMTP_HOST": "h", "SMTP_PORT": "2525"})["SMTP_PORT"] == 2525


def test_consultation_rows_are_untouched_by_reminders(world):
    rev = consulted(world, deadline_in_days=0)
    before = [(r.id, r.deadline, r.state, r.signed_at) for r in db.session.scalars(select(ConsultationRound))]
    send_reminders(today=rev.deadline)
    db.session.commit()
    db.session.expire_all()
    assert [(r.id, r.deadline, r.state, r.signed_at) for r in db.session.scalars(select(ConsultationRound))] == before


def test_users_set_their_own_address_on_the_email_page(world, client, mail_on):
    """The office user enters an address on /auth/email (checked, audited); the next submission is
    mailed there. A bad address is refused with a message and leaves the stored one as it was."""
    from dutylist.models import AuditEvent, User

    switch_user(client, "jimsar-office")
    page = client.get("/auth/email").get_data(as_text=True)
    assert 'name="email"' in page and "发送邮件到这里填写的邮箱" in page
    for bad in ("not-an-address", "a@b", "x@example.org<script>", "a" * 250 + "@example.org"):
        response = client.post_form("/auth/email", {"email": bad})
        assert response.status_code == 400 and "电子邮箱" in response.get_data(as_text=True), bad
        assert "<script>" not in response.get_data(as_text=True)
    assert client.post("/auth/email", data={"email": "office@example.org"}).status_code == 400  # no CSRF token
    db.session.expire_all()
    assert db.session.get(User, world.officer.id).email is None
    response = client.post_form("/auth/email", {"email": "  office@example.gov.cn "})
    assert response.status_code == 302
    db.session.expire_all()
    assert db.session.get(User, world.officer.id).email == "office@example.gov.cn"
    assert client.get("/auth/email").get_data(as_text=True).count('value="office@example.gov.cn"') == 1
    rev = start(world)
    fire(rev, "submit", world.drafter)
    send_due()
    assert [m["to"] for m in mail_on.messages] == [["office@example.gov.cn"]]
    # cleared: in-app notifications only
    assert client.post_form("/auth/email", {"email": ""}).status_code == 302
    db.session.expire_all()
    assert db.session.get(User, world.officer.id).email is None
    changes = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "email_change")
                                 .order_by(AuditEvent.seq)).all()
    assert [(e.actor_name, e.details) for e in changes] == [("jimsar-office", {"set": True}),
                                                             ("jimsar-office", {"set": False})]


# ------------------------------------------------------------------ tasks done ----
def open_tasks() -> Counter:
    """(username, kind) -> notifications not yet done and unread (what the header counts)."""
    from dutylist.models import User

    rows = db.session.execute(select(User.username, Notification.kind).join(User, User.id == Notification.user_id)
                              .where(Notification.read_at.is_(None))).all()
    return Counter((u, k) for u, k in rows)


def done() -> Counter:
    from dutylist.models import User

    db.session.expire_all()
    rows = db.session.execute(select(User.username, Notification.kind).join(User, User.id == Notification.user_id)
                              .where(Notification.done_at.is_not(None))).all()
    return Counter((u, k) for u, k in rows)


def test_each_completed_task_marks_its_notifications_done(world):
    """待受理 done when the office accepts; 征求意见 when the department signs or is released; 部门签署
    when the office decides; 退回修改 when the township submits; 待审核 when the prefecture or region
    decides. Counts before and after each step; "published" only informs and stays unread."""
    w = world
    rev = start(w)
    fire(rev, "submit", w.drafter)
    assert open_tasks() == Counter({("jimsar-office", "submitted"): 1})

    fire(rev, "accept", w.officer, departments=[w.civil.id, w.agri.id, w.water.id],
         deadline=clock.today() + timedelta(days=1))
    assert open_tasks() == Counter({("jimsar-civil", "opinion_requested"): 1, ("jimsar-agri", "opinion_requested"): 1,
                                    ("jimsar-water", "opinion_requested"): 1})
    assert done() == Counter({("jimsar-office", "submitted"): 1})
    send_reminders(today=clock.today())
    db.session.commit()
    assert open_tasks()[("jimsar-civil", "deadline_near")] == 1

    ops.add_opinion(rev, w.civil_user, "请补充发放时限")
    db.session.commit()
    sign(rev, w.civil_user)  # civil's request and reminder are done; agri's and water's are not
    tasks = open_tasks()
    assert tasks[("jimsar-civil", "opinion_requested")] == 0 and tasks[("jimsar-civil", "deadline_near")] == 0
    assert tasks[("jimsar-agri", "opinion_requested")] == 1 and tasks[("jimsar-office", "signed_off")] == 1
    c = next(c for c in rev.consultations if c.department_id == w.water.id)
    ops.release_consultation(rev, w.officer, c.id, "不涉及水利局职责")
    db.session.commit()
    assert open_tasks()[("jimsar-water", "opinion_requested")] == 0
    sign(rev, w.agri_user)
    assert open_tasks() == Counter({("jimsar-office", "signed_off"): 2})

    fire(rev, "return_for_revision", w.officer, reason="请按部门意见修改")
    assert open_tasks() == Counter({("dayou-drafter", "returned"): 1})  # the office's 部门签署 are done

    for o in drafts.unanswered_opinions(rev):
        ops.answer_opinion(o, w.drafter, "adopted", "已采纳")
    db.session.commit()
    fire(rev, "submit", w.drafter)
    assert open_tasks() == Counter({("jimsar-office", "submitted"): 1})
    assert done()[("dayou-drafter", "returned")] == 1

    fire(rev, "accept", w.officer)
    fire(rev, "approve", w.officer, reason="同意")
    fire(rev, "escalate", w.officer)
    assert open_tasks() == Counter({("changji-prefecture", "review_requested"): 1})
    fire(rev, "approve", w.pref_user, reason="州级同意")
    assert open_tasks() == Counter({("xj-region", "review_requested"): 1})  # the region's is new, not done
    fire(rev, "publish", w.region_user, reason="同意发布")
    assert open_tasks() == Counter({("dayou-drafter", "published"): 1, ("jimsar-office", "published"): 1})
    assert done()[("changji-prefecture", "review_requested")] == 1 and done()[("xj-region", "review_requested")] == 1


def test_withdrawn_or_sent_back_drafts_end_the_tasks_they_announced(world):
    w = world
    rev = start(w)
    fire(rev, "submit", w.drafter)
    fire(rev, "withdraw", w.drafter)  # the office has nothing to take in any more
    assert open_tasks() == Counter()
    fire(rev, "submit", w.drafter)
    fire(rev, "accept", w.officer)
    fire(rev, "approve", w.officer, reason="同意")
    fire(rev, "escalate", w.officer)
    fire(rev, "send_back", w.pref_user, reason="请核对")
    assert open_tasks() == Counter({("dayou-drafter", "returned"): 1})
    fire(rev, "abandon", w.drafter, reason="不再修订")
    assert open_tasks() == Counter()


def test_a_refused_move_marks_nothing_done(world):
    w = world
    rev = start(w)
    fire(rev, "submit", w.drafter)
    fire(rev, "accept", w.officer, departments=[w.civil.id])
    with pytest.raises(Invalid):
        ops.fire(rev, "return_for_revision", w.officer, levels=LEVELS, reason="")
    db.session.rollback()
    assert done() == Counter({("jimsar-office", "submitted"): 1})
    assert open_tasks() == Counter({("jimsar-civil", "opinion_requested"): 1})


def test_header_count_drops_when_the_task_is_done_through_the_pages(world, client):
    """The department's header says 1 until it signs off on the revision page; the office's says 1 (待受理)
    until it accepts; the done notification stays listed, marked 已办结."""
    w = world
    rev = start(w)
    fire(rev, "submit", w.drafter)
    switch_user(client, "jimsar-office")
    assert unread_badge(client.get("/inbox").get_data(as_text=True)) == 1
    response = client.post_form(f"/revisions/{rev.id}/events/accept", {"departments": [str(w.civil.id)],
                                                                       "deadline": ""})
    assert response.status_code == 302, response.get_data(as_text=True)[:2000]
    assert unread_badge(client.get("/inbox").get_data(as_text=True)) is None
    page = client.get("/notifications").get_data(as_text=True)
    assert "已办结" in page and "大有镇修订稿第 1 轮已上报" in page

    switch_user(client, "jimsar-civil")
    assert unread_badge(client.get("/inbox").get_data(as_text=True)) == 1
    response = client.post_form(f"/revisions/{rev.id}/signoff", {"verdict": "no_opinion"})
    assert response.status_code == 302
    assert unread_badge(client.get("/inbox").get_data(as_text=True)) is None
    assert "没有未读通知" in client.get("/notifications?unread=1").get_data(as_text=True)
