"""Who has business with which township and revision (plain attribute checks, no Flask)."""
from __future__ import annotations

from .states import Status

DRAFTER, OFFICE, DEPARTMENT = "township_drafter", "county_office", "county_department"
PREFECTURE, REGION, ADMIN = "prefecture_reviewer", "region_reviewer", "admin"

#: From which state on each higher level may see a revision.
_STAGE_VISIBLE = {
    PREFECTURE: {Status.prefecture_review, Status.region_review, Status.published},
    REGION: {Status.region_review, Status.published},
}


def _chain(township):
    """(county, prefecture, region) ids of a township."""
    county = township.parent
    prefecture = county.parent if county is not None else None
    region = prefecture.parent if prefecture is not None else None
    return (getattr(county, "id", None), getattr(prefecture, "id", None), getattr(region, "id", None))


def acts_for(user, township) -> bool:
    """True if the user's organisation is responsible for this township at its level."""
    county_id, prefecture_id, region_id = _chain(township)
    org = user.organisation
    if user.role == DRAFTER:
        return org.id == township.id
    if user.role in (OFFICE, DEPARTMENT):
        return org.parent_id == county_id
    if user.role == PREFECTURE:
        return org.id == prefecture_id
    if user.role == REGION:
        return org.id == region_id
    return False


def is_consulted(user, revision) -> bool:
    return user.role == DEPARTMENT and any(
        c.department_id == user.organisation_id for c in revision.consultations)


def can_read_revision(user, revision) -> bool:
    """Drafts and their opinions are shown only to those with business in them."""
    if user.role == ADMIN:
        return True
    if not acts_for(user, revision.township):
        return False
    if user.role in (DRAFTER, OFFICE):
        return True
    if user.role == DEPARTMENT:
        return is_consulted(user, revision)
    # a higher level sees what reached it, and what it sent back
    return Status(revision.status) in _STAGE_VISIBLE[user.role] or any(
        o.organisation_id == user.organisation_id for o in revision.opinions)


def can_edit_draft(user, revision) -> bool:
    return user.role == DRAFTER and acts_for(user, revision.township)
