"""The reviewers' dashboard: every township in the user's area with its version and open revision.

The same seven set-based queries whatever the number of townships: the area's counties; one GROUP BY
for the counts per state; one page of rows (filtered, sorted, cut by LIMIT/OFFSET in SQL); for that
page only, the departments still to sign off, the current versions and the rounds of past published
revisions; and one for the rounds chart. Nothing is queried per township.
"""
from __future__ import annotations

from dataclasses import astuple, dataclass, field
from datetime import date, datetime

from sqlalchemy import Date, and_, bindparam, case, func, select
from sqlalchemy.orm import aliased

from workflow import permissions as perm
from workflow.states import OPEN, STATUS_LABELS, Status

from .. import caching, clock
from ..models import Consultation, ConsultationRound, Organisation, OrgKind, Revision, Version
from ..services import prepared

NONE = "none"  #: the "state" of a township with no open revision
STATES = [s.value for s in OPEN] + [NONE]
STATE_LABELS = {**{s.value: STATUS_LABELS[s] for s in OPEN}, NONE: "无进行中的修订"}
#: the workflow order, for sorting by state
_STATE_ORDER = {s: i for i, s in enumerate(
    ["drafting", "submitted", "county_review", "legality_review", "returned", "county_approved", "prefecture_review",
     "region_review"])}
SORTS = ("township", "state", "deadline", "overdue")
#: who a row waits on (workflow.permissions.waiting_on_state), as the page names it
WAITS = {perm.DRAFTER: "township", perm.OFFICE: "office", perm.DEPARTMENT: "departments",
         perm.LEGAL: "legality", perm.PREFECTURE: "prefecture", perm.REGION: "region"}
WAIT_LABELS = {"township": "乡镇", "office": "县委编办", "departments": "县直部门", "legality": "县司法局",
               "prefecture": "州编办",
               "region": "自治区编办", "": "—"}
PAGE = 100
#: up to this many townships the rounds chart has one bar per township, above it a distribution
PER_TOWNSHIP_CHART = 40

#: a consultation still waiting for the department's sign-off
PENDING = ConsultationRound.state == "pending"


@dataclass
class Row:
    township_id: int
    township: str
    county_id: int
    county: str
    prefecture_id: int
    prefecture: str
    version_number: int | None
    version_date: datetime | None
    version_total: int | None
    revision_id: int | None
    status: str
    round: int | None
    max_rounds: int | None
    title: str | None
    deadline: date | None  #: the departments' deadline, while the county consults them
    pending_departments: int
    overdue_days: int
    rounds: list[int] = field(default_factory=list)  #: rounds used by past published revisions

    @property
    def state_label(self) -> str:
        return STATE_LABELS[self.status]

    @property
    def waits_on(self) -> str:
        """township | office | departments | prefecture | region | '' (nothing open)."""
        if self.status == NONE:
            return ""
        return WAITS.get(perm.waiting_on_state(self.status, self.pending_departments), "")

    @property
    def waits_on_label(self) -> str:
        if self.waits_on == "departments":
            return f"{self.pending_departments} 个县直部门"
        return WAIT_LABELS[self.waits_on]


@dataclass
class Filters:
    prefecture: int | None = None
    county: int | None = None
    state: str | None = None
    overdue: bool = False
    sort: str = "township"
    desc: bool = False
    page: int = 1

    @classmethod
    def from_args(cls, args) -> Filters:
        """Filters from a query string; anything unknown is ignored rather than refused."""
        county = args.get("county", "")
        prefecture = args.get("prefecture", "")
        state = args.get("state") or None
        sort = args.get("sort") or "township"
        page = args.get("page", "")
        return cls(prefecture=int(prefecture) if prefecture.isdigit() and int(prefecture) < 2**31 else None,
                   county=int(county) if county.isdigit() and int(county) < 2**31 else None,
                   state=state if state in STATES else None,
                   overdue=args.get("overdue") in ("1", "on", "true"),
                   sort=sort if sort in SORTS else "township",
                   desc=args.get("dir") == "desc",
                   page=max(1, min(int(page), 10**6)) if page.isdigit() else 1)


@dataclass
class Dashboard:
    rows: list[Row]
    total: int  #: rows matching the filters (all pages)
    counts: dict[str, int]  #: per state, over the area (and county filter), ignoring the state filter
    overdue: int  #: overdue townships, same scope as counts
    counties: list[tuple[int, str]]  #: the counties offered in the filter
    filters: Filters
    rounds_chart: dict  #: {"per_township": [(name, rounds)]} or {"distribution": [(rounds, n)]}
    today: date
    prefectures: list[tuple[int, str]] = field(default_factory=list)  #: offered when the area has several

    @property
    def area_total(self) -> int:
        return sum(self.counts.values())

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // PAGE))


#: module-level aliases: SQLAlchemy memoizes their adapted columns, new ones per request cost ~10 ms
TOWN = aliased(Organisation, name="town")
COUNTY = aliased(Organisation, name="county")
PREF = aliased(Organisation, name="pref")
OLDER = aliased(Version, name="older")


class _Q:
    """The aliases and expressions the dashboard's queries share.

    The area is given as its counties' ids (`town.parent_id IN (...)`), not as a join up the
    organisation tree: PostgreSQL estimated that three-level self-join at a few dozen rows when it
    held 40,000 and answered with 40,000 nested-loop probes; an IN list it estimates well.

    `today` and `county_ids` are bind parameters (`today`, `counties`): every statement is built and
    compiled once per shape (services.prepared) and run with the request's values.
    """

    def __init__(self, today, county_ids):
        self.town, self.county, self.pref = TOWN, COUNTY, PREF
        self.today = today
        # a department asked in this round that has not signed off: an index probe per revision
        # (joining a GROUP BY of the consultations made PostgreSQL re-run it in a nested loop)
        self.has_pending = (select(ConsultationRound.id)
                            .join(Consultation, ConsultationRound.consultation_id == Consultation.id)
                            .where(Consultation.revision_id == Revision.id, PENDING,
                                   ConsultationRound.submission == Revision.submissions)
                            .correlate(Revision).exists())
        self.deadline = case((Revision.status == Status.county_review.value, Revision.deadline), else_=None)
        self.is_overdue = and_(Revision.status == Status.county_review.value, Revision.deadline < today,
                               self.has_pending)
        self.scope = and_(self.town.kind == OrgKind.township, self.town.parent_id.in_(county_ids))

    def base(self, *columns, with_revision=True, with_names=False):
        town = self.town
        stmt = select(*columns).select_from(town)
        if with_names:  # by primary key: no estimate to get wrong
            stmt = (stmt.join(self.county, town.parent_id == self.county.id)
                    .join(self.pref, self.county.parent_id == self.pref.id))
        stmt = stmt.where(self.scope)
        if with_revision:
            stmt = stmt.outerjoin(Revision, and_(Revision.township_id == town.id, Revision.is_open_clause()))
        return stmt


#: a county filter lists every county of the area up to this many, else those of the chosen prefecture
MAX_COUNTY_OPTIONS = 60


def area_counties(user) -> list[tuple[int, str, int, str]]:
    """(id, name, prefecture id, prefecture name) of the counties in the user's area, in tree order."""
    area = perm.area_of(user)
    if area is None or area.level == "township":
        return []
    level = area.level

    def build():
        county, pref = COUNTY, PREF
        stmt = (select(county.id, county.name, pref.id, pref.name).select_from(county)
                .join(pref, county.parent_id == pref.id)
                .where(county.kind == OrgKind.county).order_by(pref.id, county.id))
        if level == "county":
            stmt = stmt.where(county.id == bindparam("org_id"))
        elif level == "prefecture":
            stmt = stmt.where(pref.id == bindparam("org_id"))
        elif level == "region":
            stmt = stmt.where(pref.parent_id == bindparam("org_id"))
        return stmt
    params = {"org_id": area.org_id} if level in ("county", "prefecture", "region") else {}
    return [tuple(r) for r in prepared.fetch(("dashboard.area", level), build, params)]


_SHARED: list = []


def _q() -> _Q:
    """The shared expressions, over the bind parameters `today` and `counties` (made once)."""
    if not _SHARED:
        _SHARED.append(_Q(bindparam("today", type_=Date), bindparam("counties", expanding=True)))
    return _SHARED[0]


_BOARDS = caching.LRU(256)


def cached_build(user, filters: Filters) -> Dashboard:
    """build(), reused while no audited change has happened since (caching.state_token: every move of
    a revision, consultation or version is audited) and the day is the same (overdue days count from
    today). What build reads of the user is the area, from the role and organisation: the key. Off with
    QUERY_CACHE = False."""
    if not caching.enabled():
        return build(user, filters)
    today = clock.today()
    key = (caching.state_token(), today, perm.area_of(user), astuple(filters), MAX_COUNTY_OPTIONS)
    return _BOARDS.get_or_make(key, lambda: build(user, filters, today))


def build(user, filters: Filters, today: date | None = None) -> Dashboard:
    """The dashboard of a county office, prefecture, region reviewer or administrator."""
    today = today or clock.today()
    area = area_counties(user)
    prefectures = list(dict.fromkeys((pid, pname) for _, _, pid, pname in area))
    if filters.prefecture not in {pid for pid, _ in prefectures}:
        filters.prefecture = None
    counties = [(cid, name) for cid, name, pid, _ in area if filters.prefecture in (None, pid)]
    if filters.county is not None and filters.county not in {c for c, _ in counties}:
        filters.county = None
    county_ids = [filters.county] if filters.county is not None else [c for c, _ in counties]
    area_params = {"today": today, "counties": county_ids}

    # counts per state (and overdue) over the area: ignores the state / overdue filters
    def counts_stmt():
        q = _q()
        return (q.base(Revision.status, func.count(), func.sum(case((q.is_overdue, 1), else_=0)))
                .group_by(Revision.status))
    counts = dict.fromkeys(STATES, 0)
    overdue_total = 0
    for status, count, n_overdue in prepared.fetch(("dashboard.counts",), counts_stmt, area_params):
        counts[status or NONE] = count
        overdue_total += int(n_overdue or 0)

    # one page of rows
    state_mode = "none" if filters.state == NONE else "one" if filters.state else None

    def filtered():
        q = _q()
        town, county, pref = q.town, q.county, q.pref
        stmt = q.base(town.id, town.name, county.id, county.name, pref.id, pref.name, Revision.id, Revision.status,
                      Revision.round, Revision.max_rounds, Revision.title, q.deadline, with_names=True)
        if state_mode == "none":
            stmt = stmt.where(Revision.id.is_(None))
        elif state_mode:
            stmt = stmt.where(Revision.status == bindparam("state"))
        if filters.overdue:
            stmt = stmt.where(q.is_overdue)
        return stmt

    row_params = {**area_params, **({"state": filters.state} if state_mode == "one" else {})}
    if filters.overdue:
        total = overdue_total if not filters.state else prepared.fetch(
            ("dashboard.total", state_mode), lambda: select(func.count()).select_from(filtered().subquery()),
            row_params)[0][0]
    else:
        total = counts[filters.state] if filters.state else sum(counts.values())
    sort, desc = filters.sort, filters.desc

    def page_stmt():
        q = _q()
        place = [q.pref.id, q.county.id, q.town.id]
        state_rank = case(_STATE_ORDER, value=Revision.status, else_=len(_STATE_ORDER))
        if sort == "state":
            order = [state_rank.desc() if desc else state_rank]
        elif sort == "deadline":
            order = [q.deadline.is_(None), q.deadline.desc() if desc else q.deadline]
        elif sort == "overdue":  # most overdue first: earliest deadline among the overdue
            flag = case((q.is_overdue, 0), else_=1)
            order = [flag, q.deadline.desc() if desc else q.deadline]
        else:
            order = [c.desc() for c in place] if desc else []
        return filtered().order_by(*order, *place).offset(bindparam("offset")).limit(PAGE)
    pages = max(1, -(-total // PAGE))
    filters.page = min(filters.page, pages)
    rows = []
    for r in prepared.fetch(("dashboard.rows", state_mode, filters.overdue, sort, desc, PAGE), page_stmt,
                            {**row_params, "offset": (filters.page - 1) * PAGE}):
        tid, tname, cid, cname, pid, pname, rid, status, rnd, maxr, title, deadline = r
        rows.append(Row(tid, tname, cid, cname, pid, pname, None, None, None,
                        rid, status or NONE, rnd, maxr, title, deadline, 0, 0))
    if rows:
        by_town = {r.township_id: r for r in rows}
        in_review = {r.revision_id: r for r in rows if r.status == Status.county_review}
        if in_review:  # departments still to sign off, for the page's revisions under county review
            for rid, count in prepared.fetch(
                    ("dashboard.pending",),
                    lambda: select(Consultation.revision_id, func.count())
                    .join(ConsultationRound, ConsultationRound.consultation_id == Consultation.id)
                    .join(Revision, Revision.id == Consultation.revision_id)
                    .where(Consultation.revision_id.in_(bindparam("ids", expanding=True)), PENDING,
                           ConsultationRound.submission == Revision.submissions)
                    .group_by(Consultation.revision_id), {"ids": list(in_review)}):
                row = in_review[rid]
                row.pending_departments = count
                if row.deadline is not None and row.deadline < today:
                    row.overdue_days = (today - row.deadline).days
        # the page's current versions: a correlated MAX over the (township_id, number) unique index
        older = OLDER
        towns = {"ids": list(by_town)}
        for tid, number, published_at, per_kind in prepared.fetch(
                ("dashboard.versions",),
                lambda: select(Version.township_id, Version.number, Version.published_at, Version.counts)
                .where(Version.township_id.in_(bindparam("ids", expanding=True)), Version.number == select(
                    func.max(older.number)).where(older.township_id == Version.township_id).scalar_subquery()),
                towns):
            row = by_town[tid]
            row.version_number, row.version_date = number, published_at
            row.version_total = sum((per_kind or {}).values())
        for tid, rnd in prepared.fetch(
                ("dashboard.rounds",),
                lambda: select(Revision.township_id, Revision.round)
                .where(Revision.township_id.in_(bindparam("ids", expanding=True)),
                       Revision.status == Status.published.value)
                .order_by(Revision.township_id, Revision.id), towns):
            by_town[tid].rounds.append(rnd)
    offered = counties if filters.prefecture is not None or len(counties) <= MAX_COUNTY_OPTIONS else []
    return Dashboard(rows=rows, total=total, counts=counts, overdue=overdue_total, counties=offered,
                     filters=filters, rounds_chart=_rounds_chart(county_ids, counties, sum(counts.values())),
                     today=today, prefectures=prefectures if len(prefectures) > 1 else [])


def _rounds_chart(county_ids: list[int], counties: list[tuple[int, str]], n_townships: int) -> dict:
    """Rounds used by published revisions: per township when few, else how many needed 1, 2, 3... rounds."""
    published = Revision.status == Status.published.value
    params = {"counties": county_ids}
    if n_townships <= PER_TOWNSHIP_CHART:
        def per_township():
            q = _q()
            return (q.base(q.town.id, q.town.parent_id, q.town.name, Revision.round, with_revision=False)
                    .join(Revision, and_(Revision.township_id == q.town.id, published)).order_by(Revision.id))
        latest: dict[int, tuple] = {}
        for tid, cid, name, rnd in prepared.fetch(("dashboard.chart",), per_township, params):
            latest[tid] = (cid, name, rnd)  # the most recent published revision wins
        place = {cid: i for i, (cid, _) in enumerate(counties)}
        return {"per_township": [(name, rnd) for tid, (cid, name, rnd)
                                 in sorted(latest.items(), key=lambda kv: (place.get(kv[1][0], 0), kv[0]))]}

    def distribution():
        q = _q()
        return (q.base(Revision.round, func.count(), with_revision=False)
                .join(Revision, and_(Revision.township_id == q.town.id, published))
                .group_by(Revision.round).order_by(Revision.round))
    dist = prepared.fetch(("dashboard.distribution",), distribution, params)
    return {"distribution": [(rnd, n) for rnd, n in dist]}
