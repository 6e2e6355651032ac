"""What one delivery attempt came to: delivered, worth retrying, or never going to work."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from enum import StrEnum


class DeliveryStatus(StrEnum):
    DELIVERED = "delivered"
    RETRYABLE = "retryable"  # try again later (backoff), up to the attempt limit
    PERMANENT = "permanent"  # dead-letter now: retrying the same request cannot succeed


@dataclass(frozen=True, slots=True)
class DeliveryOutcome:
    """The result of one attempt. ``reason`` is a one-line explanation for the delivery log.

    ``code`` is the HTTP or SMTP status when the other side answered; ``retry_after`` is the
    wait the receiver asked for (HTTP ``Retry-After``), if any.
    """

    status: DeliveryStatus
    reason: str
    code: int | None = None
    retry_after: timedelta | None = None

    @classmethod
    def delivered(cls, reason: str, code: int | None = None) -> DeliveryOutcome:
        return cls(DeliveryStatus.DELIVERED, reason, code)

    @classmethod
    def retryable(
        cls, reason: str, code: int | None = None, retry_after: timedelta | None = None
    ) -> DeliveryOutcome:
        return cls(DeliveryStatus.RETRYABLE, reason, code, retry_after)

    @classmethod
    def permanent(cls, reason: str, code: int | None = None) -> DeliveryOutcome:
        return cls(DeliveryStatus.PERMANENT, reason, code)
