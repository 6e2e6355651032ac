"""Policy bundles: validated as a whole, applied atomically, processes versioned.

Applying a bundle stores its calendars (replacing same-named ones), a new version of every
process whose document differs from its newest version, and its entitlement and escalation
rules as its scope says (``core.policy_scope``: left alone when the bundle has none, merged
into the rules in force, or the whole set with ``replace: true``); ``AppliedPolicy`` says what
it replaced, added and left, and warns of record types or tiers it leaves with no process.
Records keep the version they started with; only new records get the new versions, unless an
admin migrates open ones (``services.policy_migration``).

A bundle that validates must also store, and then run: every value that lands in a column
(a milestone's name on its milestone rows, a status an action sets, an action's endpoint, ...)
is checked against the store's limits (``store.limits``) before anything is applied, so a
policy applied today never makes tomorrow's events fail. Email template names are names, not
paths: letters, digits, ``_`` and ``-``.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from caseclock.core.actions import ActionSpec
from caseclock.core.policy import EntitlementRules, PolicyBundle, PolicyInvalid, Process
from caseclock.core.policy_scope import (
    RuleChanges,
    merge_entitlement_rules,
    merge_escalation_rules,
    uncovered,
)
from caseclock.errors import NotFound
from caseclock.services.calendars import list_calendars, put_calendar
from caseclock.services.escalations import rules_in_force
from caseclock.services.escalations import store_rules as store_escalation_rules
from caseclock.store.limits import (
    BODY,
    FIELD_NAME,
    RECORD_COLUMNS,
    SUBJECT,
    column_length,
    text_problem,
)
from caseclock.store.models import (
    DeliveryRow,
    EntitlementRuleSetRow,
    MilestoneRow,
    ProcessRow,
    TaskRow,
)
from caseclock.store.repositories.policy import (
    ProcessRepository,
    RuleSetRepository,
    known_types_and_tiers,
)


@dataclass(frozen=True, slots=True)
class AppliedProcess:
    key: str
    version: int
    created: bool


@dataclass(slots=True)
class AppliedPolicy:
    calendars: list[tuple[str, bool]] = field(default_factory=list)
    processes: list[AppliedProcess] = field(default_factory=list)
    rule_set: int | None = None
    entitlement_rules: RuleChanges = field(default_factory=RuleChanges)
    escalation_rules: RuleChanges = field(default_factory=RuleChanges)
    warnings: list[str] = field(default_factory=list)

    def lines(self) -> list[str]:
        """What the bundle did, one line each: calendars, processes, rules, then warnings."""
        out = [f"calendar {n}: {'updated' if c else 'unchanged'}" for n, c in self.calendars]
        for p in self.processes:
            state = "new version" if p.created else "unchanged"
            out.append(f"process {p.key}: version {p.version} ({state})")
        for name, changes in (
            ("entitlement rule", self.entitlement_rules),
            ("escalation rule", self.escalation_rules),
        ):
            for verb, items in (
                ("replaced", changes.replaced),
                ("added", changes.added),
                ("left", changes.left),
            ):
                out += [f"{name} {verb}: {item}" for item in items]
        return out + [f"warning: {w}" for w in self.warnings]


def process_document(process: Process) -> dict[str, Any]:
    """The stored form: the process without its version (the store numbers versions)."""
    document = process.model_dump(mode="json", exclude_none=True)
    document.pop("version", None)
    return document


TEMPLATE_NAME = re.compile(r"[A-Za-z0-9_-]{1,100}")

# An action's text parameters: the most each may hold, and whether it may hold line breaks.
_ACTION_TEXT: dict[str, tuple[int, bool]] = {
    "to": (RECORD_COLUMNS["owner"], False),
    "subject": (SUBJECT, False),
    "channel": (RECORD_COLUMNS["owner"], False),
    "endpoint": (column_length(DeliveryRow.endpoint), False),
    "field": (FIELD_NAME, False),
    "title": (column_length(TaskRow.title), False),
    "body": (BODY, True),
    "status": (RECORD_COLUMNS["status"], False),
}


def storable_problems(bundle: PolicyBundle) -> list[str]:
    """``path: message`` for each value of ``bundle`` the store could not hold or a worker
    could not use; empty when it can all be applied."""
    problems: list[str] = []

    def check(path: str, value: str, limit: int, multiline: bool = False) -> None:
        why = text_problem(value, limit=limit, multiline=multiline)
        if why is not None:
            problems.append(f"{path}: {why}")

    for key, process in bundle.processes.items():
        where = f"processes.{key}"
        check(f"{where}.name", process.name, column_length(ProcessRow.name))
        for index, status in enumerate(process.closed_statuses):
            check(f"{where}.closed_statuses[{index}]", status, RECORD_COLUMNS["status"])
        for index, definition in enumerate(process.milestones):
            at = f"{where}.milestones[{index}]"
            check(f"{at}.name", definition.title, column_length(MilestoneRow.name))
            for plan in ("warning", "violation", "success"):
                actions = getattr(definition.actions, plan).do
                for number, action in enumerate(actions):
                    path = f"{at}.actions.{plan}.do[{number}]"
                    problems += _action_problems(path, action)
                    if action.status and process.statuses and action.status not in process.statuses:
                        problems.append(
                            f"{path}.status: {action.status!r} is not among the process's statuses"
                        )
    for index, rule in enumerate(bundle.escalation_rules):
        for number, action in enumerate(rule.do):
            problems += _action_problems(f"escalation_rules[{index}].do[{number}]", action)
    return problems


def ensure_storable(bundle: PolicyBundle) -> PolicyBundle:
    """``bundle``, or ``PolicyInvalid`` naming every value the store could not hold: what
    ``apply_bundle`` would refuse, so validating and simulating refuse the same."""
    problems = storable_problems(bundle)
    if problems:
        raise PolicyInvalid(problems)
    return bundle


def _action_problems(path: str, action: ActionSpec) -> list[str]:
    problems = []
    for name, (limit, multiline) in _ACTION_TEXT.items():
        value = getattr(action, name)
        why = None if value is None else text_problem(value, limit=limit, multiline=multiline)
        if why is not None:
            problems.append(f"{path}.{name}: {why}")
    column = RECORD_COLUMNS.get(action.field or "")
    if column is not None and isinstance(action.value, str):
        why = text_problem(action.value, limit=column)
        if why is not None:
            problems.append(f"{path}.value: {why}")
    if action.template is not None and not TEMPLATE_NAME.fullmatch(action.template):
        problems.append(
            f"{path}.template: a template name is letters, digits, _ and - (at most 100), "
            "not a path"
        )
    return problems


def apply_bundle(session: Session, bundle: PolicyBundle, *, now: datetime) -> AppliedPolicy:
    """Apply ``bundle``; ``PolicyInvalid`` (nothing applied) when the store cannot hold it."""
    ensure_storable(bundle)
    applied = AppliedPolicy()
    for spec in bundle.calendars:
        _, changed = put_calendar(session, spec, now=now, replace=True)
        applied.calendars.append((spec.name, changed))
    repo = ProcessRepository(session)
    for key, process in sorted(bundle.processes.items()):
        document = process_document(process)
        latest = repo.latest(key)
        if latest is not None and latest.document == document:
            applied.processes.append(AppliedProcess(key, latest.version, created=False))
            continue
        version = 1 if latest is None else latest.version + 1
        repo.add(
            ProcessRow(
                key=key, version=version, name=process.name, document=document, created_at=now
            )
        )
        applied.processes.append(AppliedProcess(key, version, created=True))
    applied.rule_set, applied.entitlement_rules = _apply_entitlement_rules(session, bundle, now=now)
    given = "escalation_rules" in bundle.model_fields_set
    rules, applied.escalation_rules = merge_escalation_rules(
        rules_in_force(session),
        bundle.escalation_rules if given else (),
        replace=given and bundle.replace_escalation_rules,
    )
    if given:
        store_escalation_rules(session, rules, now=now)
    types, tiers = known_types_and_tiers(session)
    in_force = entitlement_rules_in_force(session)
    applied.warnings = uncovered(in_force or EntitlementRules(), types, tiers, at=now)
    return applied


def entitlement_rules_in_force(session: Session) -> EntitlementRules | None:
    row = RuleSetRepository(session).latest()
    return None if row is None else EntitlementRules.model_validate(row.document)


def _apply_entitlement_rules(
    session: Session, bundle: PolicyBundle, *, now: datetime
) -> tuple[int | None, RuleChanges]:
    """Store the entitlement rules the bundle leaves in force; the set's id and the changes."""
    rule_sets = RuleSetRepository(session)
    current = rule_sets.latest()
    in_force = None if current is None else EntitlementRules.model_validate(current.document)
    if "entitlement_rules" not in bundle.model_fields_set:
        _, left = merge_entitlement_rules(in_force, EntitlementRules(), default_given=False)
        return (current.id if current is not None else None), left
    given = bundle.entitlement_rules
    merged, changes = merge_entitlement_rules(
        in_force, given, default_given="default" in given.model_fields_set
    )
    rules = merged.model_dump(mode="json", exclude_none=True, exclude={"replace"})
    if current is None or current.document != rules:
        current = rule_sets.add(EntitlementRuleSetRow(document=rules, created_at=now))
    return current.id, changes


def get_process(session: Session, key: str, version: int | None) -> ProcessRow:
    repo = ProcessRepository(session)
    row = repo.latest(key) if version is None else repo.get(key, version)
    if row is None:
        wanted = f"process {key!r}" + (f" version {version}" if version is not None else "")
        raise NotFound(f"no {wanted}")
    return row


def policy_in_force(session: Session) -> dict[str, Any]:
    """The installation's policy as one bundle: its calendars as they read today, the newest
    version of each process, and the rules in force as whole sets (``replace: true``), so that
    applying it again changes nothing. What the console's policy editor starts from."""
    bundle: dict[str, Any] = {
        "calendars": [row.document for row in list_calendars(session)],
        "processes": {
            row.key: parsed_process(row).model_dump(
                mode="json", exclude_defaults=True, exclude={"key", "version"}
            )
            for row in list_processes(session)
        },
    }
    rules = entitlement_rules_in_force(session)
    if rules is not None:
        document = rules.model_dump(mode="json", exclude_none=True, exclude={"replace"})
        bundle["entitlement_rules"] = {"replace": True, **document}
    escalation = [r.model_dump(mode="json", exclude_none=True) for r in rules_in_force(session)]
    if escalation:
        bundle["escalation_rules"] = {"replace": True, "rules": escalation}
    return bundle


def list_processes(session: Session) -> Sequence[ProcessRow]:
    return ProcessRepository(session).list_latest()


def process_versions(session: Session, key: str) -> Sequence[int]:
    return ProcessRepository(session).versions(key)


def parsed_process(row: ProcessRow) -> Process:
    return Process.model_validate({**row.document, "version": row.version})
