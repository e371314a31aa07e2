"""All models, importable from one place (Alembic reads db.metadata after this import)."""
from .audit import AuditEvent, AuditHead, SignInAttempt
from .basis import BASIS_LEVELS, BASIS_STATUS_LABELS, Basis, BasisLevel, BasisStatus, ContentBasis, doc_key
from .basis_flag import BASIS_FLAG_LABELS, BasisFlag
from .dutylist import (
    Category,
    ChunkEntry,
    ContentDepartment,
    CurrentEntry,
    EntryChunk,
    Item,
    ItemContent,
    Version,
    VersionChunk,
)
from .filing import (
    ACKNOWLEDGED_STATUS,
    FILING_LEVEL_LABELS,
    FILING_LEVELS,
    FILING_STATUS_LABELS,
    PENDING_STATUS,
    Filing,
)
from .legality import LegalityConclusion
from .notification import NOTIFICATION_LABELS, Notification
from .org import (
    ADMIN_ROLES,
    NO_ROLE_LABEL,
    ORG_KIND_LABELS,
    PARENT_KIND,
    ROLE_LABELS,
    ROLE_ORG_KIND,
    Delegation,
    DepartmentAlias,
    Organisation,
    OrgKind,
    Role,
    User,
    acted_by,
)
from .request import (
    ACCEPTED,
    ADMISSION_OUTCOMES,
    REJECTED,
    REQUEST_ACTIONS,
    REQUEST_STATUSES,
    REQUEST_TYPES,
    SITUATIONS,
    SUBMITTED,
    AdjustmentRequest,
    ItemOrigin,
    RequestItem,
    RequestTownship,
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
from .township_count import TownshipCount
from .work import ImportUpload, OutboxMail

__all__ = [
    "TownshipCount", "AuditEvent", "AuditHead", "SignInAttempt", "Category", "ContentDepartment", "Item", "ItemContent",
    "Version", "VersionChunk", "EntryChunk", "ChunkEntry", "CurrentEntry", "ORG_KIND_LABELS", "ROLE_LABELS", "ROLE_ORG_KIND", "Organisation",
    "OrgKind", "Role", "User", "ANSWERS", "CONSULTATION_STATES", "VERDICTS", "ApiToken", "Consultation", "ConsultationRound", "DraftFlag",
    "DraftItem", "ItemReason", "Opinion",
    "OpinionReply", "Revision", "NOTIFICATION_LABELS", "Notification",
    "ADMIN_ROLES", "NO_ROLE_LABEL", "PARENT_KIND", "DepartmentAlias", "Delegation", "acted_by",
    "Filing", "FILING_LEVELS", "PENDING_STATUS", "ACKNOWLEDGED_STATUS", "FILING_LEVEL_LABELS", "FILING_STATUS_LABELS",
    "ImportUpload", "OutboxMail", "LegalityConclusion",
    "AdjustmentRequest", "RequestTownship", "RequestItem", "ItemOrigin", "REQUEST_TYPES", "SITUATIONS",
    "REQUEST_STATUSES", "ADMISSION_OUTCOMES", "REQUEST_ACTIONS", "SUBMITTED", "ACCEPTED", "REJECTED",
    "Basis", "BasisLevel", "BasisStatus", "BASIS_LEVELS", "BASIS_STATUS_LABELS", "ContentBasis", "doc_key",
    "BasisFlag", "BASIS_FLAG_LABELS",
]
