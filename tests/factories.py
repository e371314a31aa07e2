"""Small builders shared by the workflow tests: a county with departments, users, a list."""
from __future__ import annotations

from contextlib import contextmanager

from sqlalchemy import event

from dutylist.extensions import db
from dutylist.models import Organisation, OrgKind, Role, User, Version
from dutylist.services import drafts, passwords
from dutylist.services.snapshot import EntryData, publish_version
from workflow import operations as ops

#: the higher levels that review after the county (the default REVIEW_LEVELS)
LEVELS = ("prefecture", "region")


#: what an intake without departments says (tests that are not about the consultation)
NO_CONSULTATION = "本轮修改不涉及县直部门职责，无需征求部门意见"


def fire(rev, event: str, actor, **kw):
    """One move of the review machine, committed as a request would commit it. An intake that names
    no department says why (the machine refuses one that does not)."""
    kw.setdefault("levels", LEVELS)
    if event == "accept" and not kw.get("departments"):
        kw.setdefault("no_consultation_reason", NO_CONSULTATION)
    ops.fire(rev, event, actor, **kw)
    db.session.commit()
    return rev

PASSWORD = "test-password-123"


def fields(name, category="党的建设", **kw):
    base = {"category": category, "name": name, "departments_text": "", "departments": [],
            "dept_duties": [], "township_duties": [], "receiving": []}
    base.update(kw)
    return base


class World:
    """新疆 > 昌吉州 > 吉木萨尔县 > 大有镇 (+ a neighbour town, county, office, departments, users)."""

    def __init__(self):
        add = self._org
        self.region = add("新疆维吾尔自治区", OrgKind.region, None)
        self.prefecture = add("昌吉回族自治州", OrgKind.prefecture, self.region)
        self.county = add("吉木萨尔县", OrgKind.county, self.prefecture)
        self.office = add("吉木萨尔县委编办", OrgKind.office, self.county)
        self.civil = add("吉木萨尔县民政局", OrgKind.department, self.county)
        self.agri = add("吉木萨尔县农业农村局", OrgKind.department, self.county)
        self.water = add("吉木萨尔县水利局", OrgKind.department, self.county)
        self.town = add("大有镇", OrgKind.township, self.county)
        self.other_town = add("泉子街镇", OrgKind.township, self.county)
        self.other_county = add("玛纳斯县", OrgKind.county, self.prefecture)
        self.other_office = add("玛纳斯县委编办", OrgKind.office, self.other_county)
        self.other_civil = add("玛纳斯县民政局", OrgKind.department, self.other_county)
        self.other_prefecture = add("克孜勒苏柯尔克孜自治州", OrgKind.prefecture, self.region)
        u = self._user
        self.drafter = u("dayou-drafter", Role.township_drafter, self.town)
        self.other_drafter = u("quanzijie-drafter", Role.township_drafter, self.other_town)
        self.officer = u("jimsar-office", Role.county_office, self.office)
        self.other_officer = u("manas-office", Role.county_office, self.other_office)
        self.civil_user = u("jimsar-civil", Role.county_department, self.civil)
        self.agri_user = u("jimsar-agri", Role.county_department, self.agri)
        self.water_user = u("jimsar-water", Role.county_department, self.water)
        self.other_civil_user = u("manas-civil", Role.county_department, self.other_civil)
        self.pref_user = u("changji-prefecture", Role.prefecture_reviewer, self.prefecture)
        self.other_pref_user = u("kizilsu-prefecture", Role.prefecture_reviewer, self.other_prefecture)
        self.region_user = u("xj-region", Role.region_reviewer, self.region)
        # 三员分立: the system administrator keeps the old single administrator's user name
        self.admin = u("admin", Role.system_admin, self.region)
        self.secadmin = u("secadmin", Role.security_admin, self.region)
        self.auditor = u("auditor", Role.audit_admin, self.region)
        db.session.flush()
        self.version = publish_version(self.town, self.entries(), source="import", title="大有镇履职事项清单")
        db.session.commit()

    @staticmethod
    def entries():
        return [
            EntryData("basic", 1, fields("加强基层阵地建设，优化提升服务功能")),
            EntryData("basic", 2, fields("负责本镇农村“四老”人员服务管理工作")),
            EntryData("basic", 3, fields("负责本镇政府信息公开工作", "综合政务")),
            EntryData("cooperative", 1, fields(
                "老年人高龄津贴的发放管理", "民生服务", departments_text="吉木萨尔县民政局",
                departments=["吉木萨尔县民政局"], dept_duties=["1.组织开展高龄津贴政策宣传；"],
                township_duties=["1.各村核实到龄老年人信息并报镇；"])),
            EntryData("cooperative", 2, fields(
                "开展农牧业防灾减灾工作", "乡村振兴", departments_text="吉木萨尔县农业农村局",
                departments=["吉木萨尔县农业农村局"], dept_duties=["1.制定农业防灾减灾资金使用方案；"],
                township_duties=["1.摸排受灾户建立台账。"])),
            EntryData("withdrawn", 1, fields(
                "收养登记", "民生服务", receiving=[{"department": "吉木萨尔县民政局", "method": "负责收养登记。"}])),
        ]

    @staticmethod
    def _org(name, kind, parent):
        org = Organisation(name=name, kind=kind, parent=parent)
        db.session.add(org)
        db.session.flush()
        return org

    @staticmethod
    def _user(username, role, org):
        user = User(username=username, display_name=username, role=role, organisation=org)
        passwords.set_password(user, PASSWORD)
        db.session.add(user)
        return user


def add_legality(w: World) -> World:
    """The county 司法局s with a legality reviewer each (合法性审查): jimsar-legal, and manas-legal of the
    neighbour county."""
    w.justice = World._org("吉木萨尔县司法局", OrgKind.department, w.county)
    w.other_justice = World._org("玛纳斯县司法局", OrgKind.department, w.other_county)
    w.legal_user = World._user("jimsar-legal", Role.legality_reviewer, w.justice)
    w.other_legal_user = World._user("manas-legal", Role.legality_reviewer, w.other_justice)
    db.session.commit()
    return w


def sign(rev, user, verdict: str | None = None):
    """A consulted department signs this pass: 有意见 if it gave opinions in it, else 无意见."""
    if verdict is None:
        mine = [o for o in rev.opinions if o.submission == rev.submissions and o.organisation_id == user.organisation_id]
        verdict = "with_opinions" if mine else "no_opinion"
    row = ops.sign_off(rev, user, verdict)
    db.session.commit()
    return row


def settle(rev):
    """Every department still pending this pass signs off (its first user), so the county may decide."""
    for c in rev.consultations:
        if c.pending:
            user = db.session.scalars(db.select(User).where(User.organisation_id == c.department_id)
                                      .order_by(User.id)).first()
            sign(rev, user)
    return rev


def explain(rev, drafter, reason: str = "依据工作实际调整"):
    """Give every change without a 修改理由 one, and confirm every open flag (what submitting needs)."""
    for change in drafts.missing_reasons(rev):
        ops.explain_change(rev, drafter, change.item_id, reason)
    for flag in drafts.open_flags(rev):
        ops.confirm_flag(rev, drafter, flag.id, "已核对，内容无误")
    db.session.commit()
    return rev


def publish_change(w: World, name: str = "负责本镇农民专业合作社发展指导工作", reason: str = "县农业农村局提出新增"):
    """大有镇's version 2: one cooperative item added, through the whole review."""
    rev = ops.start_revision(w.town, w.drafter)
    db.session.commit()
    ops.add_item(rev, w.drafter, "cooperative", {
        "category": "乡村振兴", "name": name, "departments_text": "吉木萨尔县农业农村局",
        "departments": ["吉木萨尔县农业农村局"], "dept_duties": ["1.指导合作社规范运行；"],
        "township_duties": ["1.摸排辖区合作社情况；"]}, reason)
    db.session.commit()
    fire(rev, "submit", w.drafter)
    fire(rev, "accept", w.officer, departments=[w.agri.id])
    settle(rev)
    fire(rev, "approve", w.officer, reason="同意")
    fire(rev, "escalate", w.officer)
    fire(rev, "approve", w.pref_user, reason="同意")
    fire(rev, "publish", w.region_user, reason="同意")
    return db.session.get(Version, rev.published_version_id)


def signed_in(app, username: str, password: str = PASSWORD):
    """A test client of its own, signed in as the user (through the login form)."""
    client = app.test_client()
    response = client.login(username, password)
    assert response.status_code == 302, response.get_data(as_text=True)[:300]
    return client


def switch_user(client, username: str, password: str = PASSWORD):
    """Sign out whoever is signed in on this client, then sign in (the login page sends signed-in users away)."""
    client.post_form("/auth/logout")
    return client.login(username, password)


@contextmanager
def statements():
    """The SQL statements sent through the engine in the block, each on one line."""
    seen: list[str] = []

    def before(_conn, _cursor, statement, *_args):
        seen.append(" ".join(statement.split()))
    event.listen(db.engine, "before_cursor_execute", before)
    try:
        yield seen
    finally:
        event.remove(db.engine, "before_cursor_execute", before)
