"""ReviewWorkflow: the transitions model around one revision; its state lives in revision.status.

The machine knows the moves (states.TRANSITIONS), the roles allowed and the guards; the
facts the guards need (pre-submit problems, unanswered opinions, review levels) come from a
ReviewFacts object, so this module needs no database and no Flask.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Callable

from transitions import Machine

from .permissions import may_move
from .states import EVENT_LABELS, STATUS_LABELS, TRANSITIONS, Status, sources


@dataclass
class ReviewFacts:
    """What the guards ask about the draft; filled in by the operations layer."""

    #: what stops the township from submitting: checks, unanswered opinions, missing reasons, open flags
    blockers: Callable[[], list[str]] = lambda: []
    #: the consulted departments that have not signed off (nor been released or recorded lapsed) this pass
    pending_departments: Callable[[], list[str]] = lambda: []
    #: the configured steps after the county office's review: "legality" (合法性审查 by the county
    #: 司法局, LEGALITY_REVIEW), then the higher levels that review ("prefecture", "region"; REVIEW_LEVELS)
    levels: tuple[str, ...] = ("prefecture", "region")
    max_rounds: int = 3


def _machine_transitions():
    """TRANSITIONS without the 'roles' key (transitions does not know it), plus a role guard."""
    out = []
    for t in TRANSITIONS:
        t = dict(t)
        t.pop("aside", None)
        roles = tuple(t.pop("roles"))
        t["conditions"] = [_role_guard(roles)] + list(t.get("conditions", []))
        out.append(t)
    return out


def _role_guard(roles):
    def guard(event):
        return may_move(event.kwargs["actor"], roles)
    guard.roles = roles
    return guard


NO_REASON = "须填写理由（意见）"
NO_LEGALITY_REASON = "合法性审查结论为“需修改”时，须写明需修改的理由"
#: refusals that mean only "a reason is missing" (bad input, 400), not "not now" (409)
REASON_REFUSALS = (NO_REASON, NO_LEGALITY_REASON)


@dataclass
class Refusal:
    messages: list[str] = field(default_factory=list)


class ReviewWorkflow:
    """transitions model for one Revision; the state lives in revision.status."""

    def __init__(self, revision, facts: ReviewFacts | None = None,
                 before_change: Callable | None = None, on_change: Callable | None = None):
        self.revision = revision
        self.facts = facts or ReviewFacts()
        self.before_change = before_change  #: (workflow, event) once the guards passed
        self.on_change = on_change  #: (workflow, event) after the state changed
        self.refusals: list[str] = []
        self.machine = Machine(
            model=self, states=Status, transitions=_machine_transitions(),
            initial=Status(revision.status),  # never omit: add_model would reset a loaded row
            auto_transitions=False, send_event=True, model_attribute="state",
            before_state_change="_before", after_state_change="_changed")

    # the machine reads and writes the revision's column through this property
    @property
    def state(self) -> Status:
        return Status(self.revision.status)

    @state.setter
    def state(self, value) -> None:
        self.revision.status = Status(value).value

    # ---- what the pages and the API ask -------------------------------------------------
    def triggers(self) -> list[str]:
        """Events that exist from the current state (whoever may fire them)."""
        return [t for t in self.machine.get_triggers(self.state) if t in EVENT_LABELS]

    def roles_for(self, trigger: str) -> set[str]:
        roles = set()
        for t in TRANSITIONS:
            if t["trigger"] == trigger and self.state in sources(t):
                roles.update(t["roles"])
        return roles

    def destinations(self, trigger: str) -> list[Status]:
        return [Status(t.dest) for t in self.machine.get_transitions(trigger=trigger, source=self.state)]

    # ---- guards: each says why when it refuses ---------------------------------------------
    def _refuse(self, message: str) -> bool:
        if message not in self.refusals:
            self.refusals.append(message)
        return False

    def ready_to_submit(self, event) -> bool:
        blockers = self.facts.blockers()
        for b in blockers:
            self._refuse(b)
        return not blockers

    def departments_settled(self, event) -> bool:
        pending = self.facts.pending_departments()
        return not pending or self._refuse(
            f"以下部门尚未签署本轮意见：{'、'.join(pending)}。须待其签署；截止日期已过的，可记为“逾期未反馈，视为无意见”")

    def has_reason(self, event) -> bool:
        reason = (event.kwargs.get("reason") or "").strip()
        return bool(reason) or self._refuse(NO_REASON)

    def round_left(self, event) -> bool:
        r, limit = self.revision.round, self.facts.max_rounds
        return r < limit or self._refuse(
            f"已进行 {r} 轮（上限 {limit} 轮），再退回将进入第 {r + 1} 轮：须先由县委编办填写理由延长轮次")

    def has_legality_reasons(self, event) -> bool:
        reason = (event.kwargs.get("reason") or "").strip()
        return bool(reason) or self._refuse(NO_LEGALITY_REASON)

    def legality_reviews(self, event) -> bool:
        return "legality" in self.facts.levels

    def prefecture_reviews(self, event) -> bool:
        return "prefecture" in self.facts.levels

    def region_reviews(self, event) -> bool:
        return "region" in self.facts.levels

    # ---- around every move --------------------------------------------------------------
    def _before(self, event) -> None:
        if self.before_change is not None:
            self.before_change(self, event)

    def _changed(self, event) -> None:
        if self.on_change is not None:
            self.on_change(self, event)

    @staticmethod
    def label(state) -> str:
        return STATUS_LABELS[Status(state)]
