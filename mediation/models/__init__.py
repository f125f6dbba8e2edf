"""Every model of the mediation app, so `from mediation.models import X` and the migrations
(`mediation.models.new_verification_code`) keep working."""

from .calls import Call
from .chat import Attachment, Message, Presence, Room, WsTicket
from .pool import Assignment, AssignmentFlag, Committee, Language, MediatorProfile, RecusalRequest
from .recordings import Recording, RecordingConsent
from .sessions import Session
from .settlements import (
    IssuedCertificate,
    JudicialApplication,
    JudicialSignature,
    KeyKind,
    PendingSignature,
    Settlement,
    SettlementSignature,
    judicial_pdf_path,
    new_verification_code,
    pending_signing_id,
    settlement_pdf_path,
)

__all__ = [
    "Call", "Attachment", "Message", "Presence", "Room", "WsTicket", "Assignment", "AssignmentFlag",
    "Committee", "Language", "MediatorProfile", "RecusalRequest", "Session", "Recording",
    "RecordingConsent", "IssuedCertificate",
    "JudicialApplication", "JudicialSignature", "KeyKind", "PendingSignature", "Settlement",
    "SettlementSignature", "judicial_pdf_path", "new_verification_code", "pending_signing_id",
    "settlement_pdf_path",
]  # fmt: skip
