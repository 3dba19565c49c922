"""Tables, grouped by what they hold. Importing this package registers every table."""

from portal.models.audit import AuditEvent, AuditHead, AuditPending
from portal.models.board import (
    Account,
    BoardKey,
    BoardSession,
    Invite,
    MemberKey,
    RecoveryCode,
    SiteSettings,
)
from portal.models.casework import (
    Attachment,
    AttachmentBlob,
    CaseLink,
    LinkCopy,
    Message,
    NewsContact,
    Note,
    Recusal,
    Referral,
    SurveyAnswer,
)
from portal.models.complaint import (
    CaseAccess,
    Complaint,
    Demographics,
    FilingReceipt,
    StatusChange,
    StatusCount,
)
from portal.models.figures import (
    FigureRelease,
    FigureTally,
    FigureTallyDays,
    FigureTallyReferral,
)
from portal.models.handoff import Handoff

__all__ = [
    "Account",
    "Attachment",
    "AttachmentBlob",
    "BoardKey",
    "AuditEvent",
    "AuditHead",
    "AuditPending",
    "BoardSession",
    "CaseAccess",
    "CaseLink",
    "Complaint",
    "Demographics",
    "FigureRelease",
    "FigureTally",
    "FigureTallyDays",
    "FigureTallyReferral",
    "Handoff",
    "FilingReceipt",
    "Invite",
    "LinkCopy",
    "MemberKey",
    "Message",
    "NewsContact",
    "Note",
    "Recusal",
    "Referral",
    "SurveyAnswer",
    "RecoveryCode",
    "SiteSettings",
    "StatusChange",
    "StatusCount",
]
