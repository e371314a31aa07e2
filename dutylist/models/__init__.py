"""All models, importable from one place (Alembic reads db.metadata after this import)."""
from .audit import AuditEvent, AuditHead, SignInAttempt
from .dutylist import Category, ChunkEntry, ContentDepartment, EntryChunk, Item, ItemContent, Version, VersionChunk
from .notification import NOTIFICATION_LABELS, Notification
from .org import (
                  ADMIN_ROLES,
                  NO_ROLE_LABEL,
                  ORG_KIND_LABELS,
                  PARENT_KIND,
                  ROLE_LABELS,
                  ROLE_ORG_KIND,
                  DepartmentAlias,
                  Organisation,
                  OrgKind,
                  Role,
                  User,
)
from .revision import (
                  ANSWERS,
                  CONSULTATION_STATES,
                  VERDICTS,
                  ApiToken,
                  Consultation,
                  ConsultationRound,
                  DraftFlag,
                  DraftItem,
                  ItemReason,
                  Opinion,
                  OpinionReply,
                  Revision,
)

__all__ = [
    "AuditEvent", "AuditHead", "SignInAttempt", "Category", "ContentDepartment", "Item", "ItemContent",
    "Version", "VersionChunk", "EntryChunk", "ChunkEntry", "ORG_KIND_LABELS", "ROLE_LABELS", "ROLE_ORG_KIND", "Organisation",
    "OrgKind", "Role", "User", "ANSWERS", "CONSULTATION_STATES", "VERDICTS", "ApiToken", "Consultation", "ConsultationRound", "DraftFlag",
    "DraftItem", "ItemReason", "Opinion",
    "OpinionReply", "Revision", "NOTIFICATION_LABELS", "Notification",
    "ADMIN_ROLES", "NO_ROLE_LABEL", "PARENT_KIND", "DepartmentAlias",
]
