"""The whole state diagram of a revision (修订稿), in one table."""
import functools
from enum import StrEnum


class Status(StrEnum):
    drafting = "drafting"                    # 起草中
    submitted = "submitted"                  # 已上报，待县委编办受理
    county_review = "county_review"          # 县级审核中（征求部门意见）
    legality_review = "legality_review"      # 合法性审查中（县司法局；LEGALITY_REVIEW 开启时）
    returned = "returned"                    # 已退回（下发修改意见）
    county_approved = "county_approved"      # 县级审核通过，待报送上级
    prefecture_review = "prefecture_review"  # 州级审核中
    region_review = "region_review"          # 自治区审核中
    published = "published"                  # 已发布为新版本
    abandoned = "abandoned"                  # 已放弃


STATUS_LABELS = {
    Status.drafting: "起草中", Status.submitted: "已上报待受理", Status.county_review: "县级审核中",
    Status.legality_review: "合法性审查中",
    Status.returned: "已退回修改", Status.county_approved: "县级审核通过",
    Status.prefecture_review: "州级审核中", Status.region_review: "自治区审核中",
    Status.published: "已发布", Status.abandoned: "已放弃",
}

#: States in which a revision is still open (only one open revision per township).
OPEN = (Status.drafting, Status.submitted, Status.county_review, Status.legality_review, Status.returned,
        Status.county_approved, Status.prefecture_review, Status.region_review)
FINAL = (Status.published, Status.abandoned)
#: States in which the township's drafter may change the draft and answer opinions.
EDITABLE = (Status.drafting, Status.returned)

D, O = "township_drafter", "county_office"
P, R = "prefecture_reviewer", "region_reviewer"
L = "legality_reviewer"  #: 县司法局合法性审查人

#: Every move. `roles`: who may make it; `conditions`: guards on the ReviewWorkflow model; `aside`:
#: a move a role may make but nobody waits for (withdrawing, abandoning).
#: A trigger listed twice from one source takes the first transition whose guards pass.
TRANSITIONS = [
    {"trigger": "submit", "source": [Status.drafting, Status.returned], "dest": Status.submitted,
     "roles": [D], "conditions": ["ready_to_submit"]},
    {"trigger": "withdraw", "source": Status.submitted, "dest": Status.drafting, "roles": [D], "aside": True},
    {"trigger": "accept", "source": Status.submitted, "dest": Status.county_review, "roles": [O]},
    {"trigger": "return_for_revision", "source": Status.county_review, "dest": Status.returned,
     "roles": [O], "conditions": ["has_reason", "departments_settled", "round_left"]},
    # with LEGALITY_REVIEW on, the office's approval goes to the county 司法局 first (合法性审查)
    {"trigger": "approve", "source": Status.county_review, "dest": Status.legality_review,
     "roles": [O], "conditions": ["legality_reviews", "has_reason", "departments_settled"]},
    {"trigger": "approve", "source": Status.county_review, "dest": Status.county_approved,
     "roles": [O], "conditions": ["has_reason", "departments_settled"], "unless": ["legality_reviews"]},
    {"trigger": "pass_legality", "source": Status.legality_review, "dest": Status.county_approved, "roles": [L]},
    {"trigger": "return_legality", "source": Status.legality_review, "dest": Status.returned,
     "roles": [L], "conditions": ["has_legality_reasons"]},
    {"trigger": "escalate", "source": Status.county_approved, "dest": Status.prefecture_review,
     "roles": [O], "conditions": ["prefecture_reviews"]},
    {"trigger": "escalate", "source": Status.county_approved, "dest": Status.region_review,
     "roles": [O], "conditions": ["region_reviews"], "unless": ["prefecture_reviews"]},
    {"trigger": "publish", "source": Status.county_approved, "dest": Status.published,
     "roles": [O], "conditions": ["has_reason"], "unless": ["prefecture_reviews", "region_reviews"]},
    {"trigger": "approve", "source": Status.prefecture_review, "dest": Status.region_review,
     "roles": [P], "conditions": ["has_reason", "region_reviews"]},
    {"trigger": "publish", "source": Status.prefecture_review, "dest": Status.published,
     "roles": [P], "conditions": ["has_reason"], "unless": ["region_reviews"]},
    {"trigger": "publish", "source": Status.region_review, "dest": Status.published,
     "roles": [R], "conditions": ["has_reason"]},
    {"trigger": "send_back", "source": [Status.prefecture_review], "dest": Status.returned,
     "roles": [P], "conditions": ["has_reason"]},
    {"trigger": "send_back", "source": [Status.region_review], "dest": Status.returned,
     "roles": [R], "conditions": ["has_reason"]},
    {"trigger": "abandon", "source": [Status.drafting, Status.returned], "dest": Status.abandoned,
     "roles": [D], "conditions": ["has_reason"], "aside": True},
]

EVENT_LABELS = {
    "submit": "上报", "withdraw": "撤回", "accept": "受理并征求意见", "return_for_revision": "退回修改",
    "approve": "审核通过", "pass_legality": "合法性审查通过",
    "return_legality": "合法性审查退回修改", "escalate": "报送上级审核", "publish": "审核通过并发布",
    "send_back": "退回", "abandon": "放弃修订",
}

#: the 司法局's conclusion of a legality review (合法性审查) and the move each makes
LEGALITY_CONCLUSIONS = {"lawful": "合法", "needs_change": "需修改"}
LEGALITY_EVENTS = {"lawful": "pass_legality", "needs_change": "return_legality"}


def sources(transition: dict) -> list[Status]:
    src = transition["source"]
    return list(src) if isinstance(src, list) else [src]


def waiting_role(status) -> str | None:
    """The role whose move a revision in this state waits for (read off TRANSITIONS), or None."""
    return _waiting_role(Status(status))


@functools.cache  # TRANSITIONS is constant: a dashboard asks this twice per row
def _waiting_role(status: Status) -> str | None:
    roles = {r for t in TRANSITIONS if status in sources(t) and not t.get("aside") for r in t["roles"]}
    if len(roles) > 1:
        raise ValueError(f"state {status} waits on several roles: {sorted(roles)}")
    return next(iter(roles), None)
