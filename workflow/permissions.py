"""Who may do or see what: every "may this user …" question of the pages, the API, the documents,
the dashboard, the inbox, the notifications and the templates is a function here.

Plain attribute checks on the user, the township and the revision (no Flask, no database queries):
a rule is written once, so a new kind of actor (a deputy acting for a reviewer) is honoured by
changing it here. The machine's own table (which role makes which move) stays in states.py;
`may_move` asks it.
"""
from __future__ import annotations

from dataclasses import dataclass

from dutylist import clock

from .errors import Conflict, Forbidden
from .states import EDITABLE, Status, waiting_role

DRAFTER, OFFICE, DEPARTMENT = "township_drafter", "county_office", "county_department"
PREFECTURE, REGION = "prefecture_reviewer", "region_reviewer"
#: the county 司法局's legality reviewer (合法性审查), on a department of the county
LEGAL = "legality_reviewer"
#: 三员分立: the system, security and audit administrators; none of them acts in reviews
SYSTEM_ADMIN, SECURITY_ADMIN, AUDIT_ADMIN = "system_admin", "security_admin", "audit_admin"
ADMINISTRATORS = (SYSTEM_ADMIN, SECURITY_ADMIN, AUDIT_ADMIN)
#: the roles that review revisions (everyone but the administrators)
REVIEWERS = (DRAFTER, OFFICE, DEPARTMENT, LEGAL, PREFECTURE, REGION)

#: From which state on each higher level may see a revision.
_STAGE_VISIBLE = {
    PREFECTURE: {Status.prefecture_review, Status.region_review, Status.published},
    REGION: {Status.region_review, Status.published},
}


# ------------------------------------------------------------------ the user's area ----
@dataclass(frozen=True)
class Area:
    """The townships a user has business with: those under one organisation (or all)."""

    level: str  #: township | county | prefecture | region | all
    org_id: int | None


def area_of(user) -> Area | None:
    """The user's area: a drafter's township, a county body's county, a prefecture, a region;
    the system administrator's is everything (to read, as the former single administrator's was);
    the security and audit administrators and an account without a role have none."""
    org = user.organisation
    if user.role == DRAFTER:
        return Area("township", org.id)
    if user.role in (OFFICE, DEPARTMENT, LEGAL):
        return Area("county", org.parent_id)
    if user.role == PREFECTURE:
        return Area("prefecture", org.id)
    if user.role == REGION:
        return Area("region", org.id)
    if user.role == SYSTEM_ADMIN:
        return Area("all", None)
    return None


def _chain(township):
    """(county, prefecture, region) ids of a township."""
    county = township.parent
    prefecture = county.parent if county is not None else None
    region = prefecture.parent if prefecture is not None else None
    return (getattr(county, "id", None), getattr(prefecture, "id", None), getattr(region, "id", None))


def acts_for(user, township) -> bool:
    """True if the user's organisation is responsible for this township at its level."""
    area = area_of(user)
    if area is None or area.level == "all":
        return False
    if area.level == "township":
        return area.org_id == township.id
    county_id, prefecture_id, region_id = _chain(township)
    return area.org_id == {"county": county_id, "prefecture": prefecture_id, "region": region_id}[area.level]


# ------------------------------------------------------------------ deputies (代理) ----
#: the reviewers who may name a deputy (a township's drafter does not: the draft is the township's)
DELEGATING = (OFFICE, DEPARTMENT, LEGAL, PREFECTURE, REGION)
DELEGATING_MESSAGE = "只有县委编办、县直部门、司法局合法性审查、州和自治区的审核人可以指定代理人"


def can_name_deputy(user) -> bool:
    return user.role in DELEGATING


def deputy_refusal(user, deputy) -> str | None:
    """Why this user may not name that one as deputy (None: they may): only a reviewer, only another
    active user of the same organisation with the same role (no deputy across organisations)."""
    if not can_name_deputy(user):
        return DELEGATING_MESSAGE
    if deputy is None:
        return "请选择代理人"
    if deputy.id == user.id:
        return "不能指定本人为代理人"
    if deputy.organisation_id != user.organisation_id:
        return "代理人必须是本单位的用户，不能跨单位代理"
    if not deputy.active or deputy.role != user.role:
        return "代理人必须是本单位在用的同一角色账号"
    return None


def delegators_of(user, day=None) -> list:
    """The users who named this user their deputy, in force on the day (today by default): within
    the period, not withdrawn, both still of the organisation and of the same role."""
    day = day or clock.today()
    return [d.delegator for d in getattr(user, "deputyships", ())
            if d.active_on(day) and d.delegator.role == user.role]


def principals(user, day=None) -> list:
    """Whose work the user may do today: their own, and that of everyone who named them deputy. Every
    check of work given to one person (a consultation assigned to a user) asks this."""
    return [user, *delegators_of(user, day)]


def acting_for(user, revision=None, day=None):
    """The reviewer whose name the user acts in now (None: their own); what the operations record as
    on_behalf_of. A department's consultation assigned to a user is that user's work: their deputy acts
    for them, they act for themselves. Otherwise, while a deputyship is in force, the deputy does the
    review work of the one who named them (the first named, if several did) in that person's name."""
    if user is None:  # the system itself (a sign-off carried over)
        return None
    delegators = delegators_of(user, day)
    if revision is not None and user.role == DEPARTMENT:
        c = consultation_of(user, revision)
        if c is not None and c.assignee_id is not None:
            return next((p for p in delegators if p.id == c.assignee_id), None)
    return delegators[0] if delegators else None


def may_be_assigned(user, department) -> bool:
    """Whether the county office may give a department's consultation to this user: an active
    reviewer of that department."""
    return user is not None and user.active and user.role == DEPARTMENT and user.organisation_id == department.id


def may_handle_consultation(user, consultation) -> bool:
    """A consultation assigned to a user is theirs (or their deputy's); one not assigned, any user of
    the department's."""
    return consultation.assignee_id is None or any(p.id == consultation.assignee_id for p in principals(user))


# ------------------------------------------------------------------ reading ----
def is_administrator(user) -> bool:
    """One of the three administrators (三员)."""
    return user.role in ADMINISTRATORS


def is_consulted(user, revision) -> bool:
    return user.role == DEPARTMENT and consultation_of(user, revision) is not None


def consultation_of(user, revision):
    """The user's department's consultation on the revision, if it was asked."""
    if user.role != DEPARTMENT:
        return None
    return next((c for c in revision.consultations if c.department_id == user.organisation_id), None)


def can_read_revision(user, revision) -> bool:
    """Drafts and their opinions are shown only to those with business in them (and, to read only, to
    the system administrator, who helps the users)."""
    if user.role == SYSTEM_ADMIN:
        return True
    if not acts_for(user, revision.township):
        return False
    if user.role in (DRAFTER, OFFICE):
        return True
    if user.role == DEPARTMENT:
        return is_consulted(user, revision)
    if user.role == LEGAL:
        return reviews_legality(user, revision)
    # a higher level sees what reached it, and what it sent back
    return Status(revision.status) in _STAGE_VISIBLE[user.role] or any(
        o.organisation_id == user.organisation_id for o in revision.opinions)


def reviews_legality(user, revision) -> bool:
    """The county 司法局 reads a draft of its county from the moment it reaches legality review, and
    keeps reading one it concluded on (as a higher level keeps what it sent back)."""
    if user.role != LEGAL or not acts_for(user, revision.township):
        return False
    return Status(revision.status) == Status.legality_review or any(
        c.organisation_id == user.organisation_id for c in legality_conclusions(revision))


def legality_conclusions(revision) -> list:
    """The legality conclusions of a revision, one per pass (the relationship the model adds)."""
    return list(getattr(revision, "legality_conclusions", ()) or ())


def sees_whole_draft(user, revision) -> bool:
    """Whoever may read a draft sees all of it (its tables, every change, the downloads): a consulted
    department too, with the changes that name it marked and listed first (marks_concerning)."""
    return can_read_revision(user, revision)


def marks_concerning(user, revision) -> bool:
    """Whether the pages mark (and list first) the changes that name the user's department."""
    return is_consulted(user, revision)


def visible_opinions(user, revision) -> list:
    """The opinions shown to the user. A consulted department sees its own and those of the county
    office, the prefecture and the region (with the township's answers to them), not the other
    departments': each department's opinion and sign-off is its own view, compiled by the office in
    the 意见汇总表. Everyone else who may read the draft sees every opinion."""
    if user.role != DEPARTMENT:
        return list(revision.opinions)
    # the 司法局's 需修改 reasons are the county's own legality check, not another department's view
    return [o for o in revision.opinions if o.organisation_id == user.organisation_id
            or o.organisation.kind != "department" or o.stage == "legality"]


def can_view_dashboard(user) -> bool:
    return user.role in (OFFICE, PREFECTURE, REGION, SYSTEM_ADMIN)


def can_read_audit_log(user) -> bool:
    """The audit log, its verification and its head: the audit administrator's, and only theirs."""
    return user.role == AUDIT_ADMIN


def can_import_new_township(user) -> bool:
    """A new township's first list comes from a file imported by the system administrator."""
    return user.role == SYSTEM_ADMIN


# ------------------------------------------------------------------ a change of law (issue 14.3–14.4) ----
#: the establishment offices: the county's, and the prefecture's and region's reviewers
LAW_OFFICES = (OFFICE, PREFECTURE, REGION)


def can_change_basis_status(user, basis=None) -> bool:
    """Mark a basis of the library amended or repealed: the establishment offices (county, prefecture,
    region) that may edit the entry (can_edit_basis); the flags then reach every township citing it."""
    return user.role in LAW_OFFICES and (basis is None or can_edit_basis(user, basis))


def can_open_adjustments(user) -> bool:
    """Open adjustment drafts for the townships of one's area whose items cite a changed basis: the
    county office, the prefecture and the region for theirs."""
    return user.role in LAW_OFFICES


def can_open_adjustment_for(user, township) -> bool:
    return can_open_adjustments(user) and acts_for(user, township)


def can_read_basis_impact(user) -> bool:
    """Which townships and items cite a changed basis (within the user's area): anyone with an area."""
    return area_of(user) is not None


# ------------------------------------------------------------------ administration (三员分立) ----
def can_manage_organisations(user) -> bool:
    """Add, rename, move, close organisations; the county department registries (aliases, merges)."""
    return user.role == SYSTEM_ADMIN


def can_manage_accounts(user) -> bool:
    """Create, edit, bulk-create and export accounts (roles are not theirs to give)."""
    return user.role == SYSTEM_ADMIN


def can_view_accounts(user) -> bool:
    """The list and pages of accounts: the system administrator's work, and the security
    administrator's (to give roles, unlock, end sessions)."""
    return user.role in (SYSTEM_ADMIN, SECURITY_ADMIN)


def can_edit_account(user, account) -> bool:
    """Name, organisation, e-mail: the system administrator, of any account but their own."""
    return user.role == SYSTEM_ADMIN and account.id != user.id


def can_reset_account(user, account) -> bool:
    """Reset the password, deactivate, reactivate: the system administrator for ordinary accounts;
    an administrator's account only the security administrator (else the system administrator could
    take over the auditor's); never one's own (that is /auth/password)."""
    if account.id == user.id:
        return False
    if account.role in ADMINISTRATORS:
        return user.role == SECURITY_ADMIN
    return user.role == SYSTEM_ADMIN


def is_security_administrator(user) -> bool:
    return user.role == SECURITY_ADMIN


def can_assign_roles(user) -> bool:
    return user.role == SECURITY_ADMIN


def can_assign_role(user, account) -> bool:
    """The security administrator gives roles, never to their own account."""
    return can_assign_roles(user) and account.id != user.id


def can_secure_account(user, account) -> bool:
    """Unlock a sign-in, end every session, revoke API tokens: the security administrator, of any
    account but their own."""
    return user.role == SECURITY_ADMIN and account.id != user.id


def can_read_auditor_actions(user) -> bool:
    """The security administrator sees what the audit administrator did (the auditor sees the other two
    in the whole log)."""
    return user.role == SECURITY_ADMIN


def is_administrator_role(role) -> bool:
    """Whether a role (not a user) is one of the three administrators'."""
    return role in ADMINISTRATORS


def has_role(user) -> bool:
    return user.role is not None


# ------------------------------------------------------------------ what a signed-in account may open ----
#: open to everyone, signed in or not
PUBLIC_ENDPOINTS = frozenset({"static", "lists.favicon", "auth.login", "api.openapi"})
#: the public portal (政务公开): every page of it is open to everyone, whatever their account's state
PUBLIC_BLUEPRINT = "public"


def is_public_endpoint(endpoint: str | None) -> bool:
    """Open to everyone, signed in or not: the sign-in page, static files, the portal (/public/)."""
    return endpoint is not None and (endpoint in PUBLIC_ENDPOINTS or endpoint.split(".", 1)[0] == PUBLIC_BLUEPRINT)
#: every signed-in account, whatever its role (or none): its own password, e-mail, signing out
OWN_ACCOUNT_ENDPOINTS = frozenset({"auth.logout", "auth.change_password", "auth.change_email", "auth.waiting"})
#: while the password is a temporary one: only changing it, and signing out
TEMPORARY_PASSWORD_ENDPOINTS = frozenset({"auth.logout", "auth.change_password"})
#: the audit administrator's pages: the log, its verification, its head
AUDIT_ENDPOINTS = frozenset({"admin.audit", "admin.audit_verify", "admin.audit_head"})

TEMPORARY_PASSWORD_MESSAGE = "请先修改临时密码，然后才能继续使用系统"
NO_ROLE_MESSAGE = "您的账号尚未分配角色，请联系安全保密管理员"
AUDITOR_MESSAGE = "安全审计员只能查看和校验操作日志"


def must_change_password_first(user, endpoint: str | None) -> bool:
    """A user with a temporary password may only change it (or sign out) before anything else."""
    return (bool(user.must_change_password) and not is_public_endpoint(endpoint)
            and endpoint not in TEMPORARY_PASSWORD_ENDPOINTS)


def refusal(user, endpoint: str | None) -> str | None:
    """Why the signed-in user may not open this page at all (None: the page decides): an account
    without a role opens only its own account's pages; the audit administrator the audit log too."""
    if endpoint is None or is_public_endpoint(endpoint) or endpoint in OWN_ACCOUNT_ENDPOINTS:
        return None
    if user.role is None:
        return NO_ROLE_MESSAGE
    if user.role == AUDIT_ADMIN and endpoint not in AUDIT_ENDPOINTS:
        return AUDITOR_MESSAGE
    return None


#: the audit administrator's API: the audit log
AUDIT_API_ENDPOINTS = frozenset({"api.audit"})


def api_refusal(user, endpoint: str | None = None) -> str | None:
    """Why the user's API token may not be used now (None: it may): a temporary password to change
    first, no role yet, or the audit administrator anywhere but the audit log."""
    if user.must_change_password:
        return "请先在网页上修改临时密码，然后才能使用 API"
    if user.role is None:
        return NO_ROLE_MESSAGE
    if user.role == AUDIT_ADMIN and endpoint not in AUDIT_API_ENDPOINTS:
        return AUDITOR_MESSAGE
    return None


def home_endpoint(user) -> str:
    """Where the user lands after signing in: the audit log for the auditor, a waiting page for an
    account without a role, the lists for everyone else."""
    if user.role is None:
        return "auth.waiting"
    if user.role == AUDIT_ADMIN:
        return "admin.audit"
    return "lists.index"


def reads_lists(user) -> bool:
    """Published lists, search, comparison, the inbox: every role but the audit administrator."""
    return user.role is not None and user.role != AUDIT_ADMIN


# ------------------------------------------------------------------ drafting ----
def can_start_revision(user, township) -> bool:
    return user.role == DRAFTER and acts_for(user, township)


def can_edit_draft(user, revision) -> bool:
    """Whether the user is the township's drafter (the state is checked by the operations)."""
    return user.role == DRAFTER and acts_for(user, revision.township)


def can_edit_now(user, revision) -> bool:
    return can_edit_draft(user, revision) and Status(revision.status) in EDITABLE


def can_answer_opinions(user, revision) -> bool:
    return can_edit_draft(user, revision)


def can_reply_to_opinion(user, revision) -> bool:
    """A further word in an opinion's thread: anyone who may read the draft and takes part in reviews."""
    return can_read_revision(user, revision) and user.role in REVIEWERS


# ------------------------------------------------------------------ reviewing ----
def may_move(user, roles) -> bool:
    """Whether the user's role is among those the machine lets make a move (states.TRANSITIONS)."""
    return user.role in roles


def can_extend_rounds(user, revision) -> bool:
    return user.role == OFFICE and acts_for(user, revision.township)


def can_manage_consultations(user, revision) -> bool:
    """Add, release, extend or record a lapsed department: the county office, while it reviews."""
    return is_county_office_of(user, revision) and Status(revision.status) == Status.county_review


def is_legality_reviewer_of(user, revision) -> bool:
    """A legality reviewer of the revision's county (the 司法局 of that county)."""
    return user.role == LEGAL and acts_for(user, revision.township)


def can_conclude_legality(user, revision) -> bool:
    """The county 司法局's legality reviewer concludes (合法 / 需修改) while the draft is in legality review."""
    return (user.role == LEGAL and acts_for(user, revision.township)
            and Status(revision.status) == Status.legality_review)


def is_county_office_of(user, revision) -> bool:
    return user.role == OFFICE and acts_for(user, revision.township)


def opinion_stage(user, revision) -> str:
    """Which stage's opinion the user may write now: county | prefecture | region; Forbidden or
    Conflict (with the reason) when none."""
    status = Status(revision.status)
    if not acts_for(user, revision.township):
        raise Forbidden("该修订稿不属于您所在单位的管辖范围")
    if user.role == DEPARTMENT:
        c = consultation_of(user, revision)
        if c is None:
            raise Forbidden("本部门未被征求意见")
        if not may_handle_consultation(user, c):
            raise Forbidden(f"本部门的征求意见已交由{c.assignee.display_name}办理")
        if status != Status.county_review or not c.pending:
            raise Conflict("当前无需本部门提出意见（未在征求意见阶段或已签署）")
        return "county"
    if user.role == OFFICE:
        if status != Status.county_review:
            raise Conflict("只能在县级审核阶段提出意见")
        return "county"
    if user.role == PREFECTURE and status == Status.prefecture_review:
        return "prefecture"
    if user.role == REGION and status == Status.region_review:
        return "region"
    if user.role in (PREFECTURE, REGION):
        raise Conflict("只能在本级审核阶段提出意见")
    raise Forbidden("您的角色不能提出审核意见")


def check_sign_off(user, revision):
    """The consultation the user signs off now; Forbidden or Conflict (with the reason) otherwise."""
    if user.role != DEPARTMENT:
        raise Forbidden("只有被征求意见的县直部门可以签署")
    opinion_stage(user, revision)
    return consultation_of(user, revision)


def can_write_opinion(user, revision) -> bool:
    try:
        return bool(opinion_stage(user, revision))
    except (Forbidden, Conflict):
        return False


def can_sign_off(user, revision) -> bool:
    c = consultation_of(user, revision)
    return (c is not None and c.pending and Status(revision.status) == Status.county_review
            and may_handle_consultation(user, c))


def can_reassign_consultation(user, revision, consultation) -> bool:
    """The county office, while it reviews, gives a department's pending consultation to another
    user of that department."""
    return can_manage_consultations(user, revision) and consultation.pending


# ------------------------------------------------------------------ who it waits on ----
def waiting_on_state(status, pending_departments: int = 0) -> str | None:
    """The role a revision in this state waits on (states.waiting_role), or the consulted departments
    while some of them have not signed off this round; None when it is closed."""
    if Status(status) == Status.county_review and pending_departments:
        return DEPARTMENT
    return waiting_role(status)


def waiting_on(revision) -> str | None:
    """waiting_on_state for a revision (its consultations counted)."""
    return waiting_on_state(revision.status, sum(1 for c in revision.consultations if c.pending))


def waits_on_user(user, revision) -> bool:
    """Whether the revision is on the user's to-do list: a consulted department while its sign-off
    is pending; otherwise the role whose move the state waits for (the county office keeps a
    revision under review while its departments answer)."""
    if user.role == DEPARTMENT:
        return can_sign_off(user, revision)
    return acts_for(user, revision.township) and waiting_role(revision.status) == user.role


# ------------------------------------------------------------------ filing (备案) ----
#: which role acknowledges filings at which level, and the reverse
_ACKNOWLEDGER = {"prefecture": PREFECTURE, "region": REGION}


def acknowledging_level(user) -> str | None:
    """The filing level the user's office receives (prefecture or region), or None."""
    return {PREFECTURE: "prefecture", REGION: "region"}.get(user.role)


def can_acknowledge_filing(user, filing) -> bool:
    """Only a reviewer of the office the version was filed with confirms receipt."""
    return user.role == _ACKNOWLEDGER.get(filing.level) and user.organisation_id == filing.office_id


def filing_area(user) -> Area | None:
    """Whose filings the user may read: the county office its county's (to see them received), the
    prefecture and the region their area's, the system administrator all (to read); nobody else."""
    if user.role in (OFFICE, PREFECTURE, REGION, SYSTEM_ADMIN):
        return area_of(user)
    return None


def can_read_filings(user) -> bool:
    return filing_area(user) is not None


def can_read_filing(user, filing) -> bool:
    if not can_read_filings(user):
        return False
    return user.role == SYSTEM_ADMIN or acts_for(user, filing.township)


# ------------------------------------------------------------------ adjustment requests (调整申请) ----
def can_make_requests(user) -> bool:
    """A township's drafter (for its township) and a county department (for townships of its county)."""
    return user.role in (DRAFTER, DEPARTMENT)


def request_refusal(user, township) -> str | None:
    """Why the user may not ask for changes to this township's list (None: they may): a township asks
    for itself, a county department for the townships of its own county."""
    if township is None or township.kind != "township":
        return "乡镇不存在"
    if user.role == DRAFTER:
        return None if user.organisation_id == township.id else "乡镇只能为本乡镇提出调整申请"
    if user.role == DEPARTMENT:
        if user.organisation.parent_id != township.parent_id:
            return f"县直部门只能为本县的乡镇提出调整申请，{township.name}不属于本县"
        return None
    return "只有乡镇和县直部门可以提出调整申请"


def can_decide_request(user, request) -> bool:
    """Only the county office of the request's county accepts or rejects it."""
    return user.role == OFFICE and user.organisation.parent_id == request.county_id


def _county_within(user, county) -> bool:
    """Whether the county is in the prefecture's or region's area of the user."""
    if county is None:
        return False
    if user.role == PREFECTURE:
        return county.parent_id == user.organisation_id
    if user.role == REGION:
        return county.parent is not None and county.parent.parent_id == user.organisation_id
    return False


def can_read_request(user, request) -> bool:
    """The requesting organisation, the townships concerned, the county office, the levels above, and
    (to read) the system administrator; not the other departments."""
    if user.role == SYSTEM_ADMIN or user.organisation_id == request.organisation_id:
        return True
    if user.role == OFFICE:
        return user.organisation.parent_id == request.county_id
    if user.role == DRAFTER:
        return any(t.township_id == user.organisation_id for t in request.townships)
    return _county_within(user, request.county)


def decides_requests(user) -> bool:
    """A county office: it decides its county's requests (its inbox lists those waiting)."""
    return user.role == OFFICE


def request_area(user) -> Area | None:
    """Whose requests the user may read, for listings (can_read_request, as an area): a township those
    concerning it or made by it ("township"), a department its own ("organisation"), a county office its
    county's, the prefecture and the region their area's, the system administrator all."""
    if user.role == DRAFTER:
        return Area("township", user.organisation_id)
    if user.role == DEPARTMENT:
        return Area("organisation", user.organisation_id)
    if user.role in (OFFICE, PREFECTURE, REGION, SYSTEM_ADMIN):
        return area_of(user)
    return None


def can_list_requests(user) -> bool:
    """The requests page: those who make, decide or oversee requests (every reviewing role)."""
    return user.role in REVIEWERS or user.role == SYSTEM_ADMIN


def can_read_admission_register(user) -> bool:
    """The 准入 register: the county office (its county's), the prefecture and the region (their area's),
    the system administrator (to read)."""
    return user.role in (OFFICE, PREFECTURE, REGION, SYSTEM_ADMIN)
# ------------------------------------------------------------------ the library of bases (依据库) ----
#: the establishment offices that keep the library: the county office, the prefecture, the region
BASIS_KEEPERS = (OFFICE, PREFECTURE, REGION)
BASIS_KEEPER_MESSAGE = "依据库由县委编办、州和自治区编办维护，您只能查阅"


def can_read_bases(user) -> bool:
    """The library is read by everyone signed in who reads the lists."""
    return reads_lists(user)


def can_add_basis(user) -> bool:
    """Adding to the library (by hand or from an Excel sheet): the establishment offices."""
    return user.role in BASIS_KEEPERS


def _owner_chain(org) -> tuple:
    """The ids of an organisation and of everything above it."""
    out = []
    while org is not None:
        out.append(org.id)
        org = org.parent
    return tuple(out)


def can_edit_basis(user, basis) -> bool:
    """Editing an entry (and marking it amended or repealed): the office that added it, or an office
    above it (the prefecture over its counties' entries, the region over everything in its area)."""
    if not can_add_basis(user):
        return False
    if basis.owner_id == user.organisation_id:
        return True
    return user.role in (PREFECTURE, REGION) and user.organisation_id in _owner_chain(basis.owner)


# ------------------------------------------------------------------ for the templates ----
def nav(user) -> dict[str, bool]:
    """Which entries of the header's menu the user has."""
    return {"dashboard": can_view_dashboard(user), "import": can_import_new_township(user),
            "audit": can_read_audit_log(user), "organisations": can_manage_organisations(user),
            "accounts": can_view_accounts(user), "security": can_assign_roles(user),
            "deputies": can_name_deputy(user), "filings": can_read_filings(user), "bases": can_read_bases(user)}
