"""Reading adjustment requests (调整申请): the requests of a user's area, the county office's pending ones,
the 准入 register (filters, Excel), and where an item or a draft came from. Writing them is
workflow.requests."""
from __future__ import annotations

import io
from dataclasses import dataclass
from datetime import date

from openpyxl import Workbook
from openpyxl.styles import Alignment, Font
from sqlalchemy import Select, and_, bindparam, or_, select
from sqlalchemy.orm import joinedload, selectinload

from workflow import permissions as perm
from workflow.errors import Forbidden, Invalid

from .. import clock, timefmt
from ..extensions import db
from ..models import (
    ACCEPTED,
    ADMISSION_OUTCOMES,
    REQUEST_STATUSES,
    REQUEST_TYPES,
    SUBMITTED,
    AdjustmentRequest,
    DraftItem,
    Item,
    ItemOrigin,
    Organisation,
    OrgKind,
    RequestTownship,
    Revision,
)
from ..textrules import put_row
from . import prepared, snapshot


def overdue_days(request: AdjustmentRequest) -> int:
    """Working or not, the days past the due date of an undecided request (0: not overdue)."""
    if request.status != SUBMITTED:
        return 0
    return max(0, (clock.today() - request.due_on).days)


def _loaded(stmt: Select) -> Select:
    return stmt.options(joinedload(AdjustmentRequest.organisation), joinedload(AdjustmentRequest.requested_by),
                        joinedload(AdjustmentRequest.decided_by), joinedload(AdjustmentRequest.county),
                        selectinload(AdjustmentRequest.townships).joinedload(RequestTownship.township),
                        selectinload(AdjustmentRequest.items))


def _county_ids(area: perm.Area) -> Select | None:
    """The counties of a prefecture's or region's area (None: another kind of area)."""
    if area.level == "prefecture":
        return select(Organisation.id).where(Organisation.parent_id == area.org_id)
    if area.level == "region":
        return select(Organisation.id).where(Organisation.parent_id.in_(
            select(Organisation.id).where(Organisation.parent_id == area.org_id)))
    return None


def _in_area(stmt: Select, user) -> Select:
    """The requests the user may read (workflow.permissions.request_area)."""
    area = perm.request_area(user)
    if area is None:
        raise Forbidden("您的角色不能查看调整申请")
    if area.level == "all":
        return stmt
    if area.level == "county":
        return stmt.where(AdjustmentRequest.county_id == area.org_id)
    if area.level == "township":
        mine = select(RequestTownship.request_id).where(RequestTownship.township_id == area.org_id)
        return stmt.where(or_(AdjustmentRequest.organisation_id == area.org_id, AdjustmentRequest.id.in_(mine)))
    if area.level == "organisation":
        return stmt.where(AdjustmentRequest.organisation_id == area.org_id)
    return stmt.where(AdjustmentRequest.county_id.in_(_county_ids(area)))


def list_for(user, type_: str | None = None, status: str | None = None) -> list[AdjustmentRequest]:
    """The requests of the user's area, newest first (?type=, ?status=)."""
    if type_ is not None and type_ not in REQUEST_TYPES:
        raise Invalid("参数 type 应为 dynamic 或 admission")
    if status is not None and status not in REQUEST_STATUSES:
        raise Invalid("参数 status 应为 submitted、accepted 或 rejected")
    stmt = _in_area(select(AdjustmentRequest), user)
    if type_:
        stmt = stmt.where(AdjustmentRequest.type == type_)
    if status:
        stmt = stmt.where(AdjustmentRequest.status == status)
    return list(db.session.scalars(_loaded(stmt).order_by(AdjustmentRequest.id.desc())).unique())


def pending_for(user) -> list[AdjustmentRequest]:
    """The requests waiting for the user's county office to decide, the oldest due first (the inbox)."""
    if not perm.decides_requests(user):
        return []
    stmt = select(AdjustmentRequest).where(AdjustmentRequest.county_id == user.organisation.parent_id,
                                           AdjustmentRequest.status == SUBMITTED)
    return list(db.session.scalars(_loaded(stmt).order_by(AdjustmentRequest.due_on, AdjustmentRequest.id)).unique())


def requests_of_revision(revision_id: int) -> list[AdjustmentRequest]:
    """The accepted requests whose changes went into a draft (the draft page: 根据调整申请 #N)."""
    stmt = (select(AdjustmentRequest).join(RequestTownship, RequestTownship.request_id == AdjustmentRequest.id)
            .where(RequestTownship.revision_id == revision_id).order_by(AdjustmentRequest.id))
    return list(db.session.scalars(stmt))


def origins(item_ids) -> dict[int, AdjustmentRequest]:
    """item id -> the accepted request it entered the list through (list pages link back to it)."""
    ids = list(item_ids)
    if not ids:
        return {}
    rows = db.session.execute(select(ItemOrigin.item_id, AdjustmentRequest)
                              .join(AdjustmentRequest, AdjustmentRequest.id == ItemOrigin.request_id)
                              .where(ItemOrigin.item_id.in_(ids))).all()
    return {item_id: request for item_id, request in rows}


def version_origins(version) -> list[tuple[dict, AdjustmentRequest]]:
    """(entry, request) for each item of a version that entered the list through an accepted request,
    in the list's order (a version never changes, nor does where its items came from)."""
    if not prepared.fetch(("requests.any_origin",),
                          lambda: select(ItemOrigin.item_id).join(Item, Item.id == ItemOrigin.item_id)
                          .where(Item.township_id == bindparam("township_id")).limit(1),
                          {"township_id": version.township_id}):
        return []  # most townships: one indexed look-up (a statement compiled once), not the version's index
    entries = snapshot.read_index(version)
    found = origins(e["item_id"] for e in entries)
    return [(e, found[e["item_id"]]) for e in entries if e["item_id"] in found]


def added_items(requests) -> dict[int, list[dict]]:
    """request id -> the items it added (id, name, table, the draft they went into and, once published,
    the version), for links from the register to them."""
    ids = [r.id for r in requests if r.status == ACCEPTED]
    out: dict[int, list[dict]] = {i: [] for i in ids}
    if not ids:
        return out
    rows = db.session.execute(
        select(ItemOrigin.request_id, DraftItem.item_id, DraftItem.name, DraftItem.kind, Revision.id,
               Revision.township_id, Revision.published_version_id)
        .join(DraftItem, DraftItem.item_id == ItemOrigin.item_id)
        .join(Revision, Revision.id == DraftItem.revision_id)
        .join(RequestTownship, and_(RequestTownship.request_id == ItemOrigin.request_id,
                                    RequestTownship.revision_id == Revision.id))
        .where(ItemOrigin.request_id.in_(ids)).order_by(ItemOrigin.request_id, DraftItem.id))
    for request_id, item_id, name, kind, revision_id, township_id, version_id in rows:
        out[request_id].append({"item_id": item_id, "name": name, "kind": kind, "revision_id": revision_id,
                                "township_id": township_id, "version_id": version_id})
    return out


# ---------------------------------------------------------------- the 准入 register ----
def _day(args, key: str) -> date | None:
    raw = (args.get(key) or "").strip()
    if not raw:
        return None
    try:
        return date.fromisoformat(raw)
    except ValueError:
        raise Invalid(f"参数 {key} 应为日期（YYYY-MM-DD）") from None


@dataclass
class Filters:
    status: str | None = None
    township_id: int | None = None
    since: date | None = None
    until: date | None = None

    @classmethod
    def from_args(cls, args) -> Filters:
        status = (args.get("status") or "").strip() or None
        if status is not None and status not in ADMISSION_OUTCOMES:
            raise Invalid("参数 status 应为 submitted（待审核）、accepted（准予准入）或 rejected（不予准入）")
        raw = (args.get("township") or "").strip()
        if raw and not raw.isdecimal():
            raise Invalid("参数 township 应为数字")
        since, until = _day(args, "from"), _day(args, "to")
        if since and until and since > until:
            raise Invalid("起始日期不能晚于截止日期")
        return cls(status, int(raw) if raw and len(raw) < 10 else None, since, until)

    def args(self) -> dict:
        return {k: v for k, v in {"status": self.status, "township": self.township_id,
                                  "from": self.since and self.since.isoformat(),
                                  "to": self.until and self.until.isoformat()}.items() if v}


def register(user, filters: Filters | None = None) -> list[AdjustmentRequest]:
    """Every 职责准入 request of the user's area and its outcome, newest first, filtered."""
    if not perm.can_read_admission_register(user):
        raise Forbidden("职责准入登记供县委编办、州和自治区编办使用")
    filters = filters or Filters()
    stmt = _in_area(select(AdjustmentRequest).where(AdjustmentRequest.type == "admission"), user)
    if filters.status:
        stmt = stmt.where(AdjustmentRequest.status == filters.status)
    if filters.township_id is not None:
        stmt = stmt.where(AdjustmentRequest.id.in_(
            select(RequestTownship.request_id).where(RequestTownship.township_id == filters.township_id)))
    rows = list(db.session.scalars(_loaded(stmt).order_by(AdjustmentRequest.id.desc())).unique())
    if filters.since or filters.until:  # days as people see them (TIMEZONE), not UTC
        rows = [r for r in rows if (filters.since is None or timefmt.localdate(r.submitted_at) >= filters.since)
                and (filters.until is None or timefmt.localdate(r.submitted_at) <= filters.until)]
    return rows


def townships(user) -> list[Organisation]:
    """The townships the register may be filtered by (those of the user's area)."""
    area = perm.request_area(user)
    stmt = select(Organisation).where(Organisation.kind == OrgKind.township)
    if area is None or area.level in ("township", "organisation"):
        return []
    if area.level == "county":
        stmt = stmt.where(Organisation.parent_id == area.org_id)
    elif area.level != "all":
        stmt = stmt.where(Organisation.parent_id.in_(_county_ids(area)))
    return list(db.session.scalars(stmt.order_by(Organisation.parent_id, Organisation.id)))


COLUMNS = (("申请编号", 10), ("县（市、区）", 14), ("涉及乡镇", 18), ("申请情形", 16), ("申请单位", 18), ("申请人", 12),
           ("申请时间", 18), ("申请事项", 40), ("申请理由", 40), ("结果", 10), ("处理时间", 18), ("处理人", 12),
           ("处理意见", 30), ("纳入的修订稿", 14))


def register_xlsx(rows: list[AdjustmentRequest], title: str) -> bytes:
    """The register as an Excel sheet; every text cell through textrules (no formulas, no awkward characters)."""
    wb = Workbook()
    ws = wb.active
    ws.title = "职责准入登记"
    put_row(ws, [title])
    ws["A1"].font = Font(bold=True, size=14)
    put_row(ws, [f"导出时间：{timefmt.localtime(timefmt.now())}（{timefmt.zone_label()}）"])
    put_row(ws, [name for name, _ in COLUMNS])
    for cell in ws[3]:
        cell.font = Font(bold=True)
        cell.alignment = Alignment(horizontal="center", vertical="center", wrap_text=True)
    for r in rows:
        put_row(ws, [f"#{r.id}", r.county.name, r.township_names, r.situation, r.organisation.name,
                     r.requested_by.display_name, timefmt.localtime(r.submitted_at),
                     "\n".join(f"{i.action_label}：{i.label}" for i in r.items), r.reason, r.status_label,
                     timefmt.localtime(r.decided_at), r.decided_by.display_name if r.decided_by else "",
                     r.decision_reason or "",
                     "、".join(f"#{t.revision_id}" for t in r.townships if t.revision_id)])
    for i, (_, width) in enumerate(COLUMNS, 1):
        ws.column_dimensions[ws.cell(row=3, column=i).column_letter].width = width
    ws.freeze_panes = "A4"
    ws.auto_filter.ref = f"A3:{ws.cell(row=3, column=len(COLUMNS)).column_letter}{max(3, ws.max_row)}"
    wb.properties.title = title
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()
