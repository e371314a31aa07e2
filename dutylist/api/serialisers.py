"""JSON forms of what the API returns."""
from __future__ import annotations

from flask import g, jsonify
from sqlalchemy import select

from workflow import operations as ops
from workflow import permissions as perm
from workflow.states import EVENT_LABELS, STATUS_LABELS, Status

from ..extensions import db
from ..items import KIND_LABELS
from ..models import DraftItem, Opinion, Organisation, Revision, Version
from ..services import drafts
from . import loading as load


def iso(value):
    """Dates as YYYY-MM-DD; times (stored naive UTC) with their zone: …Z."""
    return None if value is None else value.isoformat() + ("Z" if hasattr(value, "hour") and value.tzinfo is None else "")


def org_json(org: Organisation | None) -> dict | None:
    if org is None:
        return None
    return {"id": org.id, "name": org.name, "kind": org.kind, "kind_label": org.kind_label}


def user_json(user) -> dict | None:
    if user is None:
        return None
    return {"id": user.id, "username": user.username, "display_name": user.display_name,
            "role": user.role, "role_label": user.role_label}


def township_ref(org: Organisation) -> dict:
    county = org.county
    return {"id": org.id, "name": org.name, "full_name": org.full_name,
            "county": org_json(county), "prefecture": org_json(county.parent if county is not None else None)}


def township_json(org: Organisation, version: Version | None, counts: dict | None) -> dict:
    """The township with its current version (None before its first list is imported)."""
    return {**township_ref(org),
            "current_version": version_summary(version, counts) if version is not None else None}


def version_summary(version: Version, counts: dict | None = None) -> dict:
    out = {"id": version.id, "number": version.number, "title": version.title, "source": version.source,
           "published_at": iso(version.published_at), "doc_date": version.doc_date,
           "digest": version.digest}
    if counts is not None:
        out["counts"] = counts
    return out


def counts(version_ids: list[int]) -> dict[int, dict]:
    # items per table are stored on the version when it is published
    return {vid: dict(counts) for vid, counts in db.session.execute(
        select(Version.id, Version.counts).where(Version.id.in_(version_ids)))} if version_ids else {}


def draft_item_json(item: DraftItem) -> dict:
    reasons = item.revision.reasons_of(item.item_id)
    return {"id": item.id, "item_id": item.item_id, "kind": item.kind, "kind_label": KIND_LABELS[item.kind],
            "number": item.number, "fields": item.fields(), "lock_version": item.lock_version,
            "reason": reasons[-1] if reasons else None, "reasons": reasons, "deleted": item.deleted,
            "updated_at": iso(item.updated_at)}


def change_json(change) -> dict:
    return change.to_dict()


def consultation_round_json(r) -> dict:
    return {"round": r.round, "submission": r.submission, "state": r.state, "label": r.label,
            "deadline": iso(r.deadline), "verdict": r.verdict, "signed_at": iso(r.signed_at),
            "carried_from_round": r.carried_from_round, "carried_items": r.carried_items,
            "reason": r.reason, "signed_by": user_json(r.signed_by),
            "signed_on_behalf_of": user_json(r.signed_on_behalf_of)}


def consultation_json(c) -> dict:
    """A consulted department and its real state in the current pass: pending, signed (signed_off_round),
    carried over from an earlier sign-off (carried_from_round), lapsed or released; and every pass."""
    r = c.current
    state = r.state if r is not None else "not_asked"
    return {"id": c.id, "department": org_json(c.department), "state": state,
            "label": r.label if r is not None else "本轮未征求", "pending": state == "pending",
            "deadline": iso(r.deadline) if r is not None else None,
            "signed_off_round": r.round if state == "signed" else None,
            "verdict": r.verdict if state in ("signed", "carried") else None,
            "carried_from_round": r.carried_from_round if state == "carried" else None,
            "lapsed": state == "lapsed", "released": state == "released",
            "reason": r.reason if r is not None else None,
            "assignee": user_json(c.assignee),
            "rounds": [consultation_round_json(x) for x in c.rounds]}


def reply_json(r) -> dict:
    return {"id": r.id, "author": user_json(r.author), "on_behalf_of": user_json(r.on_behalf_of),
            "organisation": org_json(r.organisation),
            "answer": r.answer, "answer_label": r.answer_label, "body": r.body,
            "created_at": iso(r.created_at)}


def opinion_json(o: Opinion) -> dict:
    answer = o.answer
    return {"id": o.id, "round": o.round, "submission": o.submission, "stage": o.stage, "item_id": o.item_id,
            "author": user_json(o.author), "on_behalf_of": user_json(o.on_behalf_of),
            "organisation": org_json(o.organisation), "body": o.body,
            "created_at": iso(o.created_at), "answered": answer is not None,
            "answer": reply_json(answer) if answer is not None else None,
            "replies": [reply_json(r) for r in o.replies]}


def legality_conclusion_json(c) -> dict:
    return {"id": c.id, "submission": c.submission, "round": c.round, "conclusion": c.conclusion,
            "conclusion_label": c.label, "reasons": c.reasons, "reviewer": user_json(c.reviewer),
            "on_behalf_of": user_json(c.on_behalf_of), "organisation": org_json(c.organisation),
            "created_at": iso(c.created_at)}


def legality_json(revision: Revision, levels) -> dict:
    """The legality review (合法性审查): whether the configured route has it, and every pass's conclusion."""
    conclusions = perm.legality_conclusions(revision)
    return {"enabled": "legality" in levels, "conclusions": [legality_conclusion_json(c) for c in conclusions],
            "returns": sum(1 for c in conclusions if c.conclusion == "needs_change")}


def revision_json(revision: Revision, user) -> dict:
    levels = load.levels()
    status = Status(revision.status)
    out = {
        "id": revision.id, "title": revision.title,
        "township": {"id": revision.township.id, "name": revision.township.name,
                     "full_name": revision.township.full_name},
        "status": status.value, "status_label": STATUS_LABELS[status],
        "round": revision.round, "max_rounds": revision.max_rounds, "submissions": revision.submissions,
        "send_backs": revision.send_backs, "deadline": iso(revision.deadline),
        "no_consultation_reason": revision.no_consultation_reason,
        "created_at": iso(revision.created_at), "updated_at": iso(revision.updated_at),
        "created_by": user_json(revision.created_by),
        "base_version": version_summary(revision.base_version) if revision.base_version else None,
        "previous_version": version_summary(revision.previous_version) if revision.previous_version else None,
        "published_version": (version_summary(revision.published_version)
                              if revision.published_version else None),
        "events": [{"event": e, "label": EVENT_LABELS[e]}
                   for e in ops.available_events(revision, user, levels)],
        "legality_review": legality_json(revision, levels),
    }
    all_changes = drafts.changes(revision)
    concern = (drafts.concerning(revision, user.organisation_id, all_changes)
               if perm.marks_concerning(user, revision) else set())
    changes = [{**change_json(ch), "concerns_me": ch.item_id in concern} for ch in all_changes]
    changes.sort(key=lambda c: not c["concerns_me"])  # stable: the department's first, each in list order
    opinions = drafts.visible_opinions(revision, user)
    out.update(
        items=[draft_item_json(i) for i in drafts.live_items(revision)],
        changes=changes, concerning=sorted(concern),
        problems=drafts.submit_blockers(revision, all_changes) if perm.can_edit_now(user, revision) else [],
        missing_reasons=[ch.item_id for ch in drafts.missing_reasons(revision, all_changes)],
        flags=[{"id": f.id, "item_id": f.item_id, "source": f.source, "message": f.message,
                "open": f.open, "resolution": f.resolution, "reason": f.resolved_reason} for f in revision.flags],
        consultations=[consultation_json(c) for c in revision.consultations],
        unanswered_opinions=len([o for o in drafts.unanswered_opinions(revision) if o in opinions]),
        suggested_departments=([org_json(o) for o in drafts.suggest_departments(revision, all_changes)]
                               if revision.is_open else []))
    # a changed law: each item flagged by it says so (依据已修订 / 依据已废止) while the flag is open
    basis_flags = {f.item_id: f.message.partition("：")[0] for f in revision.flags if f.source == "basis" and f.open}
    for item in out["items"]:
        item["basis_flag"] = basis_flags.get(item["item_id"])
    return out


def revision_summary(revision: Revision) -> dict:
    status = Status(revision.status)
    return {"id": revision.id, "title": revision.title, "status": status.value,
            "status_label": STATUS_LABELS[status], "round": revision.round,
            "created_at": iso(revision.created_at), "updated_at": iso(revision.updated_at),
            "published_version": (version_summary(revision.published_version)
                                  if revision.published_version else None)}


def revision_response(revision: Revision, status: int = 200):
    return jsonify(revision_json(revision, g.api_user)), status


