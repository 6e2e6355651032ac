"""Milestone actions as documents: what fires at the warning, the violation and the success.

The core only schedules them (``core.timers``); executing them is the worker's job.

```yaml
actions:
  warning:   {share: 0.75, do: [{type: email, to: owner}]}        # or before: 30m
  # or a ladder, earliest first: [{before: 3h, do: [...]}, {before: 2h}, {before: 1h}]
  violation: {repeat_every: 4h, do: [{type: reassign, to: "role:senior_engineer"}]}
  success:   {do: [{type: set_field, field: first_response_at, value: completed_at}]}
```
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import Field, JsonValue, field_validator, model_validator

from caseclock.core.documents import Document
from caseclock.core.durations import Duration, DurationKind
from caseclock.core.periods import Months, Period, parse_period

ActionType = Literal[
    "email",
    "webhook",
    "chat",
    "set_field",
    "reassign",
    "create_task",
    "add_note",
    "set_status",
    "pause",
    "resume",
    "request_info",
    "csat_survey",
]

_REQUIRED: dict[str, str] = {
    "email": "to",
    "webhook": "endpoint",
    "chat": "channel",
    "set_field": "field",
    "reassign": "to",
    "create_task": "title",
    "add_note": "body",
    "set_status": "status",
}
# Webhook and chat targets are registered endpoints (``endpoint: ops``; a chat may name its
# endpoint by ``channel``), so secrets stay out of policy documents and every URL a delivery
# goes to has passed the endpoint checks: a policy carries no raw URL.
_ENDPOINT_TARGETS = frozenset({"webhook", "chat"})


class ActionSpec(Document):
    """One action. ``to`` names a person, ``owner``, ``team_lead`` or ``role:NAME``.

    ``endpoint`` names a registered webhook or chat endpoint; ``missing`` lists what a
    ``request_info`` action asks the customer for (it emails them and pauses the milestone).
    """

    type: ActionType
    to: str | None = None
    subject: str | None = None
    template: str | None = None
    url: str | None = None
    channel: str | None = None
    field: str | None = None
    value: JsonValue = None
    title: str | None = None
    body: str | None = None
    status: str | None = None
    endpoint: str | None = None
    missing: tuple[str, ...] = ()

    @model_validator(mode="after")
    def _has_parameters(self) -> ActionSpec:
        if self.url is not None:
            raise ValueError(
                f"a {self.type} action names a registered endpoint (endpoint: NAME), not a url: "
                "register the URL through /api/v1/endpoints"
            )
        needed = _REQUIRED.get(self.type)
        if self.endpoint is not None and self.type in _ENDPOINT_TARGETS:
            return self
        if needed is not None and getattr(self, needed) is None:
            raise ValueError(f"a {self.type} action needs {needed!r}")
        return self


def check_period(value: str | None) -> str | None:
    """Validate an optional period string, keeping the text people wrote."""
    if value is not None:
        parse_period(value)
    return value


def check_offset(value: str | None) -> str | None:
    """An offset from a deadline: business time (``30m``) or calendar time (``2d``)."""
    if value is not None:
        period = parse_period(value)
        if isinstance(period, Months) or period.kind not in _OFFSET_KINDS:
            raise ValueError(
                f"{value!r}: an offset is business time (30m, 4h) or calendar time (2d)"
            )
    return value


MAX_WARNINGS = 8  # rungs of a warning ladder

_OFFSET_KINDS = frozenset({DurationKind.BUSINESS_TIME, DurationKind.CALENDAR_TIME})


def check_warning_offset(value: str | None) -> str | None:
    """A warning offset before a deadline: business or calendar time, or months (``2mo``)."""
    if value is not None and not isinstance(parse_period(value), Months):
        check_offset(value)
    return value


class WarningPlan(Document):
    """When the warning fires: at ``share`` of the target (default 0.75), or ``before`` the
    deadline (business time ``30m``, calendar time ``2d``, months ``2mo``)."""

    share: float | None = Field(default=None, gt=0, lt=1)
    before: str | None = None
    do: tuple[ActionSpec, ...] = ()

    _before = field_validator("before")(check_warning_offset)

    @model_validator(mode="after")
    def _one_instant(self) -> WarningPlan:
        if self.share is not None and self.before is not None:
            raise ValueError("give the warning either a share or a before offset, not both")
        return self

    def effective_share(self) -> float:
        return 0.75 if self.share is None else self.share

    def before_period(self) -> Period | None:
        return None if self.before is None else parse_period(self.before)


class ViolationPlan(Document):
    """The violation fires ``after`` the deadline (default at it), then every ``repeat_every``."""

    after: str | None = None
    repeat_every: str | None = None
    do: tuple[ActionSpec, ...] = ()

    _offsets = field_validator("after", "repeat_every")(check_offset)

    def offsets(self) -> tuple[Duration | None, Duration | None]:
        """``after`` and ``repeat_every`` parsed (both business or calendar time)."""
        return _offset(self.after), _offset(self.repeat_every)


def _offset(text: str | None) -> Duration | None:
    period = None if text is None else parse_period(text)
    return period if isinstance(period, Duration) else None


class SuccessPlan(Document):
    """What fires when the milestone completes (on time or late)."""

    do: tuple[ActionSpec, ...] = ()


class Actions(Document):
    """``warning`` is the first warning; ``warnings`` the further rungs of a ladder (``warning``
    may be written as the whole list: its first item becomes ``warning``, the rest
    ``warnings``). Rung ``i`` fires as the warning timer of sequence ``i``."""

    warning: WarningPlan = WarningPlan()
    warnings: tuple[WarningPlan, ...] = Field(default=(), max_length=MAX_WARNINGS - 1)
    violation: ViolationPlan = ViolationPlan()
    success: SuccessPlan = SuccessPlan()

    @model_validator(mode="before")
    @classmethod
    def _ladder(cls, value: Any) -> Any:
        if isinstance(value, dict) and isinstance(value.get("warning"), list):
            rungs = value["warning"]
            if not rungs:
                raise ValueError("a warning ladder lists at least one warning")
            if value.get("warnings"):
                raise ValueError("give the ladder as a list under warning, or warnings, not both")
            value = {**value, "warning": rungs[0], "warnings": rungs[1:]}
        return value

    def ladder(self) -> tuple[WarningPlan, ...]:
        """Every warning, the first one first (its place is the timer's sequence)."""
        return (self.warning, *self.warnings)
