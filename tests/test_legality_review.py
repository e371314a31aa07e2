"""The legality review (合法性审查) by the county 司法局, on both databases: the machine's moves with the step
on and off, the operations (合法 passes, 需修改 returns with reasons; refusals write nothing), who reads the
draft, notifications and the inbox, the revision page, the API, role giving, the migration."""
from __future__ import annotations

import re

import pytest
from flask import current_app
from flask_migrate import downgrade, upgrade
from sqlalchemy import func, select

from dutylist import clock, config
from dutylist.app import create_app
from dutylist.extensions import db
from dutylist.models import AuditEvent, Delegation, LegalityConclusion, Notification, Opinion, Revision, User
from dutylist.services import drafts, inbox, passwords
from dutylist.services.tokens import create_token
from workflow import diagram
from workflow import operations as ops
from workflow import permissions as perm
from workflow.errors import Conflict, Forbidden, Invalid
from workflow.states import TRANSITIONS, Status, waiting_role

from .conftest import _make_database
from .factories import LEVELS, World, add_legality, fire

ON = ("legality", *LEVELS)  #: LEGALITY_REVIEW on: the route the views and the API build from the config
REASONS = "第1项“加强基层阵地建设”的表述超出《地方各级人民政府组织法》规定的乡镇职权，需修改"


@pytest.fixture
def w(app):
    return add_legality(World())


def start(w):
    rev = ops.start_revision(w.town, w.drafter)
    db.session.commit()
    return rev


def to_county_review(w, levels=ON):
    rev = start(w)
    fire(rev, "submit", w.drafter, levels=levels)
    fire(rev, "accept", w.officer, levels=levels)
    return rev


def to_legality_review(w):
    rev = to_county_review(w)
    fire(rev, "approve", w.officer, levels=ON, reason="县级审核通过")
    assert rev.status == "legality_review"
    return rev


def events(rev, action=None):
    stmt = select(AuditEvent).where(AuditEvent.revision_id == rev.id).order_by(AuditEvent.seq)
    if action:
        stmt = stmt.where(AuditEvent.action == action)
    return db.session.scalars(stmt).all()


def snapshot(rev):
    """What a refused move must leave as it was."""
    db.session.expire_all()
    r = db.session.get(Revision, rev.id)
    return (r.status, r.round, r.submissions, r.returned_by, len(events(r)),
            db.session.scalar(select(func.count()).select_from(LegalityConclusion)),
            db.session.scalar(select(func.count()).select_from(Opinion)))


# ------------------------------------------------------------------ the machine ----
def test_off_by_default_the_office_approves_straight_on(w, app):
    assert app.config["LEGALITY_REVIEW"] is False  # the demo's and a fresh install's setting
    rev = to_county_review(w, LEVELS)
    assert "pass_legality" not in ops.available_events(rev, w.legal_user, LEVELS)
    fire(rev, "approve", w.officer, levels=LEVELS, reason="通过")
    assert rev.status == "county_approved" and rev.legality_conclusions == []
    assert ops.available_events(rev, w.officer, LEVELS) == ["escalate"]


def test_on_the_office_approval_goes_to_the_justice_bureau(w):
    rev = to_county_review(w)
    assert ops.available_events(rev, w.officer, ON) == ["return_for_revision", "approve"]
    fire(rev, "approve", w.officer, levels=ON, reason="县级审核通过")
    assert rev.status == "legality_review" and waiting_role(rev.status) == perm.LEGAL
    assert perm.waiting_on(rev) == perm.LEGAL
    assert ops.available_events(rev, w.legal_user, ON) == ["pass_legality", "return_legality"]
    for other in (w.officer, w.drafter, w.civil_user, w.pref_user, w.other_legal_user):
        assert ops.available_events(rev, other, ON) == []
    (event,) = events(rev, "approve")
    assert (event.from_state, event.to_state) == ("county_review", "legality_review")


@pytest.mark.parametrize(("who", "event", "error"), [
    ("officer", "pass_legality", Forbidden),        # the office does not judge legality
    ("drafter", "return_legality", Forbidden),
    ("civil_user", "pass_legality", Forbidden),     # a department, even of the same county
    ("pref_user", "pass_legality", Forbidden),
    ("other_legal_user", "pass_legality", Forbidden),  # another county's 司法局
    ("legal_user", "escalate", Conflict),           # not a move of this state
    ("legal_user", "approve", Conflict),
    ("officer", "escalate", Conflict),              # the office waits for the conclusion
    ("drafter", "submit", Conflict),
])
def test_moves_refused_in_legality_review(w, who, event, error):
    rev = to_legality_review(w)
    before = snapshot(rev)
    with pytest.raises(error):
        ops.fire(rev, event, getattr(w, who), levels=ON, reason="理由")
    db.session.rollback()
    assert snapshot(rev) == before


@pytest.mark.parametrize("levels", [LEVELS, ON])
def test_the_reviewer_makes_no_other_move(w, levels):
    """Before legality review (and with it off) the 司法局 has nothing to do: the office's moves are
    not its, and its own do not exist there."""
    rev = to_county_review(w, levels)
    with pytest.raises(Forbidden):
        ops.fire(rev, "approve", w.legal_user, levels=levels, reason="通过")
    db.session.rollback()
    with pytest.raises(Conflict):
        ops.fire(rev, "pass_legality", w.legal_user, levels=levels)
    db.session.rollback()
    assert db.session.get(Revision, rev.id).status == "county_review"


def test_the_diagram_draws_the_step_from_the_table():
    moves = {(m["source"], m["trigger"], m["dest"]): m for m in diagram.moves()}
    assert moves[(Status.county_review, "approve", Status.legality_review)]["condition"] == "设合法性审查时"
    assert moves[(Status.county_review, "approve", Status.county_approved)]["condition"] == "不设合法性审查时"
    assert moves[(Status.legality_review, "pass_legality", Status.county_approved)]["roles"] == [perm.LEGAL]
    assert moves[(Status.legality_review, "return_legality", Status.returned)]["roles"] == [perm.LEGAL]
    svg = diagram.svg()
    assert 'data-state="legality_review"' in svg and "合法性审查中" in svg and "县司法局" in svg
    assert "legality_review --> returned : return_legality" in diagram.mermaid()
    assert {t["trigger"] for t in TRANSITIONS if "legality_reviewer" in t["roles"]} == {"pass_legality",
                                                                                      "return_legality"}


# ------------------------------------------------------------------ operations ----
def test_lawful_passes_the_draft_on_with_the_conclusion_recorded(w):
    rev = to_legality_review(w)
    ops.conclude_legality(rev, w.legal_user, "lawful", "  经审查，未发现与法律法规相抵触的内容  ", levels=ON)
    db.session.commit()
    assert rev.status == "county_approved" and rev.round == 1
    (row,) = rev.legality_conclusions
    assert (row.conclusion, row.label, row.reasons, row.submission, row.round) == (
        "lawful", "合法", "经审查，未发现与法律法规相抵触的内容", 1, 1)
    assert row.reviewer_id == w.legal_user.id and row.organisation_id == w.justice.id
    (event,) = events(rev, "pass_legality")
    assert event.actor_name == "jimsar-legal" and event.organisation_name == "吉木萨尔县司法局"
    assert (event.from_state, event.to_state) == ("legality_review", "county_approved")
    assert event.details["conclusion"] == "lawful" and event.details["legality_conclusion"] == row.id
    fire(rev, "escalate", w.officer, levels=ON)
    assert rev.status == "prefecture_review"
    fire(rev, "approve", w.pref_user, levels=ON, reason="州级同意")
    fire(rev, "publish", w.region_user, levels=ON, reason="同意发布")
    # the version's history names the 司法局's conclusion among the approvals
    history = login(current_app, "dayou-drafter").get(f"/townships/{w.town.id}/history").get_data(as_text=True)
    assert "合法性审查（合法）：吉木萨尔县司法局（jimsar-legal" in history


def test_needs_change_returns_the_draft_without_using_up_a_round(w):
    rev = to_legality_review(w)
    ops.conclude_legality(rev, w.legal_user, "needs_change", REASONS, levels=ON)
    db.session.commit()
    assert rev.status == "returned" and rev.returned_by == "legality" and rev.round == 1
    (row,) = rev.legality_conclusions
    assert (row.conclusion, row.label, row.reasons) == ("needs_change", "需修改", REASONS)
    # the reasons are an opinion the township answers before submitting again, like a send-back's
    (opinion,) = drafts.unanswered_opinions(rev)
    assert (opinion.body, opinion.stage, opinion.organisation_id) == (REASONS, "legality", w.justice.id)
    assert any("未答复" in b for b in drafts.submit_blockers(rev))
    with pytest.raises(Conflict):
        ops.fire(rev, "submit", w.drafter, levels=ON)
    db.session.rollback()
    ops.answer_opinion(opinion, w.drafter, "adopted", "已按司法局意见修改表述")
    db.session.commit()
    fire(rev, "submit", w.drafter, levels=ON)
    assert rev.round == 1 and rev.submissions == 2  # the resubmission stays in its county round
    fire(rev, "accept", w.officer, levels=ON)
    fire(rev, "approve", w.officer, levels=ON, reason="已按司法局意见修改")
    assert rev.status == "legality_review"
    ops.conclude_legality(rev, w.legal_user, "lawful", "", levels=ON)
    db.session.commit()
    assert [(c.submission, c.conclusion) for c in rev.legality_conclusions] == [(1, "needs_change"), (2, "lawful")]
    assert rev.status == "county_approved" and rev.round == 1


def test_the_justice_bureau_may_return_even_in_the_last_round(w):
    """A legality check must be able to say 需修改 whatever the county's rounds: no round guard."""
    rev = to_county_review(w)
    for _ in range(2):
        fire(rev, "return_for_revision", w.officer, levels=ON, reason="请修改")
        fire(rev, "submit", w.drafter, levels=ON)
        fire(rev, "accept", w.officer, levels=ON)
    assert rev.round == rev.max_rounds == 3
    fire(rev, "approve", w.officer, levels=ON, reason="通过")
    ops.conclude_legality(rev, w.legal_user, "needs_change", REASONS, levels=ON)
    db.session.commit()
    assert rev.status == "returned" and rev.round == 3


@pytest.mark.parametrize(("who", "conclusion", "reasons", "error", "words"), [
    ("legal_user", "needs_change", "", Invalid, "须写明需修改的理由"),
    ("legal_user", "needs_change", "   ", Invalid, "须写明需修改的理由"),
    ("legal_user", "illegal", REASONS, Invalid, "审查结论须为"),
    ("officer", "lawful", "", Forbidden, "只有本县司法局的合法性审查人"),
    ("drafter", "needs_change", REASONS, Forbidden, "只有本县司法局的合法性审查人"),
    ("civil_user", "lawful", "", Forbidden, "只有本县司法局的合法性审查人"),
    ("other_legal_user", "lawful", "", Forbidden, "只有本县司法局的合法性审查人"),
    ("pref_user", "lawful", "", Forbidden, "只有本县司法局的合法性审查人"),
])
def test_refused_conclusions_write_nothing(w, who, conclusion, reasons, error, words):
    rev = to_legality_review(w)
    before = snapshot(rev)
    with pytest.raises(error) as exc:
        ops.conclude_legality(rev, getattr(w, who), conclusion, reasons, levels=ON)
    assert words in exc.value.message
    db.session.rollback()
    assert snapshot(rev) == before


def test_a_second_conclusion_is_refused(w):
    rev = to_legality_review(w)
    ops.conclude_legality(rev, w.legal_user, "lawful", "", levels=ON)
    db.session.commit()
    before = snapshot(rev)
    with pytest.raises(Conflict) as exc:
        ops.conclude_legality(rev, w.legal_user, "needs_change", REASONS, levels=ON)
    assert "县级审核通过" in exc.value.message
    db.session.rollback()
    assert snapshot(rev) == before


# ------------------------------------------------------------------ who reads, who is told ----
def test_the_justice_bureau_reads_the_draft_from_legality_review_on(w):
    rev = to_county_review(w)
    assert not perm.can_read_revision(w.legal_user, rev)
    fire(rev, "approve", w.officer, levels=ON, reason="通过")
    assert perm.can_read_revision(w.legal_user, rev) and perm.sees_whole_draft(w.legal_user, rev)
    assert not perm.can_read_revision(w.other_legal_user, rev)
    assert perm.can_conclude_legality(w.legal_user, rev) and not perm.can_conclude_legality(w.officer, rev)
    ops.conclude_legality(rev, w.legal_user, "needs_change", REASONS, levels=ON)
    db.session.commit()
    assert perm.can_read_revision(w.legal_user, rev)  # it keeps reading what it concluded on
    assert not perm.can_conclude_legality(w.legal_user, rev)
    # a consulted department sees the 司法局's reasons (the county's own check), not other departments'
    assert REASONS in [o.body for o in perm.visible_opinions(w.civil_user, rev)]


def _notes(user):
    return [(n.kind, n.done_at is not None) for n in db.session.scalars(
        select(Notification).where(Notification.user_id == user.id).order_by(Notification.id))]


def test_notifications_and_inbox_follow_the_step(w):
    rev = to_county_review(w)
    assert inbox.tasks_for(w.legal_user) == []
    fire(rev, "approve", w.officer, levels=ON, reason="通过")
    assert _notes(w.legal_user) == [("legality_requested", False)]
    assert _notes(w.other_legal_user) == []
    (task,) = inbox.tasks_for(w.legal_user)
    assert task.revision.id == rev.id and "待合法性审查" in task.what
    assert inbox.tasks_for(w.officer) == []
    ops.conclude_legality(rev, w.legal_user, "needs_change", REASONS, levels=ON)
    db.session.commit()
    assert _notes(w.legal_user) == [("legality_requested", True)]  # done: it concluded
    assert _notes(w.drafter)[-1] == ("returned", False) and _notes(w.officer)[-1] == ("returned", False)
    text = db.session.scalars(select(Notification.text).where(Notification.user_id == w.drafter.id)
                              .order_by(Notification.id.desc())).first()
    assert "合法性审查" in text and "需修改" in text and REASONS[:20] in text
    (task,) = inbox.tasks_for(w.drafter)
    assert task.what.startswith("合法性审查退回：待答复意见 1 条")
    assert inbox.tasks_for(w.legal_user) == []
    # back through the county and the 司法局 again: 合法 tells the office it may send it up
    ops.answer_opinion(drafts.unanswered_opinions(rev)[0], w.drafter, "adopted", "已修改")
    db.session.commit()
    fire(rev, "submit", w.drafter, levels=ON)
    fire(rev, "accept", w.officer, levels=ON)
    fire(rev, "approve", w.officer, levels=ON, reason="通过")
    ops.conclude_legality(rev, w.legal_user, "lawful", "", levels=ON)
    db.session.commit()
    assert _notes(w.officer)[-1] == ("legality_passed", False)
    assert [t.what for t in inbox.tasks_for(w.officer)] == ["县级已审核通过，待报送上级"]
    fire(rev, "escalate", w.officer, levels=ON)
    assert _notes(w.officer)[-1] == ("legality_passed", True)


# ------------------------------------------------------------------ the pages ----
def login(app, username):
    client = app.test_client()
    assert client.login(username).status_code == 302
    return client


def test_the_revision_page_form_and_record(app, w, monkeypatch):
    monkeypatch.setitem(app.config, "LEGALITY_REVIEW", True)
    rev = to_county_review(w)
    office = login(app, "jimsar-office")
    assert office.post_form(f"/revisions/{rev.id}/events/approve", {"reason": "县级审核通过"}).status_code == 302
    db.session.expire_all()
    assert db.session.get(Revision, rev.id).status == "legality_review"
    legal = login(app, "jimsar-legal")
    page = legal.get(f"/revisions/{rev.id}").get_data(as_text=True)
    assert 'id="form-legality"' in page and "审查结论" in page and "合法性审查中" in page
    assert 'data-event="pass_legality"' not in page  # one form for the conclusion, not two buttons
    assert 'id="form-legality"' not in office.get(f"/revisions/{rev.id}").get_data(as_text=True)
    # refused in place, what was typed kept, nothing written
    before = snapshot(rev)
    response = legal.post_form(f"/revisions/{rev.id}/legality", {"reasons": "只写了理由"})
    html = response.get_data(as_text=True)
    assert response.status_code == 400 and "请选择审查结论" in html and "只写了理由" in html
    response = legal.post_form(f"/revisions/{rev.id}/legality", {"conclusion": "needs_change", "reasons": ""})
    assert response.status_code == 400 and "须写明需修改的理由" in response.get_data(as_text=True)
    assert office.post_form(f"/revisions/{rev.id}/legality", {"conclusion": "lawful"}).status_code == 403
    assert snapshot(rev) == before
    response = legal.post_form(f"/revisions/{rev.id}/legality", {"conclusion": "needs_change", "reasons": REASONS})
    assert response.status_code == 302
    assert "合法性审查结论“需修改”" in legal.get(response.headers["Location"]).get_data(as_text=True)
    # the township sees the reasons where a return's are shown, and answers them
    town = login(app, "dayou-drafter").get(f"/revisions/{rev.id}").get_data(as_text=True)
    returned = town.split('id="returned"', 1)[1].split("</section>", 1)[0]
    assert "合法性审查退回修改" in returned and REASONS in returned
    assert REASONS in town.split('id="answers"', 1)[1].split("</section>", 1)[0]
    record = town.split('id="legality"', 1)[1].split("</section>", 1)[0]
    assert "需修改" in record and "吉木萨尔县司法局" in record and "jimsar-legal" in record
    timeline = town.split('id="timeline"', 1)[1]
    assert re.search(r"jimsar-legal</span>：合法性审查退回修改（合法性审查中 → 已退回修改）.*审查结论：需修改", timeline)


def test_the_api_shows_and_takes_the_conclusion(app, w, monkeypatch):
    monkeypatch.setitem(app.config, "LEGALITY_REVIEW", True)
    rev = to_county_review(w)
    tokens = {u.username: create_token(u) for u in (w.officer, w.legal_user, w.drafter)}
    db.session.commit()

    def api(who, method, path, body=None):
        return app.test_client().open(f"/api/v1/revisions/{rev.id}{path}", method=method, json=body,
                                      headers={"Authorization": f"Bearer {tokens[who]}"})
    body = api("jimsar-office", "GET", "").get_json()
    assert body["legality_review"] == {"enabled": True, "conclusions": [], "returns": 0}
    assert api("jimsar-office", "POST", "/events/approve", {"reason": "通过"}).get_json()["status"] == "legality_review"
    body = api("jimsar-legal", "GET", "").get_json()
    assert [e["event"] for e in body["events"]] == ["pass_legality", "return_legality"]
    before = snapshot(rev)
    response = api("jimsar-legal", "POST", "/legality", {"conclusion": "needs_change"})
    assert response.status_code == 400 and "须写明需修改的理由" in response.get_json()["error"]
    response = api("jimsar-legal", "POST", "/events/return_legality", {"reason": " "})
    assert response.status_code == 400 and "须写明需修改的理由" in response.get_json()["error"]
    response = api("jimsar-office", "POST", "/legality", {"conclusion": "lawful"})
    assert response.status_code == 403 and "司法局" in response.get_json()["error"]
    response = api("jimsar-legal", "POST", "/legality", {"conclusion": "maybe"})
    assert response.status_code == 400 and "审查结论须为" in response.get_json()["error"]
    assert snapshot(rev) == before
    # the transitions endpoint takes the new triggers too
    body = api("jimsar-legal", "POST", "/events/return_legality", {"reason": REASONS}).get_json()
    assert body["status"] == "returned" and body["round"] == 1
    (c,) = body["legality_review"]["conclusions"]
    assert (c["conclusion"], c["conclusion_label"], c["reasons"], c["reviewer"]["username"],
            c["organisation"]["name"]) == ("needs_change", "需修改", REASONS, "jimsar-legal", "吉木萨尔县司法局")
    assert body["legality_review"]["returns"] == 1
    # the history (audit trail) names the reviewer and the conclusion
    (move,) = [e for e in api("jimsar-office", "GET", "/history").get_json()["events"]
               if e["action"] == "return_legality"]
    assert move["move"] and move["actor"]["username"] == "jimsar-legal" and move["organisation"] == "吉木萨尔县司法局"
    assert move["details"]["conclusion"] == "needs_change" and move["details"]["reason"] == REASONS


# ------------------------------------------------------------------ roles, configuration, schema ----
def test_the_security_administrator_gives_the_role_to_a_department_account(app, w):
    secadmin = login(app, "secadmin")
    target = db.session.scalar(select(User).where(User.username == "jimsar-water"))
    page = secadmin.get(f"/admin/users/{target.id}/role").get_data(as_text=True)
    assert "司法局合法性审查人" in page
    drafter_page = secadmin.get(f"/admin/users/{w.drafter.id}/role").get_data(as_text=True)
    assert "司法局合法性审查人" not in drafter_page
    response = secadmin.post_form(f"/admin/users/{w.drafter.id}/role", {"new_role": "legality_reviewer"})
    assert response.status_code == 400 and "须属于" in response.get_data(as_text=True)
    assert secadmin.post_form(f"/admin/users/{target.id}/role", {"new_role": "legality_reviewer"}).status_code == 302
    db.session.expire_all()
    assert db.session.get(User, target.id).role == "legality_reviewer"


def test_the_setting_reads_from_the_environment(monkeypatch):
    monkeypatch.delenv("LEGALITY_REVIEW", raising=False)
    assert config.legality_review() is False
    monkeypatch.setenv("LEGALITY_REVIEW", "1")
    assert config.legality_review() is True
    assert config.review_route({"LEGALITY_REVIEW": True, "REVIEW_LEVELS": ("prefecture",)}) == ("legality", "prefecture")
    monkeypatch.setenv("LEGALITY_REVIEW", "perhaps")
    with pytest.raises(ValueError):
        config.legality_review()


def test_the_migration_goes_up_and_down(backend, tmp_path_factory, pg_available):
    url, drop = _make_database(backend, tmp_path_factory, pg_available, "legality")
    app = create_app({"SQLALCHEMY_DATABASE_URI": url, "TESTING": True, "SECRET_KEY": "x",
                      "PASSWORD_HASH_METHOD": "pbkdf2:sha256:1000"})
    try:
        with app.app_context():
            upgrade()
            w = add_legality(World())
            rev = to_legality_review(w)
            ops.conclude_legality(rev, w.legal_user, "lawful", "", levels=ON)
            db.session.commit()
            db.session.remove()
            downgrade(revision="c5a1e7f3b9d2")
            # the old schema has no legality reviewer: those accounts wait for another role
            roles = dict(db.session.execute(select(User.username, User.role)).all())
            assert roles["jimsar-legal"] is None and roles["jimsar-office"] == "county_office"
            db.session.remove()
            upgrade()
            user = db.session.scalar(select(User).where(User.username == "jimsar-legal"))
            user.role = "legality_reviewer"
            db.session.commit()
            db.session.remove()
            db.engine.dispose()
    finally:
        drop()


@pytest.mark.parametrize(("on", "words"), [(False, "本系统未设合法性审查"), (True, "本系统已设合法性审查")])
def test_the_workflow_page_says_whether_the_step_is_set(app, w, monkeypatch, on, words):
    monkeypatch.setitem(app.config, "LEGALITY_REVIEW", on)
    page = login(app, "jimsar-legal").get("/workflow").get_data(as_text=True)
    assert words in page and "合法性审查中" in page and "司法局合法性审查人" in page


def test_a_deputy_concludes_in_the_reviewers_name(w):
    """A legality reviewer may name a deputy of the same 司法局 (代理): the conclusion records both."""
    deputy = User(username="jimsar-legal-2", display_name="王律师", role="legality_reviewer", organisation=w.justice)
    passwords.set_password(deputy, "test-password-123")
    db.session.add(deputy)
    w.legal_user.display_name = "李科长"
    assert perm.deputy_refusal(w.legal_user, deputy) is None
    assert perm.deputy_refusal(w.legal_user, w.civil_user) is not None  # no deputy across organisations
    db.session.add(Delegation(delegator=w.legal_user, deputy=deputy, organisation_id=w.justice.id,
                              starts_on=clock.today(), ends_on=clock.today()))
    db.session.commit()
    rev = to_legality_review(w)
    ops.conclude_legality(rev, deputy, "needs_change", REASONS, levels=ON)
    db.session.commit()
    (row,) = rev.legality_conclusions
    assert row.reviewer_id == deputy.id and row.on_behalf_of_id == w.legal_user.id
    assert row.acted_by == "王律师（代李科长）"
    (event,) = events(rev, "return_legality")
    assert event.on_behalf_of_id == w.legal_user.id


def test_the_dashboard_shows_who_the_draft_waits_on(app, w):
    to_legality_review(w)
    page = login(app, "jimsar-office").get("/dashboard").get_data(as_text=True)
    row = re.search(r'<tr data-township="大有镇" data-state="legality_review" data-waits="legality".*?</tr>', page, re.S)
    assert row and "合法性审查中" in row.group(0) and "县司法局" in row.group(0)
    assert login(app, "jimsar-legal").get("/dashboard").status_code == 403  # its work is in its inbox
