"""Who may use which route: every endpoint × every role (and a user of another organisation of the
same role; the three administrators; an account without a role; one with a temporary password),
checked against ONE table. A route without an entry in ROUTES fails the test.

The scenario: 大有镇 has a revision in county review (round 1) on which 吉木萨尔县民政局 was consulted
and has written an opinion. Requests are made so that an allowed user passes authorization and
then, at most, meets a state or input check (400/409): the matrix is about authorization.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

import pytest
from sqlalchemy import select

from dutylist import clock
from dutylist.documents import jobs
from dutylist.extensions import db
from dutylist.importers.parsed import ParsedItem, ParsedList
from dutylist.models import Delegation, DepartmentAlias, DraftFlag, Filing, Organisation, OrgKind, Role, User
from dutylist.models.notification import Notification
from dutylist.services import bases, passwords
from dutylist.services.tokens import create_token
from workflow import operations as ops
from workflow import requests

from .factories import LEVELS, PASSWORD, World, add_legality

# ---------------------------------------------------------------------------- who
USERS = {  # key -> username (None: not signed in)
    "anon": None,
    "drafter": "dayou-drafter", "drafter_other": "quanzijie-drafter",
    # deputies (代理) come before the one they act for: the first allowed request is the deputy's
    "office_deputy": "jimsar-office-2",  # named deputy by jimsar-office, in force today
    "office": "jimsar-office", "office_other": "manas-office",
    "dept_deputy": "jimsar-civil-2",  # named deputy by jimsar-civil, to whom the consultation is assigned
    "dept_colleague": "jimsar-civil-3",  # of the consulted department, neither assignee nor deputy
    "dept": "jimsar-civil", "dept_unconsulted": "jimsar-water", "dept_other": "manas-civil",
    # the county 司法局's legality reviewers (合法性审查): they read a draft only once it reaches them
    "legal": "jimsar-legal", "legal_other": "manas-legal",
    "prefecture": "changji-prefecture", "prefecture_other": "kizilsu-prefecture",
    "region": "xj-region", "region_other": "xz-region",
    # 三员分立: the system administrator (World's "admin"), the security and the audit administrators
    "sysadmin": "admin", "secadmin": "secadmin", "auditor": "auditor",
    "norole": "newcomer",  # an account the security administrator has not given a role yet
    "temp": "dayou-temp",  # a drafter whose password is a temporary one (must change it first)
}
EVERYONE = frozenset(USERS)
ACCOUNTS = frozenset(USERS) - {"anon"}  # signing out, changing the password: every signed-in account
OWN = ACCOUNTS - {"temp"}  # the account's own pages (e-mail…): once the temporary password is changed
SIGNED = OWN - {"auditor", "norole"}  # published lists and the rest: every role but the auditor
READERS = frozenset({"drafter", "office", "office_deputy", "dept", "dept_deputy", "dept_colleague", "sysadmin"})
DRAFTER = frozenset({"drafter"})
OFFICE = frozenset({"office", "office_deputy"})  # the county office: each of its reviewers, a deputy too
#: the consulted department's work: its assignee and the assignee's deputy (not another colleague)
CONSULTED = frozenset({"dept", "dept_deputy"})
#: those who may name a deputy: every reviewer but the township's drafters
DELEGATORS = frozenset({"office", "office_deputy", "office_other", "dept", "dept_deputy", "dept_colleague",
                        "legal", "legal_other",
                        "dept_unconsulted", "dept_other", "prefecture", "prefecture_other", "region", "region_other"})
SYSADMIN = frozenset({"sysadmin"})
SECADMIN = frozenset({"secadmin"})
AUDITOR = frozenset({"auditor"})
ACCOUNT_READERS = SYSADMIN | SECADMIN
#: the library of bases (依据库) is kept by the establishment offices; an entry is edited by the office that
#: added it (jimsar's) or one above it (its prefecture, its region)
BASIS_KEEPERS = frozenset({"office", "office_deputy", "office_other", "prefecture", "prefecture_other", "region",
                           "region_other"})
BASIS_EDITORS = frozenset({"office", "office_deputy", "prefecture", "region"})
#: a change of law's impact: everyone with an area (the security administrator has none)
LAW_READERS = SIGNED - {"secadmin"}
FILING_READERS = frozenset({"office", "office_deputy", "office_other", "prefecture", "prefecture_other", "region", "region_other",
                            "sysadmin"})
#: adjustment requests (调整申请): townships and county departments make them; the readers of the scenario's
#: request (jimsar-civil's, for 大有镇): its department, the township, the county office, the levels above
REQUESTERS = frozenset({"drafter", "drafter_other", "dept", "dept_deputy", "dept_colleague", "dept_unconsulted",
                        "dept_other"})
REQUESTERS_FOR_TOWN = frozenset({"drafter", "dept", "dept_deputy", "dept_colleague", "dept_unconsulted"})
REQUEST_LISTERS = SIGNED - {"secadmin", "legal", "legal_other"}  # the 司法局 neither asks nor decides
REQUEST_READERS = frozenset({"drafter", "office", "office_deputy", "dept", "dept_deputy", "dept_colleague",
                             "prefecture", "region", "sysadmin"})


@dataclass
class Route:
    method: str
    path: str  #: formatted with the scenario (see Scenario.values)
    allowed: frozenset
    data: dict | None = None  #: form fields or JSON body


# ---------------------------------------------------------------------------- the table
ROUTES: dict[str, Route] = {
    # public
    "static": Route("GET", "/static/app.css", EVERYONE),
    "lists.favicon": Route("GET", "/favicon.ico", EVERYONE),
    "auth.login": Route("GET", "/auth/login", EVERYONE),
    "api.openapi": Route("GET", "/api/v1/openapi.json", EVERYONE),
    # the public portal (政务公开): everyone, signed in or not, whatever the account's state
    "public.index": Route("GET", "/public/", EVERYONE),
    "public.township": Route("GET", "/public/townships/{town}", EVERYONE),
    "public.version": Route("GET", "/public/versions/{v1}", EVERYONE),
    "public.versions": Route("GET", "/public/townships/{town}/versions", EVERYONE),
    "public.changes": Route("GET", "/public/townships/{town}/changes", EVERYONE),
    "public.search": Route("GET", "/public/search?q=基层", EVERYONE),
    "public.download": Route("GET", "/public/versions/{v1}/download.csv", EVERYONE),
    "public.bulk": Route("GET", "/public/download/all.zip", EVERYONE),
    # anyone signed in: published lists, history, differences between versions
    "auth.logout": Route("POST", "/auth/logout", ACCOUNTS),
    "auth.change_password": Route("GET", "/auth/password", ACCOUNTS),
    "auth.change_email": Route("GET", "/auth/email", OWN),
    "auth.waiting": Route("GET", "/auth/waiting", OWN),  # (those with a role are sent home)
    "lists.index": Route("GET", "/", SIGNED),
    "lists.township": Route("GET", "/townships/{town}", SIGNED),
    "lists.version": Route("GET", "/versions/{v1}", SIGNED),
    "lists.workflow": Route("GET", "/workflow", SIGNED),
    "lists.workflow_mermaid": Route("GET", "/workflow.mmd", SIGNED),
    "inbox.index": Route("GET", "/inbox", SIGNED),
    "history.index": Route("GET", "/townships/{town}/history", SIGNED),
    "history.versions_diff": Route("GET", "/townships/{town}/diff?a={v1}&b={v1}", SIGNED),
    "history.versions_diff_download": Route("GET", "/townships/{town}/diff.xlsx?a={v1}&b={v1}", SIGNED),
    # the revision: its readers; each move: its role in its organisation
    "revisions.show": Route("GET", "/revisions/{rev}", READERS),
    "history.revision_diff": Route("GET", "/revisions/{rev}/diff", READERS),
    "history.revision_diff_download": Route("GET", "/revisions/{rev}/diff.docx", READERS),
    "revisions.start": Route("POST", "/townships/{town}/revisions", DRAFTER),
    "revisions.add_item": Route("GET", "/revisions/{rev}/items/new", DRAFTER),
    "revisions.edit_item": Route("GET", "/revisions/{rev}/items/{draft_item}/edit", DRAFTER),
    "revisions.delete_item": Route("POST", "/revisions/{rev}/items/{draft_item}/delete", DRAFTER,
                                   {"lock_version": "1", "reason": "x"}),
    "revisions.move_item": Route("POST", "/revisions/{rev}/items/{draft_item}/move", DRAFTER,
                                 {"lock_version": "1", "direction": "1"}),
    "revisions.renumber": Route("POST", "/revisions/{rev}/renumber", DRAFTER),
    "revisions.fire": Route("POST", "/revisions/{rev}/events/approve", OFFICE, {"reason": ""}),
    "revisions.extend": Route("POST", "/revisions/{rev}/extend", OFFICE, {"reason": "部门意见分歧"}),
    # nobody while the county reviews: the 司法局 reads (and concludes on) a draft only in legality review
    # (tests/test_legality_review.py covers it there)
    "revisions.conclude_legality": Route("POST", "/revisions/{rev}/legality", frozenset(), {"conclusion": "lawful"}),
    "revisions.add_opinion": Route("POST", "/revisions/{rev}/opinions", OFFICE | CONSULTED,
                                   {"body": "意见"}),
    "revisions.sign_off": Route("POST", "/revisions/{rev}/signoff", CONSULTED, {"verdict": "with_opinions"}),
    "revisions.answer_all": Route("POST", "/revisions/{rev}/answers", DRAFTER, {"opinion_id": "0"}),
    "revisions.explain": Route("POST", "/revisions/{rev}/items/{item}/reason", DRAFTER, {"reason": "理由"}),
    "revisions.confirm_flag": Route("POST", "/revisions/{rev}/flags/{flag}/confirm", DRAFTER, {"reason": "核对无误"}),
    "revisions.add_consultation": Route("POST", "/revisions/{rev}/consultations", OFFICE, {"department": "0"}),
    "revisions.change_consultation": Route("POST", "/revisions/{rev}/consultations/{consultation}/extend", OFFICE,
                                           {"reason": "部门申请延期", "deadline": "2099-01-01"}),
    "revisions.summary": Route("GET", "/revisions/{rev}/opinions/summary", READERS),
    "revisions.summary_download": Route("GET", "/revisions/{rev}/opinions/summary.xlsx", READERS),
    "revisions.reply": Route("POST", "/revisions/{rev}/opinions/{opinion}/reply",
                             READERS - SYSADMIN, {"body": "回复"}),
    "revisions.reassign_consultation": Route("POST", "/revisions/{rev}/consultations/{consultation}/reassign",
                                             OFFICE, {"assignee": ""}),
    # deputies (代理): every reviewer names theirs; only the one who named a deputyship withdraws it
    "deputies.index": Route("GET", "/deputies", DELEGATORS),
    "deputies.create": Route("POST", "/deputies", DELEGATORS, {"deputy": "0"}),
    "deputies.withdraw": Route("POST", "/deputies/{delegation}/withdraw", OFFICE - {"office_deputy"}),
    # documents: published versions to anyone signed in; drafts to their readers (a consulted department
    # too: it sees the whole draft); imports to the township's drafter (admin: new lists)
    "documents.export_version": Route("GET", "/versions/{v1}/export.csv", SIGNED),
    "documents.export_revision": Route("GET", "/revisions/{rev}/export.json", READERS),
    "documents.upload": Route("GET", "/imports/new?township_id={town}", DRAFTER),
    "documents.preview": Route("GET", "/imports/{upload}", DRAFTER),
    "documents.confirm": Route("POST", "/imports/{upload}/confirm", DRAFTER),
    "documents.columns": Route("POST", "/imports/{upload}/columns", DRAFTER),
    "documents.cancel": Route("POST", "/imports/{upload}/cancel", DRAFTER),
    "documents.progress": Route("GET", "/imports/{job}/progress", DRAFTER),
    "documents.status": Route("GET", "/imports/{job}/status", DRAFTER),
    "documents.retry": Route("POST", "/imports/{job}/retry", DRAFTER),
    # search and comparison of published lists: anyone signed in
    "search.index": Route("GET", "/search?q=基层", SIGNED),
    "compare.index": Route("GET", "/compare?township={town}&township={other_town}", SIGNED),
    "compare.item": Route("GET", "/compare/item/{v1}/{item}", SIGNED),
    "compare.county": Route("GET", "/compare/county/{county}", SIGNED),
    # oversight: dashboards for the reviewing levels; statistics of published lists for everyone
    "oversight.dashboard": Route("GET", "/dashboard", frozenset({
        "office", "office_deputy", "office_other", "prefecture", "prefecture_other", "region", "region_other", "sysadmin"})),
    "oversight.stats": Route("GET", "/stats/township/{town}", SIGNED),
    # filing (备案): the register to the county office, the prefecture, the region and the system
    # administrator (each its own area); receipt acknowledged by the office it was filed with alone
    "filings.index": Route("GET", "/filings", FILING_READERS),
    "filings.export_xlsx": Route("GET", "/filings.xlsx", FILING_READERS),
    "filings.acknowledge": Route("POST", "/filings/{filing}/acknowledge", frozenset({"prefecture"})),
    # adjustment requests (调整申请): made by townships (for themselves) and departments (for their county's),
    # read by those concerned, decided by the county office; the 准入 register as the filing register
    "requests.index": Route("GET", "/requests", REQUEST_LISTERS),
    "requests.new": Route("GET", "/requests/new", REQUESTERS),
    "requests.create": Route("POST", "/requests/new", REQUESTERS_FOR_TOWN, {"township": "{town}"}),
    "requests.show": Route("GET", "/requests/{request}", REQUEST_READERS),
    "requests.decide": Route("POST", "/requests/{request}/decide", OFFICE, {"decision": ""}),
    "requests.register": Route("GET", "/requests/register", FILING_READERS),
    "requests.register_xlsx": Route("GET", "/requests/register.xlsx", FILING_READERS),
    # the library of bases: read by everyone signed in, kept by the establishment offices
    "bases.index": Route("GET", "/bases?q=土地", SIGNED),
    "bases.suggest": Route("GET", "/bases/suggest?q=土地", SIGNED),
    "bases.show": Route("GET", "/bases/{basis}", SIGNED),
    "law.impact": Route("GET", "/bases/{basis}/impact", LAW_READERS),
    "law.changes": Route("GET", "/law-changes", LAW_READERS),
    "law.change_status": Route("POST", "/bases/{basis}/status", BASIS_EDITORS,
                               {"status": "repealed", "day": "2026-12-01"}),
    "law.adjustments": Route("POST", "/bases/{basis}/adjustments", BASIS_KEEPERS, {}),
    "bases.new": Route("GET", "/bases/new", BASIS_KEEPERS),
    "bases.edit": Route("GET", "/bases/{basis}/edit", BASIS_EDITORS),
    "bases.upload": Route("GET", "/bases/import", BASIS_KEEPERS),
    "bases.confirm_import": Route("POST", "/bases/import/confirm", BASIS_KEEPERS, {"rows": "[]"}),
    "notifications.index": Route("GET", "/notifications", SIGNED),
    "notifications.read_all": Route("POST", "/notifications/read-all", SIGNED),
    "notifications.read": Route("POST", "/notifications/{notification}/read", frozenset({"dept"})),  # its owner
    # administration (三员分立): the audit log is the auditor's alone
    "admin.audit": Route("GET", "/admin/audit", AUDITOR),
    "admin.audit_head": Route("GET", "/admin/audit/head.json", AUDITOR),
    "admin.audit_verify": Route("GET", "/admin/audit/verify?seq=1&hash=" + "0" * 64, AUDITOR),
    # organisations and the department registry: the system administrator
    "orgs.index": Route("GET", "/admin/orgs?q=镇", SYSADMIN),
    "orgs.show": Route("GET", "/admin/orgs/{county}", SYSADMIN),
    "orgs.new": Route("GET", "/admin/orgs/new?parent={county}", SYSADMIN),
    "orgs.edit": Route("GET", "/admin/orgs/{water}/edit", SYSADMIN),
    "orgs.move": Route("GET", "/admin/orgs/{other_town}/move", SYSADMIN),
    "orgs.close": Route("POST", "/admin/orgs/{other_town}/close", SYSADMIN),  # (refused: it has an account)
    "orgs.reopen": Route("POST", "/admin/orgs/{other_town}/reopen", SYSADMIN),  # (refused: it is open)
    "registry.index": Route("GET", "/admin/counties/{county}/departments", SYSADMIN),
    "registry.add_alias": Route("POST", "/admin/departments/{water}/aliases", SYSADMIN, {"alias": "县水务局"}),
    "registry.remove_alias": Route("POST", "/admin/aliases/{alias}/delete", SYSADMIN),
    "registry.merge": Route("GET", "/admin/departments/{agri}/merge?into={water}", SYSADMIN),
    "registry.set_office": Route("GET", "/admin/departments/{water}/office", SYSADMIN),
    "registry.unmatched": Route("GET", "/admin/counties/{county}/departments/unmatched", SYSADMIN),
    "registry.map_name": Route("POST", "/admin/counties/{county}/departments/unmatched", SYSADMIN,
                               {"name": "县林草局", "target": "ignore"}),
    # accounts: the system administrator keeps them, the security administrator reads them to give roles
    "accounts.index": Route("GET", "/admin/users", ACCOUNT_READERS),
    "accounts.show": Route("GET", "/admin/users/{target}", ACCOUNT_READERS),
    "accounts.new": Route("GET", "/admin/users/new?organisation={county}", SYSADMIN),
    "accounts.edit": Route("GET", "/admin/users/{target}/edit", SYSADMIN),
    "accounts.deactivate": Route("POST", "/admin/users/{target}/deactivate", SYSADMIN),
    "accounts.reactivate": Route("POST", "/admin/users/{target}/reactivate", SYSADMIN),  # (refused: active)
    "accounts.reset_password": Route("POST", "/admin/users/{target}/password", SYSADMIN),
    "accounts.export": Route("GET", "/admin/users/export.xlsx", SYSADMIN),
    "accounts.sheet_template": Route("GET", "/admin/users/import/template.xlsx", SYSADMIN),
    "accounts.bulk": Route("GET", "/admin/users/import", SYSADMIN),
    "accounts.bulk_confirm": Route("POST", "/admin/users/import/confirm", SYSADMIN, {"rows": "[]"}),
    # roles, locks, sessions, tokens: the security administrator
    "accounts.assign_role": Route("GET", "/admin/users/{norole}/role", SECADMIN),
    "accounts.unlock": Route("POST", "/admin/users/{target}/unlock", SECADMIN),
    "accounts.end_sessions": Route("POST", "/admin/users/{target}/sessions/end", SECADMIN),
    "accounts.revoke_tokens": Route("POST", "/admin/users/{target}/tokens/revoke", SECADMIN),
    "security.index": Route("GET", "/admin/security", SECADMIN),
    "security.auditor_log": Route("GET", "/admin/security/auditor-log", SECADMIN),
    # the JSON API: the same rules, with bearer tokens
    "api.ping": Route("GET", "/api/v1/ping", SIGNED),
    "api.me": Route("GET", "/api/v1/me", SIGNED),
    "api.townships": Route("GET", "/api/v1/townships", SIGNED),
    "api.township": Route("GET", "/api/v1/townships/{town}", SIGNED),
    "api.township_versions": Route("GET", "/api/v1/townships/{town}/versions", SIGNED),
    "api.version": Route("GET", "/api/v1/versions/{v1}", SIGNED),
    "api.version_diff": Route("GET", "/api/v1/versions/{v1}/diff/{v1}", SIGNED),
    "api.departments": Route("GET", "/api/v1/departments?township={town}", SIGNED),
    "api.township_revisions": Route("GET", "/api/v1/townships/{town}/revisions", SIGNED),
    "api.start_revision": Route("POST", "/api/v1/townships/{town}/revisions", DRAFTER, {}),
    "api.revision": Route("GET", "/api/v1/revisions/{rev}", READERS),
    "api.add_item": Route("POST", "/api/v1/revisions/{rev}/items", DRAFTER,
                          {"kind": "basic", "category": "党的建设", "name": "新事项"}),
    "api.edit_item": Route("PATCH", "/api/v1/revisions/{rev}/items/{draft_item}", DRAFTER,
                           {"lock_version": 1, "name": "改"}),
    "api.delete_item": Route("DELETE", "/api/v1/revisions/{rev}/items/{draft_item}", DRAFTER,
                             {"lock_version": 1}),
    "api.move_item": Route("POST", "/api/v1/revisions/{rev}/items/{draft_item}/move", DRAFTER,
                           {"lock_version": 1, "direction": 1}),
    "api.renumber": Route("POST", "/api/v1/revisions/{rev}/renumber", DRAFTER, {}),
    "api.fire_event": Route("POST", "/api/v1/revisions/{rev}/events/approve", OFFICE, {"reason": ""}),
    "api.extend_rounds": Route("POST", "/api/v1/revisions/{rev}/extend", OFFICE, {"reason": "理由"}),
    "api.conclude_legality": Route("POST", "/api/v1/revisions/{rev}/legality", frozenset(), {"conclusion": "lawful"}),
    "api.opinions": Route("GET", "/api/v1/revisions/{rev}/opinions", READERS),
    "api.add_opinion": Route("POST", "/api/v1/revisions/{rev}/opinions", OFFICE | CONSULTED,
                             {"body": "意见"}),
    "api.sign_off": Route("POST", "/api/v1/revisions/{rev}/signoff", CONSULTED, {"verdict": "with_opinions"}),
    "api.answer_opinions": Route("POST", "/api/v1/revisions/{rev}/answers", DRAFTER, {"answers": []}),
    "api.consultations": Route("GET", "/api/v1/revisions/{rev}/consultations", READERS),
    "api.add_consultation": Route("POST", "/api/v1/revisions/{rev}/consultations", OFFICE, {"department": 0}),
    "api.change_consultation": Route("POST", "/api/v1/revisions/{rev}/consultations/{consultation}/extend", OFFICE,
                                     {"reason": "部门申请延期", "deadline": "2099-01-01"}),
    "api.explain_change": Route("POST", "/api/v1/revisions/{rev}/items/{item}/reasons", DRAFTER, {"reason": "理由"}),
    "api.confirm_flag": Route("POST", "/api/v1/revisions/{rev}/flags/{flag}/confirm", DRAFTER, {"reason": "核对无误"}),
    "api.answer_opinion": Route("POST", "/api/v1/revisions/{rev}/opinions/{opinion}/answers", DRAFTER,
                                {"answer": "adopted", "body": "理由"}),
    "api.filings": Route("GET", "/api/v1/filings", FILING_READERS),
    "api.acknowledge_filing": Route("POST", "/api/v1/filings/{filing}/acknowledge", frozenset({"prefecture"}), {}),
    "api.submit_request": Route("POST", "/api/v1/townships/{town}/requests", REQUESTERS_FOR_TOWN, {}),
    "api.requests_list": Route("GET", "/api/v1/requests", REQUEST_LISTERS),
    "api.request_detail": Route("GET", "/api/v1/requests/{request}", REQUEST_READERS),
    "api.decide_request": Route("POST", "/api/v1/requests/{request}/decide", OFFICE, {}),
    "api.reply_opinion": Route("POST", "/api/v1/revisions/{rev}/opinions/{opinion}/replies",
                               READERS - SYSADMIN, {"body": "回复"}),
    "api.revision_history": Route("GET", "/api/v1/revisions/{rev}/history", READERS),
    # the API for provisioning scripts (三员分立): the same rules as the pages; the auditor only reads the log
    "api.create_organisation": Route("POST", "/api/v1/admin/organisations", SYSADMIN, {}),
    "api.create_user": Route("POST", "/api/v1/admin/users", SYSADMIN, {}),
    "api.assign_role": Route("PUT", "/api/v1/admin/users/{norole}/role", SECADMIN, {}),
    "api.deactivate_user": Route("POST", "/api/v1/admin/users/{target}/deactivate", SYSADMIN),
    "api.reset_password": Route("POST", "/api/v1/admin/users/{target}/reset-password", SYSADMIN),
    "api.merge_department": Route("POST", "/api/v1/admin/departments/{agri}/merge", SYSADMIN, {"into": "x"}),
    "api.department_aliases": Route("GET", "/api/v1/admin/departments/{civil}/aliases", SYSADMIN),
    "api.add_department_alias": Route("POST", "/api/v1/admin/departments/{civil}/aliases", SYSADMIN, {}),
    "api.remove_department_alias": Route("DELETE", "/api/v1/admin/departments/{civil}/aliases/{alias}", SYSADMIN),
    "api.audit": Route("GET", "/api/v1/audit", AUDITOR),
    "api.list_bases": Route("GET", "/api/v1/bases?q=土地", SIGNED),
    "api.get_basis": Route("GET", "/api/v1/bases/{basis}", SIGNED),
    "api.basis_status": Route("POST", "/api/v1/bases/{basis}/status", BASIS_EDITORS,
                              {"status": "repealed", "date": "2026-12-01"}),
    "api.basis_impact": Route("GET", "/api/v1/bases/{basis}/impact", LAW_READERS),
    "api.basis_adjustments": Route("POST", "/api/v1/bases/{basis}/adjustments", BASIS_KEEPERS, {}),
    "api.add_basis": Route("POST", "/api/v1/bases", BASIS_KEEPERS, {}),
    "api.edit_basis": Route("PATCH", "/api/v1/bases/{basis}", BASIS_EDITORS, {}),
    "api.reassign_consultation": Route("PUT", "/api/v1/revisions/{rev}/consultations/{consultation}/assignee", OFFICE,
                                       {"assignee_id": None}),
    "api.list_delegations": Route("GET", "/api/v1/delegations", DELEGATORS),
    "api.create_delegation": Route("POST", "/api/v1/delegations", DELEGATORS, {}),
    "api.withdraw_delegation": Route("POST", "/api/v1/delegations/{delegation}/withdraw", OFFICE - {"office_deputy"}),
}


# ---------------------------------------------------------------------------- the scenario
class Scenario:
    def __init__(self):
        w = self.world = add_legality(World())
        region2 = Organisation(name="西藏自治区", kind=OrgKind.region)
        db.session.add(region2)
        db.session.flush()
        xz = User(username="xz-region", display_name="xz-region", role=Role.region_reviewer, organisation=region2)
        newcomer = User(username="newcomer", display_name="newcomer", role=None, organisation=w.town)
        temp = User(username="dayou-temp", display_name="dayou-temp", role=Role.township_drafter, organisation=w.town)
        office2 = User(username="jimsar-office-2", display_name="张三", role=Role.county_office, organisation=w.office)
        civil2 = User(username="jimsar-civil-2", display_name="赵干事", role=Role.county_department,
                      organisation=w.civil)
        civil3 = User(username="jimsar-civil-3", display_name="钱干事", role=Role.county_department,
                      organisation=w.civil)
        for user in (xz, newcomer, temp, office2, civil2, civil3):
            passwords.set_password(user, PASSWORD)
            db.session.add(user)
        temp.must_change_password = True
        alias = DepartmentAlias(county_id=w.county.id, key="县民政", name="吉木萨尔县民政", department_id=w.civil.id)
        db.session.add(alias)
        db.session.flush()
        rev = ops.start_revision(w.town, w.drafter)
        item = next(i for i in rev.items if i.name == "老年人高龄津贴的发放管理")
        ops.edit_item(rev, w.drafter, item.id, {**item.fields(), "dept_duties": ["1.组织开展政策宣传；", "2.发放。"]},
                      lock_version=item.lock_version, reason="补充职责")
        ops.fire(rev, "submit", w.drafter, levels=LEVELS)
        ops.fire(rev, "accept", w.officer, levels=LEVELS, departments=[w.civil.id],
                 deadline=date.today() + timedelta(days=5))
        opinion = ops.add_opinion(rev, w.civil_user, "请写明发放时限", item_id=item.item_id)
        rev.consultations[0].assignee = w.civil_user  # the office gave it to jimsar-civil by name
        today = clock.today()
        office_deputyship = Delegation(delegator=w.officer, deputy=office2, organisation_id=w.office.id,
                                       starts_on=today, ends_on=today + timedelta(days=5))
        db.session.add_all([office_deputyship, Delegation(delegator=w.civil_user, deputy=civil2,
                                                          organisation_id=w.civil.id, starts_on=today, ends_on=today)])
        rev.flags.append(DraftFlag(item_id=item.item_id, source="import", message="导入时无法确认的内容"))
        db.session.commit()
        # an uploaded list waiting for confirmation, and one whose import job has started
        parsed = ParsedList(township="大有镇", items=[ParsedItem("basic", 1, "党的建设", "加强基层阵地建设")])
        upload = jobs.save_upload(w.drafter, "draft", w.town.id, "清单.docx", parsed)
        job = jobs.save_upload(w.drafter, "draft", w.town.id, "清单.docx", parsed)
        jobs.claim(job, w.drafter.id)
        filing = Filing(version_id=w.version.id, township_id=w.town.id, level="prefecture", office_id=w.prefecture.id)
        db.session.add(filing)
        db.session.flush()
        notification = db.session.scalar(select(Notification.id).where(Notification.user_id == w.civil_user.id))
        request = requests.submit_request(w.civil_user, [w.town], "dynamic", "机构职能调整", "理由", [
            {"action": "add", "kind": "basic", "fields": {"category": "党的建设", "name": "新事项"}}])
        basis = bases.add(w.officer, {"title": "中华人民共和国土地管理法", "issuer": "全国人民代表大会常务委员会",
                                      "level": "法律"})
        flag = rev.flags[0]
        self.values = {"town": w.town.id, "v1": w.version.id, "rev": rev.id, "draft_item": item.id,
                       "consultation": rev.consultations[0].id, "flag": flag.id,
                       "opinion": opinion.id, "upload": upload, "job": job, "notification": notification,
                       "item": item.item_id, "county": w.county.id, "other_town": w.other_town.id,
                       "water": w.water.id, "agri": w.agri.id, "alias": alias.id, "target": w.water_user.id,
                       "norole": newcomer.id, "civil": w.civil.id, "delegation": office_deputyship.id,
                       "filing": filing.id, "request": request.id, "basis": basis.id}
        self.tokens = {key: create_token(db.session.scalar(select(User).where(User.username == name)))
                       for key, name in USERS.items() if name}
        db.session.commit()


def api_route(rule) -> bool:
    return rule.startswith("/api/")


def call(app, scenario: Scenario, route: Route, who: str):
    path = route.path.format(**scenario.values)
    client = app.test_client()
    if api_route(path):
        headers = {"Authorization": f"Bearer {scenario.tokens[who]}"} if who != "anon" else {}
        return client.open(path, method=route.method, json=route.data if route.method != "GET" else None,
                           headers=headers)
    if who != "anon":
        assert client.login(USERS[who]).status_code == 302
    if route.method == "GET":
        return client.get(path)
    data = {k: v.format(**scenario.values) if isinstance(v, str) else v for k, v in (route.data or {}).items()}
    return client.open(path, method=route.method, data={**data, "csrf_token": client.csrf_token()})


def denied(response, path: str) -> bool:
    if response.status_code in (401, 403, 404):
        return True
    # login_required sends the visitor to sign in, remembering where they were going; a temporary
    # password sends the user to change it first
    location = response.headers.get("Location", "")
    return response.status_code == 302 and ("/auth/login?next=" in location or (
        location.endswith("/auth/password") and not path.startswith("/auth/password")))


def test_every_route_has_an_entry(app):
    endpoints = {rule.endpoint for rule in app.url_map.iter_rules()}
    missing = sorted(endpoints - set(ROUTES))
    assert not missing, f"routes without an access rule in ROUTES: {missing}"
    stale = sorted(set(ROUTES) - endpoints)
    assert not stale, f"ROUTES names endpoints that no longer exist: {stale}"


#: an allowed request starts the import job's thread, which reads the scenario on its own connection
THREADED = {"documents.confirm", "documents.retry"}


@pytest.mark.parametrize("endpoint", [pytest.param(e, marks=pytest.mark.commits) if e in THREADED else e
                                      for e in sorted(ROUTES)])
def test_access_matrix(app, endpoint):
    route = ROUTES[endpoint]
    scenario = Scenario()
    # the denied first: an allowed user's request may change the scenario
    for who in sorted(USERS, key=lambda k: k in route.allowed):
        response = call(app, scenario, route, who)
        assert response.status_code < 500, (endpoint, who, response.status_code)
        path = route.path.format(**scenario.values)
        if who in route.allowed:
            assert not denied(response, path), (endpoint, who, response.status_code)
        else:
            assert denied(response, path), (endpoint, who, response.status_code)
