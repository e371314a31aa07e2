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
    return value.isoformat() if value is not None else None


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
    return {"id": item.id, "item_id": item.item_id, "kind": item.kind, "kind_label": KIND_LABELS[item.kind],
            "number": item.number, "fields": item.fields(), "lock_version": item.lock_version,
            "reason": item.reason, "deleted": item.deleted, "updated_at": iso(item.updated_at)}


def change_json(change) -> dict:
    return change.to_dict()


def consultation_json(c) -> dict:
    return {"id": c.id, "department": org_json(c.department), "requested_round": c.requested_round,
            "pending": c.pending, "deadline": iso(c.deadline), "signed_off_round": c.signed_off_round,
            "signed_off_at": iso(c.signed_off_at)}


def reply_json(r) -> dict:
    return {"id": r.id, "author": user_json(r.author), "organisation": org_json(r.organisation),
            "answer": r.answer, "answer_label": r.answer_label, "body": r.body,
            "created_at": iso(r.created_at)}


def opinion_json(o: Opinion) -> dict:
    answer = o.answer
    return {"id": o.id, "round": o.round, "stage": o.stage, "item_id": o.item_id,
            "author": user_json(o.author), "organisation": org_json(o.organisation), "body": o.body,
            "created_at": iso(o.created_at), "answered": answer is not None,
            "answer": reply_json(answer) if answer is not None else None,
            "replies": [reply_json(r) for r in o.replies]}


def department_scope(revision: Revision, user):
    """For a consulted department: its consultation, the changes that concern it, and the item
    ids among them still to review (changed since it signed off)."""
    consultation = next(c for c in revision.consultations if c.department_id == user.organisation_id)
    changes = drafts.items_for_department(revision, user.organisation_id)
    signed = consultation.signed_hashes or {}
    to_review = [ch.item_id for ch in changes
                 if signed.get(str(ch.item_id)) != (ch.new["hash"] if ch.new else "removed")]
    return consultation, changes, to_review


def revision_json(revision: Revision, user) -> dict:
    levels = load.levels()
    status = Status(revision.status)
    out = {
        "id": revision.id, "title": revision.title,
        "township": {"id": revision.township.id, "name": revision.township.name,
                     "full_name": revision.township.full_name},
        "status": status.value, "status_label": STATUS_LABELS[status],
        "round": revision.round, "max_rounds": revision.max_rounds, "deadline": iso(revision.deadline),
        "created_at": iso(revision.created_at), "updated_at": iso(revision.updated_at),
        "created_by": user_json(revision.created_by),
        "base_version": version_summary(revision.base_version) if revision.base_version else None,
        "published_version": (version_summary(revision.published_version)
                              if revision.published_version else None),
        "events": [{"event": e, "label": EVENT_LABELS[e]}
                   for e in ops.available_events(revision, user, levels)],
    }
    live = drafts.live_items(revision)
    if perm.sees_changes_concerning_only(user):
        consultation, changes, to_review = department_scope(revision, user)
        concerning = {ch.item_id for ch in changes}
        out.update(
            scope="department",
            items=[draft_item_json(i) for i in live if i.item_id in concerning],
            changes=[change_json(ch) for ch in changes],
            to_review=to_review, problems=[],
            consultations=[consultation_json(consultation)],
            unanswered_opinions=None, suggested_departments=[])
        return out
    out.update(
        scope="full",
        items=[draft_item_json(i) for i in live],
        changes=[change_json(ch) for ch in drafts.changes(revision)],
        problems=drafts.check_problems(revision),
        consultations=[consultation_json(c) for c in revision.consultations],
        unanswered_opinions=len(ops.unanswered_opinions(revision)),
        suggested_departments=([org_json(o) for o in drafts.suggest_departments(revision)]
                               if revision.is_open else []))
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


