"""A state machine (hypothesis) plays random reviews on both databases: edits, moves between tables,
reorders, reasons, opinions, sign-offs (无意见 / 有意见), returns, send-backs from the prefecture,
resubmissions, departments added, released and lapsed across rounds. After every step, what the API
(GET /api/v1/revisions/<id>) and the revision page show of each consulted department is what its audited
events say: no sign-off shown without a sign_off event of that department, a carried sign-off only from a
round the department really signed, pending where nothing was recorded; and round ≤ max_rounds.
"""
from __future__ import annotations

import re
from datetime import timedelta

from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, precondition, rule, run_state_machine_as_test
from sqlalchemy import select

from dutylist import clock
from dutylist.extensions import db
from dutylist.models import AuditEvent, Consultation, Revision
from dutylist.services import drafts
from dutylist.services.tokens import create_token
from workflow import operations as ops
from workflow.errors import WorkflowError
from workflow.states import EDITABLE, Status

from .factories import LEVELS, NO_CONSULTATION, World, add_legality

DEPARTMENTS = ("civil", "agri", "water")
USERS = {"civil": "civil_user", "agri": "agri_user", "water": "water_user"}


def clear_database():
    """Between two examples: every table emptied, in the test's own transaction (rolled back after it)."""
    db.session.rollback()
    for table in reversed(db.metadata.sorted_tables):
        db.session.execute(table.delete())
    db.session.commit()
    db.session.remove()


def expected_states(revision: Revision) -> dict[int, dict]:
    """Each department's state in the current pass, read from the audit log alone."""
    by_consultation = dict(db.session.execute(select(Consultation.id, Consultation.department_id)
                                              .where(Consultation.revision_id == revision.id)).all())
    events = db.session.scalars(select(AuditEvent).where(AuditEvent.revision_id == revision.id)
                                .order_by(AuditEvent.seq)).all()
    passes = 0
    state: dict[int, dict] = {}  # department -> {pass, state, round, from_round}
    signed_rounds: dict[int, set[int]] = {}  # department -> the rounds it really signed

    def dept_of(ev) -> int:
        return by_consultation[int(ev.target.split(":")[1])]

    for ev in events:
        d = ev.details or {}
        if ev.action == "submit":
            passes += 1
        elif ev.action == "withdraw":
            passes -= 1
        elif ev.action == "signoff_carried":
            dept = ev.organisation_id
            assert d["from_round"] in signed_rounds.get(dept, set()), \
                f"a sign-off carried from round {d['from_round']} that {ev.organisation_name} never signed"
            state[dept] = {"pass": passes, "state": d["state"], "from_round": d["from_round"]}
        elif ev.action == "accept":
            for dept in d.get("departments") or []:
                if state.get(dept, {}).get("pass") != passes:
                    state[dept] = {"pass": passes, "state": "pending"}
        elif ev.action == "sign_off":
            dept = dept_of(ev)
            assert dept == ev.organisation_id, "a department signed for another"
            state[dept] = {"pass": passes, "state": "signed", "round": d["round"], "verdict": d["verdict"]}
            signed_rounds.setdefault(dept, set()).add(d["round"])
        elif ev.action == "consultation_add":
            state[d["department_id"]] = {"pass": passes, "state": "pending"}
        elif ev.action in ("consultation_release", "consultation_lapse"):
            state[dept_of(ev)] = {"pass": passes, "state": "released" if ev.action.endswith("release") else "lapsed"}
    assert passes == revision.submissions
    return {dept: s for dept, s in state.items() if s["pass"] == passes}


class ConsultationMachine(RuleBasedStateMachine):
    """One township's revision, reviewed by everyone at random."""

    levels = LEVELS  #: the configured route after the county (LegalityMachine adds the legality review)

    def __init__(self, client):
        super().__init__()
        clear_database()
        clock.set_today(None)
        self.client = client
        self.w = World()
        self.token = create_token(self.w.officer)
        self.rev = ops.start_revision(self.w.town, self.w.drafter)
        db.session.commit()
        self.rev_id = self.rev.id
        assert client.login("jimsar-office").status_code == 302
        self.steps = []

    def teardown(self):
        clock.set_today(None)
        clear_database()

    # ---------------------------------------------------------------- helpers ----
    @property
    def status(self) -> Status:
        return Status(self.rev.status)

    def attempt(self, name, fn, *args, **kw):
        """Run one operation as a request would: committed, or refused and rolled back."""
        try:
            fn(*args, **kw)
        except WorkflowError as exc:
            db.session.rollback()
            self.steps.append(f"{name}: refused ({exc.message[:40]})")
        else:
            db.session.commit()
            self.steps.append(f"{name}: ok")
        self.rev = db.session.get(Revision, self.rev_id)

    def live(self, index: int):
        items = drafts.live_items(self.rev)
        return items[index % len(items)] if items else None

    def user(self, dept: str):
        return getattr(self.w, USERS[dept])

    def department(self, dept: str):
        return getattr(self.w, dept)

    def consultation(self, dept: str):
        return next((c for c in self.rev.consultations if c.department_id == self.department(dept).id), None)

    # ---------------------------------------------------------------- the township ----
    @precondition(lambda self: self.status in EDITABLE)
    @rule(action=st.sampled_from(["edit", "move", "reorder"]), index=st.integers(0, 20),
          word=st.sampled_from(["（一）", "（二）", "（三）"]), reason=st.booleans())
    def change_item(self, action, index, word, reason):
        """Edit an item's name, move it to another table or reorder it; with a 修改理由 or without."""
        item = self.live(index)
        why = "调整表述" if reason else ""
        if action == "edit":
            base = re.sub(r"（[一二三]）$", "", item.name)
            self.attempt("edit", ops.edit_item, self.rev, self.w.drafter, item.id,
                         {**item.fields(), "name": base + word}, item.lock_version, reason=why)
        elif action == "move":
            receiving = [] if item.kind == "withdrawn" else [{"department": "吉木萨尔县水利局", "method": "负责。"}]
            self.attempt("move", ops.edit_item, self.rev, self.w.drafter, item.id,
                         {**item.fields(), "receiving": receiving}, item.lock_version, reason=why,
                         kind="basic" if item.kind == "withdrawn" else "withdrawn")
        else:
            self.attempt("reorder", ops.move_item_within, self.rev, self.w.drafter, item.id,
                         -1 if word == "（一）" else 1, item.lock_version)

    @precondition(lambda self: self.status in EDITABLE)
    @rule(prepare=st.booleans(), answer=st.sampled_from(["adopted", "partly", "not_adopted"]))
    def submit(self, prepare, answer):
        """Submit; when `prepare`, first give every change its reason, answer every opinion, renumber."""
        if prepare:
            for change in drafts.missing_reasons(self.rev):
                self.attempt("explain", ops.explain_change, self.rev, self.w.drafter, change.item_id, "依据工作实际调整")
            open_ = drafts.unanswered_opinions(self.rev)
            if open_:
                self.attempt("answer", ops.answer_opinions, self.rev, self.w.drafter,
                             [(o, answer, "已研究，按此处理") for o in open_])
            self.attempt("renumber", ops.renumber, self.rev, self.w.drafter)
        self.attempt("submit", ops.fire, self.rev, "submit", self.w.drafter, levels=self.levels)

    # ---------------------------------------------------------------- the county office ----
    @precondition(lambda self: self.status == Status.submitted)
    @rule(chosen=st.sets(st.sampled_from(DEPARTMENTS), max_size=2), withdraw=st.sampled_from([False, False, False, True]))
    def take_in(self, chosen, withdraw):
        """The office accepts, consulting some departments (or none, saying why); or the township withdraws."""
        if withdraw:
            self.attempt("withdraw", ops.fire, self.rev, "withdraw", self.w.drafter, levels=self.levels)
            return
        ids = [self.department(d).id for d in sorted(chosen)]
        self.attempt("accept", ops.fire, self.rev, "accept", self.w.officer, levels=self.levels, departments=ids,
                     no_consultation_reason="" if ids else NO_CONSULTATION)

    @precondition(lambda self: self.status == Status.county_review)
    @rule(action=st.sampled_from(["return", "return", "send_back"]))
    def decide(self, action):
        """Return to the township, or approve and have the prefecture send it back."""
        if action == "return":
            self.attempt("return", ops.fire, self.rev, "return_for_revision", self.w.officer, levels=self.levels,
                         reason="请按意见修改")
            return
        self.attempt("approve", ops.fire, self.rev, "approve", self.w.officer, levels=self.levels, reason="同意")
        self.escalate_and_send_back()

    def escalate_and_send_back(self):
        if self.status == Status.county_approved:
            self.attempt("escalate", ops.fire, self.rev, "escalate", self.w.officer, levels=self.levels)
            self.attempt("send_back", ops.fire, self.rev, "send_back", self.w.pref_user, levels=self.levels,
                         reason="州级意见：请补充依据")

    @precondition(lambda self: self.status == Status.county_review)
    @rule(index=st.none() | st.integers(0, 20))
    def full_round(self, index):
        """Every pending department signs (有意见 after its opinions), the office returns the draft, the
        township changes one item (or nothing), answers and resubmits, and the office consults the same
        departments again: what carries over is what the departments signed and nobody changed since."""
        asked = [c.department_id for c in self.rev.consultations if c.current is not None and c.current.state != "released"]
        for c in list(self.rev.consultations):
            if c.pending:
                dept = next(d for d in DEPARTMENTS if self.department(d).id == c.department_id)
                self.department_acts(dept, None, "sign")
        self.decide("return")
        if self.status not in EDITABLE:
            return
        if index is not None:
            self.change_item("edit", index, "（三）", True)
        self.submit(True, "adopted")
        if self.status == Status.submitted:
            self.attempt("accept", ops.fire, self.rev, "accept", self.w.officer, levels=self.levels, departments=asked,
                         no_consultation_reason="" if asked else NO_CONSULTATION)

    @precondition(lambda self: self.rev.is_open and self.rev.round >= self.rev.max_rounds)
    @rule()
    def extend_rounds(self):
        self.attempt("extend", ops.extend_rounds, self.rev, self.w.officer, "部门意见分歧较大")

    @precondition(lambda self: self.status == Status.county_review)
    @rule(dept=st.sampled_from(DEPARTMENTS), action=st.sampled_from(["add", "release", "lapse"]))
    def manage(self, dept, action):
        """Consult one more department, release one (with a reason), or record it lapsed after its deadline."""
        c = self.consultation(dept)
        if action == "add":
            self.attempt("add", ops.add_consultation, self.rev, self.w.officer, self.department(dept).id)
        elif action == "release" and c is not None:
            self.attempt("release", ops.release_consultation, self.rev, self.w.officer, c.id, "职责调整后不再涉及")
        elif action == "lapse" and c is not None and c.deadline is not None:
            clock.set_today(c.deadline + timedelta(days=1))  # the clock moves; the database is not touched
            self.attempt("lapse", ops.lapse_consultation, self.rev, self.w.officer, c.id, "逾期未反馈")

    # ---------------------------------------------------------------- the departments ----
    @precondition(lambda self: self.status == Status.county_review)
    @rule(dept=st.sampled_from(DEPARTMENTS), index=st.none() | st.integers(0, 20),
          action=st.sampled_from(["opinion", "sign", "sign", "sign_wrong"]))
    def department_acts(self, dept, index, action):
        """A department comments (on an item or the whole draft) or signs off: 有意见 after its opinions,
        else 无意见 (or, to be refused, the other one)."""
        asked = [c for c in self.rev.consultations if c.pending]
        # "civil" and "agri" stand for a department the office waits on (if any); "water" for the water
        # bureau itself, consulted or not, pending or not (so refusals are played too)
        if asked and dept != "water":
            c = asked[DEPARTMENTS.index(dept) % len(asked)]
            dept = next(d for d in DEPARTMENTS if self.department(d).id == c.department_id)
        user = self.user(dept)
        if action == "opinion":
            item = self.live(index) if index is not None else None
            self.attempt("opinion", ops.add_opinion, self.rev, user, "请补充依据",
                         item.item_id if item is not None else None)
            return
        mine = [o for o in self.rev.opinions
                if o.submission == self.rev.submissions and o.organisation_id == user.organisation_id]
        verdict = "with_opinions" if bool(mine) == (action == "sign") else "no_opinion"
        self.attempt("sign_off", ops.sign_off, self.rev, user, verdict)

    # ---------------------------------------------------------------- what is shown ----
    @invariant()
    def shown_as_recorded(self):
        db.session.expire_all()
        rev = db.session.get(Revision, self.rev_id)
        expected = expected_states(rev)
        resp = self.client.get(f"/api/v1/revisions/{self.rev_id}", headers={"Authorization": f"Bearer {self.token}"})
        assert resp.status_code == 200, resp.get_data(as_text=True)
        body = resp.get_json()
        trail = " → ".join(self.steps[-12:])
        assert body["round"] <= body["max_rounds"], trail
        events = db.session.scalars(select(AuditEvent).where(AuditEvent.revision_id == self.rev_id,
                                                             AuditEvent.action == "send_back")).all()
        assert body["send_backs"] == {"prefecture": sum(e.from_state == "prefecture_review" for e in events),
                                      "region": sum(e.from_state == "region_review" for e in events)}
        shown = {}
        for c in body["consultations"]:
            dept = c["department"]["id"]
            want = expected.get(dept, {"state": "not_asked"})
            assert c["state"] == want["state"], (c["department"]["name"], c, want, trail)
            assert c["pending"] == (want["state"] == "pending")
            assert c["signed_off_round"] == want.get("round"), (c, want, trail)
            assert c["carried_from_round"] == (want.get("from_round") if want["state"] == "carried" else None)
            if want["state"] == "signed":
                assert c["verdict"] == want["verdict"]
            assert "None" not in c["label"], c
            shown[c["department"]["name"]] = c["state"]
        assert len(body["consultations"]) == len({c["department"]["id"] for c in body["consultations"]})
        # the revision page shows the same state in every row, and never "None"
        page = self.client.get(f"/revisions/{self.rev_id}")
        assert page.status_code == 200
        html = page.get_data(as_text=True)
        rows = dict(re.findall(r'<tr id="consultation-\d+" data-department="([^"]+)" data-state="([^"]+)"', html))
        assert rows == shown, (rows, shown, trail)
        section = html.split('id="consultations"', 1)[1].split("</section>", 1)[0] if shown else ""
        assert "None" not in section




def test_consultation_state_is_what_the_audit_log_says(app, client):
    run_state_machine_as_test(
        lambda: ConsultationMachine(client),
        settings=settings(max_examples=6, stateful_step_count=25, deadline=None, derandomize=False,
                          suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
                          database=None))


class LegalityMachine(ConsultationMachine):
    """The same reviews with the legality review on (LEGALITY_REVIEW): the office's approval goes to the
    county 司法局, which concludes 合法 (then the prefecture sends it back) or 需修改 (with or, to be
    refused, without reasons). Its returns are not county rounds: round ≤ max_rounds still holds, and
    the API shows every conclusion the audit log recorded."""

    levels = ("legality", *LEVELS)

    def __init__(self, client):
        super().__init__(client)
        add_legality(self.w)

    @precondition(lambda self: self.status == Status.legality_review)
    @rule(conclusion=st.sampled_from(["lawful", "needs_change", "needs_change", "no_reasons", "by_office"]))
    def conclude(self, conclusion):
        if conclusion == "by_office":  # refused: only the 司法局 concludes
            self.attempt("conclude_by_office", ops.conclude_legality, self.rev, self.w.officer, "lawful",
                         levels=self.levels)
        elif conclusion == "no_reasons":  # refused: 需修改 says why
            self.attempt("needs_change_no_reasons", ops.conclude_legality, self.rev, self.w.legal_user,
                         "needs_change", "", levels=self.levels)
        else:
            self.attempt(conclusion, ops.conclude_legality, self.rev, self.w.legal_user, conclusion,
                         "第3项缺少法律依据" if conclusion == "needs_change" else "", levels=self.levels)
            self.escalate_and_send_back()

    @invariant()
    def conclusions_as_recorded(self):
        db.session.expire_all()
        events = db.session.scalars(select(AuditEvent).where(
            AuditEvent.revision_id == self.rev_id, AuditEvent.action.in_(["pass_legality", "return_legality"]))
            .order_by(AuditEvent.seq)).all()
        body = self.client.get(f"/api/v1/revisions/{self.rev_id}",
                               headers={"Authorization": f"Bearer {self.token}"}).get_json()
        shown = body["legality_review"]
        assert [c["conclusion"] for c in shown["conclusions"]] == [e.details["conclusion"] for e in events]
        assert shown["returns"] == sum(e.action == "return_legality" for e in events)
        assert all(c["reasons"] for c in shown["conclusions"] if c["conclusion"] == "needs_change")
        assert len({c["submission"] for c in shown["conclusions"]}) == len(shown["conclusions"])  # one per pass


def test_consultation_and_legality_review_as_the_audit_log_says(app, client, monkeypatch):
    monkeypatch.setitem(app.config, "LEGALITY_REVIEW", True)
    run_state_machine_as_test(
        lambda: LegalityMachine(client),
        settings=settings(max_examples=6, stateful_step_count=25, deadline=None, derandomize=False,
                          suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
                          database=None))
