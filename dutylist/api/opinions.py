"""Routes: opinions, answers, replies and sign-offs."""
from __future__ import annotations

from flask import g, jsonify

from workflow import operations as ops
from workflow.errors import Invalid

from ..extensions import db
from ..models import ANSWERS
from ..services import drafts
from . import auth
from . import loading as load
from . import serialisers as ser
from . import validation as check
from .blueprint import bp


@bp.get("/revisions/<int:revision_id>/opinions")
@auth.token_required
def opinions(revision_id: int):
    revision = load.revision(revision_id)
    user = g.api_user
    visible = drafts.visible_opinions(revision, user)
    return jsonify(revision_id=revision.id, round=revision.round,
                   unanswered=[o.id for o in ops.unanswered_opinions(revision) if o in visible],
                   opinions=[ser.opinion_json(o) for o in visible])


@bp.post("/revisions/<int:revision_id>/opinions")
@auth.token_required
def add_opinion(revision_id: int):
    """A reviewer's opinion on one item (item_id: the item's identity) or on the whole draft."""
    revision = load.revision(revision_id)
    data = check.body(("body", "item_id"))
    body = check.text(data, "body", required=True)
    item_id = check.integer(data.get("item_id"), "item_id")
    if item_id is not None and not 0 < item_id <= load.MAX_ID:
        raise Invalid("意见所针对的事项不在本修订稿中")
    opinion = ops.add_opinion(revision, g.api_user, body, item_id)
    db.session.commit()
    return jsonify(ser.opinion_json(opinion)), 201


@bp.post("/revisions/<int:revision_id>/opinions/<int:opinion_id>/answers")
@auth.token_required
def answer_opinion(revision_id: int, opinion_id: int):
    """The township's answer: adopted / partly / not_adopted, with its reason."""
    revision = load.revision(revision_id)
    opinion = load.opinion(revision, opinion_id)
    data = check.body(("answer", "body"))
    answer = data.get("answer")
    if answer not in ANSWERS:
        raise Invalid("答复（answer）须为 adopted（采纳）/ partly（部分采纳）/ not_adopted（不采纳）")
    reply = ops.answer_opinion(opinion, g.api_user, answer, check.text(data, "body", required=True))
    db.session.commit()
    return jsonify(ser.reply_json(reply)), 201


@bp.post("/revisions/<int:revision_id>/opinions/<int:opinion_id>/replies")
@auth.token_required
def reply_opinion(revision_id: int, opinion_id: int):
    """A further word in an opinion's thread."""
    revision = load.revision(revision_id)
    opinion = load.opinion(revision, opinion_id)
    data = check.body(("body",))
    reply = ops.reply_opinion(opinion, g.api_user, check.text(data, "body", required=True))
    db.session.commit()
    return jsonify(ser.reply_json(reply)), 201


@bp.post("/revisions/<int:revision_id>/signoff")
@auth.token_required
def sign_off(revision_id: int):
    """A consulted department signs off its review of this round."""
    revision = load.revision(revision_id)
    check.body(())
    consultation = ops.sign_off(revision, g.api_user)
    db.session.commit()
    return jsonify(ser.consultation_json(consultation))


