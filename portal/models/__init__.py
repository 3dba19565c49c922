"""Tables, grouped by what they hold. Importing this package registers every table."""

from portal.models.audit import AuditEvent, AuditHead
from portal.models.board import Account, BoardSession, Invite, RecoveryCode, SiteSettings
from portal.models.casework import CaseLink, Message, Note, Recusal, Referral, SurveyAnswer
from portal.models.complaint import (
    CaseAccess,
    Complaint,
    Demographics,
    FilingReceipt,
    StatusChange,
    StatusCount,
)

__all__ = [
    "Account",
    "AuditEvent",
    "AuditHead",
    "BoardSession",
    "CaseAccess",
    "CaseLink",
    "Complaint",
    "Demographics",
    "FilingReceipt",
    "Invite",
    "Message",
    "Note",
    "Recusal",
    "Referral",
    "SurveyAnswer",
    "RecoveryCode",
    "SiteSettings",
    "StatusChange",
    "StatusCount",
]
