"""Policies in words: conditions, targets, recurrences and actions as a support lead reads them.

``describe`` turns a structured condition into a sentence fragment ("a public comment by an
agent", "status is Waiting for Customer"); nothing here evaluates anything.
"""

from __future__ import annotations

import re
from collections.abc import Collection

from caseclock.core.actions import ActionSpec, WarningPlan
from caseclock.core.condition_spec import DROP_BANDS, DROP_WITHIN, Condition, Op, Trigger
from caseclock.core.durations import DurationKind, parse_duration
from caseclock.core.policy import CalendarChoice, MilestoneDef, Recurrence, Target

_OPS = {
    Op.EQ: "is",
    Op.NE: "is not",
    Op.IN: "is one of",
    Op.NOT_IN: "is none of",
    Op.GT: "is after / above",
    Op.GTE: "is at least",
    Op.LT: "is before / below",
    Op.LTE: "is at most",
    Op.CONTAINS: "contains",
    Op.WITHIN_NEXT: "falls within the next",
    Op.WITHIN_LAST: "fell within the last",
}

_TRIGGERS = {
    Trigger.CREATED: "the record is created",
    Trigger.OWNER_SET: "an owner is set",
    Trigger.OWNER_CHANGED: "the owner changes",
    Trigger.TEAM_SET: "a team is set",
    Trigger.TEAM_CHANGED: "the team changes",
    Trigger.PRIORITY_CHANGED: "the priority changes",
    Trigger.CLOSED: "the record is closed",
    Trigger.REOPENED: "the record is reopened",
    Trigger.NOTE: "an internal note is added",
    Trigger.TASK: "a task is created",
}


def _value(value: object) -> str:
    if isinstance(value, list | tuple):
        return ", ".join(str(v) for v in value)
    if isinstance(value, bool):
        return "yes" if value else "no"
    return str(value)


def _field(name: str | None) -> str:
    return (name or "?").replace("account.", "the account's ").replace("_", " ")


def field_label(name: str) -> str:
    """A record field's name as a label: ``l2_escalated`` -> "L2 escalated"."""
    words = name.replace("_", " ").strip()
    return words[:1].upper() + words[1:]


def describe(cond: Condition) -> str:  # noqa: PLR0911 (one return per kind of condition)
    """The condition as words."""
    if cond.all is not None:
        return " and ".join(_nested(c) for c in cond.all)
    if cond.any is not None:
        return " or ".join(_nested(c) for c in cond.any)
    if cond.not_ is not None:
        return f"not ({describe(cond.not_)})"
    if cond.on is not None:
        return _trigger(cond)
    op = cond.op or Op.EQ
    if op is Op.IS_SET:
        return f"{_field(cond.field)} is filled in"
    if op is Op.IS_NOT_SET:
        return f"{_field(cond.field)} is empty"
    return f"{_field(cond.field)} {_OPS[op]} {_value(cond.value)}"


def _nested(cond: Condition) -> str:
    text = describe(cond)
    return f"({text})" if cond.all is not None or cond.any is not None else text


def _trigger(cond: Condition) -> str:  # noqa: PLR0911 (one return per kind of trigger)
    trigger = cond.on
    assert trigger is not None  # noqa: S101 (callers check)
    if trigger in _TRIGGERS:
        text = _TRIGGERS[trigger]
        if cond.value is not None and trigger is Trigger.PRIORITY_CHANGED:
            text += f" to {_value(cond.value)}"
        return text
    if trigger is Trigger.COMMENT:
        kind = {True: "a public", False: "an internal", None: "a"}[cond.public]
        by = f" by {'an' if cond.author_role == 'agent' else 'the'} {cond.author_role}"
        return f"{kind} comment{by if cond.author_role else ''}"
    if trigger is Trigger.STATUS_ENTERS:
        return f"status becomes {_value(cond.value)}"
    if trigger is Trigger.STATUS_LEAVES:
        return f"status leaves {_value(cond.value)}"
    if trigger is Trigger.MILESTONE_COMPLETED:
        return f"milestone {cond.milestone} completes"
    if trigger is Trigger.SENTIMENT_BELOW:
        return f"a customer comment's sentiment is below {_value(cond.value)}"
    if trigger is Trigger.SENTIMENT_DROP:
        return (
            f"the customer's sentiment falls {cond.bands or DROP_BANDS} bands within "
            f"{cond.within or DROP_WITHIN} comments"
        )
    verb = {
        Trigger.FIELD_SET: "is set",
        Trigger.FIELD_CLEARED: "is cleared",
        Trigger.FIELD_CHANGED: "changes",
    }[trigger]
    suffix = f" to {_value(cond.value)}" if cond.value is not None else ""
    return f"{_field(cond.field)} {verb}{suffix}"


_UNIT = re.compile(r"(\d+)\s*(m|h|d|w|mo|y)")
_UNITS = {"m": "minute", "h": "hour", "d": "day", "w": "week", "mo": "month", "y": "year"}


def duration_words(text: str) -> str:
    """``4h`` -> "4 business hours"; ``5bd`` -> "5 business days"; ``eobd`` -> "end of the next
    business day"; ``30d`` -> "30 days"; ``24h`` of calendar time -> "24 calendar hours"."""
    try:
        parsed = parse_duration(text)
    except ValueError:
        return text
    if parsed.kind is DurationKind.BUSINESS_DAYS:
        return f"{parsed.days} business day{'s' if parsed.days != 1 else ''}"
    if parsed.kind is DurationKind.END_OF_BUSINESS_DAY:
        n = parsed.days
        return "end of the next business day" if n <= 1 else f"end of business day {n}"
    calendar = parsed.kind is DurationKind.CALENDAR_TIME
    single = _UNIT.fullmatch(text.strip())
    if single is not None:
        count, unit = int(single.group(1)), _UNITS[single.group(2)]
        kind = "" if calendar and unit not in ("minute", "hour") else "calendar"
        kind = kind if calendar else "business"
        plural = "s" if count != 1 else ""
        return " ".join(w for w in (str(count), kind, unit + plural) if w)
    return f"{text} of calendar time" if calendar else f"{text} of business time"


def target_lines(target: Target) -> list[str]:
    """One line per rule, first match wins, then the fallback."""
    lines = [
        f"{duration_words(r.duration) if r.duration else 'until ' + str(r.date_field)} "
        f"when {describe(r.when)}"
        for r in target.rules
    ]
    if target.is_given():
        own = duration_words(target.duration) if target.duration else f"until {target.date_field}"
        lines.append(f"otherwise {own}" if lines else own)
    return lines


def calendar_words(choice: CalendarChoice | None) -> str:
    if choice is None:
        return "the process calendar"
    if choice.name is not None:
        return choice.name
    mapped = ", ".join(f"{k} → {v}" for k, v in choice.map.items())
    return f"by {choice.field} ({mapped}; otherwise {choice.default})"


def recurrence_words(recurrence: Recurrence) -> str:
    if recurrence.mode == "once":
        return "once"
    if recurrence.mode == "repeat":
        until = f" until {describe(recurrence.until)}" if recurrence.until else ""
        return f"repeats from each {recurrence.anchor}{until}"
    if recurrence.mode == "sequential":
        return "again each time it starts, after the previous cycle"
    return "a new cycle each time it starts"


def owner_words(owner: str) -> str:
    kind, _, name = owner.partition(":")
    if kind == "record":
        return "the record's owner"
    if kind == "field":
        return f"the person in the field “{field_label(name)}”"
    return recipient_words(owner)


_INSTANTS = {
    "completed_at": "the time it was completed",
    "deadline": "its deadline",
    "started_at": "the time it started",
    "warning_at": "its warning time",
    "now": "the time the action runs",
}


def recipient_words(to: str) -> str:
    """``owner`` -> "the record's owner"; ``team_lead:L2`` -> "the L2 team lead"; ``role:x`` ->
    "everyone with the x role"; a person or an address as it is."""
    kind, _, name = to.partition(":")
    if kind == "owner" and not name:
        return "the record's owner"
    if kind == "team_lead":
        return f"the {name} team lead" if name else "the team lead"
    if kind == "role" and name:
        return f"everyone with the {name.replace('_', ' ')} role"
    return to


def team_words(team: str, role_queues: Collection[str] = ()) -> str:
    """A record's team as people read it: the queue of a role that a ``reassign`` to
    ``role:senior_engineer`` handed the record to (the engine keeps ``senior_engineer`` as its
    team) -> "Senior engineer queue"; a team's own name as it is."""
    return f"{field_label(team)} queue" if team in role_queues else team


def group_words(dimension: str, label: str, role_queues: Collection[str] = ()) -> str:
    """A reports group ("dimension:label") as people read it: "everyone", "tier Platinum",
    "team L2", or a role's queue as ``team_words`` names it ("Senior engineer queue")."""
    if dimension == "all":
        return "everyone"
    if dimension == "team" and label in role_queues:
        return team_words(label, role_queues)
    return f"{dimension} {label}"


def action_words(action: ActionSpec) -> str:  # noqa: PLR0911 (one return per action type)
    target = f" {recipient_words(action.to)}" if action.to else ""
    match action.type:
        case "email":
            return f"email{target}"
        case "chat":
            return f"a chat message to {action.channel or action.endpoint}"
        case "webhook":
            return f"a signed webhook{' to ' + action.endpoint if action.endpoint else ''}"
        case "set_field":
            value = action.value
            shown = _INSTANTS.get(value, _value(value)) if isinstance(value, str) else _value(value)
            return f"record {shown} in the field “{field_label(action.field or '')}”"
        case "reassign":
            return f"reassign to{target}"
        case "create_task":
            return f"a task “{action.title}”{' for' + target if target else ''}"
        case "add_note":
            return "add a note"
        case "set_status":
            return f"set the status to {action.status}"
        case "pause":
            return "pause the clock"
        case "resume":
            return "resume the clock"
        case "request_info":
            return "ask the customer for what is missing and pause the clock"
    return str(action.type)


_REOPEN = {
    "resume": "the same clock resumes",
    "restart": "a new cycle starts",
    "ignore": "nothing changes",
}


def _warning_words(plan: WarningPlan) -> str:
    if plan.before is None:
        return f"at {plan.effective_share():.0%} of the target"
    return f"{plan.before} before the deadline"


def milestone_summary(definition: MilestoneDef) -> dict[str, object]:
    """Every part of a definition as words, for the process page."""
    actions = definition.actions
    ladder = actions.ladder()
    warning_at = "; then ".join(_warning_words(plan) for plan in ladder)
    warning_do = [
        f"{_warning_words(plan)}: {action_words(a)}" if len(ladder) > 1 else action_words(a)
        for plan in ladder
        for a in plan.do
    ]
    repeat = (
        f", then every {actions.violation.repeat_every}" if actions.violation.repeat_every else ""
    )
    return {
        "key": definition.key,
        "title": definition.title,
        "description": definition.description,
        "applies": describe(definition.applies_when) if definition.applies_when else "always",
        "start": describe(definition.start),
        "complete": describe(definition.complete)
        if definition.complete
        else "at its deadline (a dated checkpoint)",
        "pause": describe(definition.pause) if definition.pause else None,
        "targets": target_lines(definition.target),
        "calendar": calendar_words(definition.calendar),
        "recurrence": recurrence_words(definition.recurrence),
        "owner": owner_words(definition.owner),
        "on_reopen": _REOPEN[definition.on_reopen],
        "warning": (warning_at, warning_do),
        "violation": (f"at the deadline{repeat}", [action_words(a) for a in actions.violation.do]),
        "success": ("on completion", [action_words(a) for a in actions.success.do]),
    }
