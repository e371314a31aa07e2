"""A township's history: its versions, who approved each, and the differences between them."""
from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import date

from sqlalchemy import and_, bindparam, select
from sqlalchemy.orm import defer

from workflow.errors import Invalid

from .. import timefmt
from ..caching import LRU, database_key
from ..extensions import db
from ..models import AuditEvent, ItemReason, Revision, Version, acted_by
from . import diff, snapshot

#: The moves that are approvals, and the level an approval from each state stands for.
APPROVAL_ACTIONS = ("approve", "pass_legality", "publish")
LEVEL_OF_STATE = {"county_review": "县级", "legality_review": "合法性审查（合法）", "county_approved": "县级",
                  "prefecture_review": "州级", "region_review": "自治区级"}


@dataclass
class VersionInfo:
    version: Version
    revision: Revision | None
    approvals: list[dict] = field(default_factory=list)  #: [{level, organisation, user, at, reason}]


#: built once (SQLAlchemy caches their SQL by shape): every version, newest first, with the revision that
#: published it (at most one; the import report, kilobytes of JSON per version, is not shown there)
_VERSIONS_WITH_REVISION = (
    select(Version, Revision)
    .outerjoin(Revision, and_(Revision.published_version_id == Version.id,
                              Revision.township_id == Version.township_id))
    .where(Version.township_id == bindparam("township_id"))
    .options(defer(Version.import_report)).order_by(Version.number.desc()))
#: the approvals of those revisions: only the columns shown
_APPROVALS = (select(AuditEvent.revision_id, AuditEvent.from_state, AuditEvent.organisation_name,
                     AuditEvent.actor_name, AuditEvent.on_behalf_of_name, AuditEvent.created_at,
                     AuditEvent.details_text)
              .where(AuditEvent.revision_id.in_(bindparam("revision_ids", expanding=True)),
                     AuditEvent.action.in_(APPROVAL_ACTIONS))
              .order_by(AuditEvent.seq))


def versions_of(township_id: int) -> list[VersionInfo]:
    """Every version, newest first, with the revision that produced it and its approvals."""
    pairs = db.session.execute(_VERSIONS_WITH_REVISION, {"township_id": township_id}).all()
    revision_ids = [rev.id for _v, rev in pairs if rev is not None]
    events: dict[int, list[dict]] = {}
    if revision_ids:
        for ev in db.session.execute(_APPROVALS, {"revision_ids": revision_ids}):
            events.setdefault(ev.revision_id, []).append({
                "level": LEVEL_OF_STATE.get(ev.from_state, ""), "organisation": ev.organisation_name,
                "user": acted_by(ev.actor_name, ev.on_behalf_of_name), "at": ev.created_at,
                "reason": (json.loads(ev.details_text) if ev.details_text else {}).get("reason")})
    return [VersionInfo(v, rev, events.get(rev.id, []) if rev is not None else []) for v, rev in pairs]


def parse_day(raw: str) -> date:
    """A YYYY-MM-DD date typed by a person or a client; Invalid with a Chinese message otherwise."""
    raw = (raw or "").strip()
    try:
        if len(raw) != 10:
            raise ValueError(raw)
        return date.fromisoformat(raw)
    except ValueError:
        raise Invalid(f"日期“{raw[:20]}”无效，应为 YYYY-MM-DD 格式，例如 2026-03-01") from None


def version_at(township_id: int, day: date) -> Version | None:
    """The version in force on a day: the one published latest on or before the end of that day
    (in the configured zone); None if the township had no published version yet."""
    return db.session.scalars(select(Version).where(
        Version.township_id == township_id, Version.published_at <= timefmt.end_of_day_utc(day))
        .order_by(Version.number.desc()).limit(1)).first()


def reasons_between(township_id: int, a: Version, b: Version) -> dict[int, list[str]]:
    """Every 修改理由 given by the revisions that produced the versions after a up to b, in order."""
    lo, hi = sorted((a.number, b.number))
    rows = db.session.execute(
        select(ItemReason.item_id, ItemReason.reason)
        .join(Revision, ItemReason.revision_id == Revision.id)
        .join(Version, Revision.published_version_id == Version.id)
        .where(Revision.township_id == township_id, Version.number > lo, Version.number <= hi)
        .order_by(Version.number, ItemReason.id)).all()
    out: dict[int, list[str]] = {}
    for item_id, reason in rows:
        out.setdefault(item_id, []).append(reason)
    return out


#: diffs between two published versions, per worker: both sides are immutable, and so are the reasons
#: (draft items of revisions that were published). Keyed by ids, digests and publication times, and the
#: database, so that another database or a restored one under the same ids cannot be served a stale diff.
_DIFFS = LRU(32)


def diff_versions(a: Version, b: Version) -> list[diff.ItemDiff]:
    """diff.diff_entries of the two versions' entries (a new list; the ItemDiffs are shared: read only)."""
    key = (database_key(), a.id, a.digest, a.published_at, b.id, b.digest, b.published_at)
    return list(_DIFFS.get_or_make(key, lambda: tuple(_diff_versions(a, b))))


def _diff_versions(a: Version, b: Version) -> list[diff.ItemDiff]:
    """Only the items that differ have their texts read."""
    old, new = snapshot.read_index(a), snapshot.read_index(b)
    place = {e["item_id"]: (e["kind"], e["number"], e["hash"]) for e in old}
    differ = {e["item_id"] for e in new if place.pop(e["item_id"], None) != (e["kind"], e["number"], e["hash"])}
    differ |= set(place)  # removed items
    texts = snapshot.content_fields(e["content_id"] for e in old + new if e["item_id"] in differ)
    for e in old + new:
        content_id = e.pop("content_id")
        if e["item_id"] in differ:
            e.update(texts[content_id])
    # the entries of unchanged items carry no texts: diff_entries never reads them (same hash, place)
    return diff.diff_entries(old, new, reasons_between(a.township_id, a, b))
