"""Escalation rules: blunt, per-record rules on the time since a record last changed.

Distinct from milestones (which measure dwell time in a stage): an escalation rule looks at the
whole record, like "no activity for 8 business hours" or "open for 2 days without resolution",
with criteria so that Gold and Standard get different timings, and fires the same action kinds
as a milestone (``core.actions``)::

    escalation_rules:
      - name: idle_gold
        when: {field: tier, value: Gold}        # a level condition on the record and account
        since: modified                         # or created
        after: 8h                               # business time on the calendar; 2bd, eobd, 2d
        calendar: us-east                       # a rule per region when regions differ
        do: [{type: reassign, to: "role:senior_engineer"}, {type: webhook, endpoint: ops}]

A rule fires once per quiet spell: at ``basis + after`` where the basis is the record's last
change (``modified``) or its creation (``created``); any later change moves the basis and
re-arms it. Closed records never escalate. Pure: the caller passes the calendar and instants.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime, tzinfo
from functools import cached_property
from typing import Any, Literal

from pydantic import Field, field_validator, model_validator

from caseclock.core.actions import ActionSpec
from caseclock.core.calendar import BusinessCalendar
from caseclock.core.condition_spec import Condition, has_triggers
from caseclock.core.conditions import Facts, Predicate, compile_condition
from caseclock.core.documents import Document
from caseclock.core.durations import Duration, DurationKind, parse_duration

RULE_NAME_PATTERN = r"^[a-z][a-z0-9_]*$"


class EscalationRule(Document):
    """One rule: when it applies, what it measures from, how long, and what it does."""

    name: str = Field(pattern=RULE_NAME_PATTERN, max_length=64)
    description: str | None = None
    when: Condition | None = None
    since: Literal["modified", "created"] = "modified"
    after: str
    calendar: str = Field(min_length=1)
    do: tuple[ActionSpec, ...] = Field(min_length=1)

    @field_validator("after")
    @classmethod
    def _duration(cls, value: str) -> str:
        parse_duration(value)
        return value

    @model_validator(mode="after")
    def _level(self) -> EscalationRule:
        if self.when is not None and has_triggers(self.when):
            raise ValueError("when is a condition on fields; event triggers ('on') cannot hold")
        return self

    def duration(self) -> Duration:
        return self._duration_parsed

    @cached_property
    def _duration_parsed(self) -> Duration:
        return parse_duration(self.after)

    @cached_property
    def _predicate(self) -> Predicate | None:
        """``when`` compiled once per rule (ingestion asks every rule about every record)."""
        return None if self.when is None else compile_condition(self.when)

    def applies(
        self,
        fields: Mapping[str, Any],
        account: Mapping[str, Any],
        at: datetime,
        zone: tzinfo = UTC,
    ) -> bool:
        """True when the rule's criteria hold for the record's current fields (a date-only
        field read at 00:00 in ``zone``, the rule's calendar's)."""
        predicate = self._predicate
        if predicate is None:
            return True
        return predicate.test(Facts(at, fields, fields, account, None, None, None, zone))


def escalation_due(rule: EscalationRule, basis: datetime, calendar: BusinessCalendar) -> datetime:
    """The instant ``rule`` falls due for a record quiet since ``basis``."""
    duration = rule.duration()
    if duration.kind is DurationKind.CALENDAR_TIME:
        return basis + duration.amount
    if duration.kind is DurationKind.BUSINESS_DAYS:
        return calendar.add_business_days(basis, duration.days)
    if duration.kind is DurationKind.END_OF_BUSINESS_DAY:
        return calendar.end_of_business_day(basis, duration.days)
    return calendar.add(basis, duration.amount)
