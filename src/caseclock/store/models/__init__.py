"""The ORM models, one module per concern; importing this package registers every table."""

from caseclock.store.models.access import ApiKeyRow
from caseclock.store.models.account_milestones import (
    AccountMilestoneRow,
    AccountTaskRow,
    MilestoneCollaboratorRow,
    MilestoneNoteRow,
    MilestoneReminderRow,
    PlanRow,
)
from caseclock.store.models.audit import AuditRow
from caseclock.store.models.base import Base
from caseclock.store.models.csat import CsatRow, SigningKeyRow
from caseclock.store.models.customers import AccountRow, AssetRow, ContactRow, EntitlementRow
from caseclock.store.models.holdings import CycleAnalysisRow, CycleHoldingRow
from caseclock.store.models.inbound import InboundPayloadRow
from caseclock.store.models.insights import (
    CommentSentimentRow,
    HandoffSummaryRow,
    InsightChangeRow,
    MilestoneRiskRow,
    PrioritySuggestionRow,
    RiskModelRow,
)
from caseclock.store.models.people import (
    ConsoleSessionRow,
    InvitationRow,
    SignInAttemptRow,
    TeamMemberRow,
    TeamRow,
    UserIdentityRow,
    UserRow,
)
from caseclock.store.models.policy import (
    CalendarRow,
    CalendarVersionRow,
    EntitlementRuleSetRow,
    PolicyMigrationRow,
    ProcessRow,
)
from caseclock.store.models.records import EventRow, MilestoneRow, NoteRow, RecordRow, TaskRow
from caseclock.store.models.reviews import ReviewMarkRow, ReviewRunRow, ReviewScheduleRow
from caseclock.store.models.worker import (
    DeliveryRow,
    EndpointRow,
    EscalationRuleSetRow,
    EscalationTimerKind,
    EscalationTimerRow,
    FiringHoldRow,
    FiringRow,
)

__all__ = [
    "AccountMilestoneRow",
    "AccountRow",
    "AccountTaskRow",
    "ApiKeyRow",
    "AssetRow",
    "AuditRow",
    "Base",
    "CalendarRow",
    "CalendarVersionRow",
    "CommentSentimentRow",
    "ConsoleSessionRow",
    "ContactRow",
    "CsatRow",
    "CycleAnalysisRow",
    "CycleHoldingRow",
    "DeliveryRow",
    "EndpointRow",
    "EntitlementRow",
    "EntitlementRuleSetRow",
    "EscalationRuleSetRow",
    "EscalationTimerKind",
    "EscalationTimerRow",
    "EventRow",
    "FiringHoldRow",
    "FiringRow",
    "HandoffSummaryRow",
    "InboundPayloadRow",
    "InsightChangeRow",
    "InvitationRow",
    "MilestoneCollaboratorRow",
    "MilestoneNoteRow",
    "MilestoneReminderRow",
    "MilestoneRiskRow",
    "MilestoneRow",
    "NoteRow",
    "PlanRow",
    "PolicyMigrationRow",
    "PrioritySuggestionRow",
    "ProcessRow",
    "RecordRow",
    "ReviewMarkRow",
    "ReviewRunRow",
    "ReviewScheduleRow",
    "RiskModelRow",
    "SignInAttemptRow",
    "SigningKeyRow",
    "TaskRow",
    "TeamMemberRow",
    "TeamRow",
    "UserIdentityRow",
    "UserRow",
]
