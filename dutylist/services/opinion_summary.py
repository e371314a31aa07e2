"""The 意见汇总表: what counties compile by hand, per round of review: each opinion (on which item, from
which department), the township's answer and its reason, and what every consulted department did
(signed with or without opinions, carried an earlier sign-off, lapsed, released)."""
from __future__ import annotations

from dataclasses import dataclass, field

from ..items import TABLES
from ..models import ANSWERS, Revision
from . import drafts

STAGES = {"county": "县级", "legality": "合法性审查", "prefecture": "州级", "region": "自治区级"}


@dataclass
class Row:
    opinion_id: int
    item: str  #: 配合事项第 3 项“…” or 整份修订稿
    organisation: str
    stage: str
    body: str
    answer: str  #: 采纳 / 部分采纳 / 不采纳, or 未答复
    answer_body: str
    author: str = ""  #: who wrote it: 张三, or 张三（代李四） when a deputy did


@dataclass
class Department:
    name: str
    state: str  #: the state's label
    deadline: str
    note: str  #: the reason of a lapse or release, the items a carried sign-off covers
    signed_by: str = ""  #: who signed: 张三, or 张三（代李四）


@dataclass
class Pass:
    submission: int
    round: int
    title: str  #: 第 2 轮, or 第 3 轮（州退回后第 1 次上报）
    rows: list[Row] = field(default_factory=list)
    departments: list[Department] = field(default_factory=list)
    no_consultation_reason: str | None = None


def item_labels(revision: Revision) -> dict[int, str]:
    """item id -> where it is, for every item of the draft and every item a change removed."""
    out = {}
    for ch in drafts.changes(revision):
        side = ch.new or ch.old
        out[ch.item_id] = f"{TABLES[side['kind']].short}事项第 {side['number']} 项“{side['name']}”"
    for item in revision.items:
        out.setdefault(item.item_id, f"{TABLES[item.kind].short}事项第 {item.number} 项“{item.name}”")
    return out


def summary(revision: Revision, opinions: list) -> list[Pass]:
    """The passes of review in order, with the opinions given (those the reader may see) and the
    consulted departments' states."""
    labels = item_labels(revision)
    passes: dict[int, Pass] = {}

    def get(submission: int, rnd: int) -> Pass:
        if submission not in passes:
            passes[submission] = Pass(submission, rnd, f"第 {rnd} 轮")
        return passes[submission]

    for o in opinions:
        p = get(o.submission, o.round)
        answer = o.answer
        p.rows.append(Row(o.id, labels.get(o.item_id, "整份修订稿") if o.item_id else "整份修订稿",
                          o.organisation.name, STAGES.get(o.stage, o.stage), o.body,
                          ANSWERS[answer.answer] if answer else "未答复", answer.body if answer else "",
                          o.acted_by))
    for c in revision.consultations:
        for r in c.rounds:
            note = r.reason or ""
            if r.state == "carried" or (r.carried_items and r.state == "pending"):
                note = f"沿用第 {r.carried_from_round} 轮签署的 {len(r.carried_items or [])} 项修改"
            get(r.submission, r.round).departments.append(
                Department(c.department.name, r.label, r.deadline.isoformat() if r.deadline else "", note,
                           r.signed_by_label))
    out = [passes[k] for k in sorted(passes)]
    rounds: dict[int, list[Pass]] = {}
    for p in out:
        rounds.setdefault(p.round, []).append(p)
    for same in rounds.values():  # a round reviewed again after a send-back from above
        for n, p in enumerate(same[1:], 1):
            p.title = f"第 {p.round} 轮（退回后第 {n} 次重新上报）"
    if revision.no_consultation_reason and revision.submissions in passes:
        passes[revision.submissions].no_consultation_reason = revision.no_consultation_reason
    return out


HEADERS = ("轮次", "序号", "事项", "提出单位", "意见", "乡镇答复", "答复理由")


def table_rows(passes: list[Pass]) -> list[tuple]:
    """The rows of the Word and Excel 意见汇总表: each opinion, then each department's state."""
    out = []
    for p in passes:
        for n, r in enumerate(p.rows, 1):
            who = f"（{r.stage}）{r.author}" if r.author else f"（{r.stage}）"
            out.append((p.title, n, r.item, f"{r.organisation}{who}", r.body, r.answer, r.answer_body))
        for d in p.departments:
            note = (f"（{d.signed_by}）" if d.signed_by else "") + (f"；{d.note}" if d.note else "")
            out.append((p.title, "", "征求意见部门", d.name, f"{d.state}{note}", "", f"截止 {d.deadline}" if d.deadline else ""))
        if p.no_consultation_reason:
            out.append((p.title, "", "未征求部门意见", "", p.no_consultation_reason, "", ""))
    return out
