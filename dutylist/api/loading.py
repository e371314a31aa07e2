"""Loading what a request names: 404 when it does not exist, 403 when the user has no business with it."""
from __future__ import annotations

from flask import current_app, g

from workflow import permissions as perm
from workflow.errors import Forbidden, NotFound

from ..config import review_route
from ..extensions import db
from ..models import DraftItem, Opinion, Organisation, OrgKind, Revision
from ..services import drafts

MAX_ID = 2**31 - 1  #: ids are 32-bit integers in the database; larger ones cannot exist


def levels() -> tuple[str, ...]:
    """The configured steps after the county's review (legality review, prefecture, region)."""
    return review_route(current_app.config)

def get(model, ident: int, message: str):
    if not 0 < ident <= MAX_ID:
        raise NotFound(message)
    obj = db.session.get(model, ident)
    if obj is None:
        raise NotFound(message)
    return obj


def township(township_id: int) -> Organisation:
    org = get(Organisation, township_id, "乡镇不存在")
    if org.kind != OrgKind.township:
        raise NotFound("乡镇不存在")
    return org


def revision(revision_id: int) -> Revision:
    """The revision, if the user has business with it (404 / 403), for reading and for acting.

    The same gate as the pages: whoever may not see a draft may do nothing with it, so an
    outsider learns nothing of its state from a 409. The operations then check role,
    organisation and state themselves (this gate never allows what they refuse)."""
    revision = get(Revision, revision_id, "修订稿不存在")
    if not perm.can_read_revision(g.api_user, revision):
        if not perm.acts_for(g.api_user, revision.township):
            raise Forbidden("该修订稿不属于您所在单位的管辖范围")
        raise Forbidden("您无权查看该修订稿（未被征求意见，或尚未轮到本级审核）")
    return revision


def draft_item(revision: Revision, draft_item_id: int) -> DraftItem:
    item = get(DraftItem, draft_item_id, "事项不存在")
    if item.revision_id != revision.id or item.deleted:
        raise NotFound("事项不存在")
    return item


def opinion(revision: Revision, opinion_id: int) -> Opinion:
    opinion = get(Opinion, opinion_id, "意见不存在")
    if opinion.revision_id != revision.id or opinion not in drafts.visible_opinions(revision, g.api_user):
        raise NotFound("意见不存在")
    return opinion


