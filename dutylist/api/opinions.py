"""Routes: opinions, answers, replies and sign-offs."""
from __future__ import annotations

from flask import g, jsonify

from workflow import operations as ops
from workflow import permissions as perm
from workflow.errors import Forbidden, Invalid

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
                   unanswered=[o.id for o in drafts.unanswered_opinions(revision) if o in visible],
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
    """A consulted department signs off this round: {"verdict": "no_opinion" | "with_opinions"}."""
    revision = load.revision(revision_id)
    data = check.body(("verdict",))
    row = ops.sign_off(revision, g.api_user, data.get("verdict"))  # who may sign first, then the verdict
    db.session.commit()
    return jsonify(ser.consultation_json(row.consultation))


@bp.post("/revisions/<int:revision_id>/answers")
@auth.token_required
def answer_opinions(revision_id: int):
    """The township answers several opinions at once, all or nothing:
    {"answers": [{"opinion_id", "answer", "body"}]}."""
    revision = load.revision(revision_id)
    if not perm.can_answer_opinions(g.api_user, revision):
        raise Forbidden("只有本乡镇的起草人可以答复意见")
    data = check.body(("answers",))
    raw = data.get("answers")
    if not isinstance(raw, list) or not raw or not all(isinstance(a, dict) for a in raw):
        raise Invalid("answers 须为非空列表：[{opinion_id, answer, body}]")
    if len(raw) > 1000:
        raise Invalid("一次最多答复 1000 条意见")
    answers = []
    for n, a in enumerate(raw, 1):
        unknown = sorted(set(a) - {"opinion_id", "answer", "body"})
        if unknown:
            raise Invalid(f"第 {n} 条答复有未知字段：{'、'.join(unknown)}")
        opinion_id = check.integer(a.get("opinion_id"), f"answers[{n}].opinion_id", required=True)
        answers.append((load.opinion(revision, opinion_id), a.get("answer"), a.get("body")))
    if len({o.id for o, _, _ in answers}) != len(answers):
        raise Invalid("同一条意见不能在一次提交中答复两次")
    replies = ops.answer_opinions(revision, g.api_user, answers)
    db.session.commit()
    return jsonify(answers=[ser.reply_json(r) for r in replies]), 201


