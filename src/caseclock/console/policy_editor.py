"""The policy editor (admins): the policy in force as one YAML bundle, checked with each
problem at its path (and line), previewed on the stored history, applied and migrated.

Everything goes through the services the CLI and the API use (``services.policy``,
``services.policy_preview``, ``services.policy_migration``); this module only turns their
answers into what the page shows."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import datetime, timedelta

import yaml
from sqlalchemy.orm import Session

from caseclock.core.policy import PolicyBundle, PolicyInvalid, parse_bundle
from caseclock.core.policy_preview import PreviewSummary
from caseclock.errors import CaseclockError
from caseclock.services.policy import ensure_storable, policy_in_force
from caseclock.services.policy_migration import (
    MigrateChoice,
    change_policy,
    parse_migrate,
    run_all,
)
from caseclock.services.policy_preview import Asked, preview

ACTIONS = ("check", "preview", "apply")
MIGRATE = (
    ("none", "no: open records keep their versions"),
    ("open", "every open record"),
    ("matching", "the open records matching a condition"),
)
_SEGMENT = re.compile(r"([^.\[\]]+)|\[(\d+)\]")
_LINE = re.compile(r"^line (\d+)")


@dataclass(frozen=True, slots=True)
class Problem:
    """One problem with the bundle: where (a path, a line when it can be found), and what."""

    path: str
    line: int | None
    message: str


@dataclass(slots=True)
class EditorPage:
    text: str
    migrate: str = "none"
    matching: str = ""
    days: int = 90
    problems: list[Problem] = field(default_factory=list)
    error: str | None = None
    valid: str | None = None
    summary: PreviewSummary | None = None
    applied: list[str] = field(default_factory=list)
    migrated: int | None = None


def bundle_text(session: Session) -> str:
    """The policy in force, as YAML a person edits."""
    return yaml.safe_dump(policy_in_force(session), sort_keys=False, allow_unicode=True, width=100)


def line_of(text: str, path: str) -> int | None:
    """The line of ``text`` (a YAML bundle) where ``path`` (``processes.gold.milestones[1]
    .target``) stands, or its nearest parent that does; None when the text does not read."""
    try:
        node = yaml.compose(text, Loader=yaml.SafeLoader)
    except yaml.YAMLError:
        return None
    found = node.start_mark.line + 1 if node is not None else None
    for name, index in _SEGMENT.findall(path):
        if isinstance(node, yaml.MappingNode):
            node = next((v for k, v in node.value if k.value == name), None)
        elif isinstance(node, yaml.SequenceNode) and index and int(index) < len(node.value):
            node = node.value[int(index)]
        else:
            node = None
        if node is None:
            break
        found = node.start_mark.line + 1
    return found


def problems_of(text: str, exc: PolicyInvalid) -> list[Problem]:
    """Each ``path: message`` of a refusal, with the line its path stands on."""
    found = []
    for error in exc.errors:
        path, _, message = error.partition(": ")
        if not message:
            path, message = "", error
        if line := _LINE.match(path):
            found.append(Problem("", int(line[1]), message))
        else:
            found.append(Problem(path, line_of(text, path), message))
    return found


def _parsed(page: EditorPage) -> PolicyBundle | None:
    try:
        return ensure_storable(parse_bundle(page.text))
    except PolicyInvalid as exc:
        page.problems = problems_of(page.text, exc)
        return None


def _choice(page: EditorPage) -> MigrateChoice:
    given = f"matching:{page.matching}" if page.migrate == "matching" else page.migrate
    return parse_migrate(given)


def submit(session: Session, page: EditorPage, action: str, *, actor: str, now: datetime) -> bool:
    """Check, preview or apply the page's bundle and write the outcome on ``page``; False
    when it was refused (the caller rolls back: a refused apply changes nothing)."""
    bundle = _parsed(page)
    if bundle is None:
        return False
    asked = Asked(now, now - timedelta(days=page.days), now)
    try:
        choice = _choice(page)
        if action == "check":
            page.valid = (
                f"The bundle is valid: {len(bundle.calendars)} calendars, "
                f"{len(bundle.processes)} processes."
            )
        elif action == "preview":
            moving = Asked(now, asked.since, now, choice.moves, choice.predicate())
            page.summary = preview(session, bundle, moving)
        else:
            made = change_policy(session, bundle, choice=choice, actor=actor, asked=asked)
            if made.migration is not None:
                page.migrated = run_all(session, made.migration, now=now)
            page.applied = made.applied.lines()
            page.summary = made.summary
    except CaseclockError as exc:
        page.error = str(exc)
        return False
    return True
