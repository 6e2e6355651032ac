"""The ORM models, one module per concern; importing this package registers every table."""

from caseclock.store.models.access import ApiKeyRow
from caseclock.store.models.base import Base
from caseclock.store.models.customers import AccountRow, AssetRow, ContactRow, EntitlementRow
from caseclock.store.models.policy import CalendarRow, EntitlementRuleSetRow, ProcessRow
from caseclock.store.models.records import EventRow, MilestoneRow, NoteRow, RecordRow, TaskRow
from caseclock.store.models.worker import (
    DeliveryRow,
    EndpointRow,
    EscalationRuleSetRow,
    EscalationTimerRow,
    FiringRow,
)

__all__ = [
    "AccountRow",
    "ApiKeyRow",
    "AssetRow",
    "Base",
    "CalendarRow",
    "ContactRow",
    "DeliveryRow",
    "EndpointRow",
    "EntitlementRow",
    "EntitlementRuleSetRow",
    "EscalationRuleSetRow",
    "EscalationTimerRow",
    "EventRow",
    "FiringRow",
    "MilestoneRow",
    "NoteRow",
    "ProcessRow",
    "RecordRow",
    "TaskRow",
]
