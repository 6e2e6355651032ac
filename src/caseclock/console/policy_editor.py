"""The policy editor (admins): the policy in force as one YAML bundle, checked with each
problem at its path (and line), previewed on the stored history, applied and migrated.

Everything goes through the services the CLI and the API use (``services.policy``,
``services.policy_preview``, ``services.policy_migration``); this module only turns their
answers into what the page shows."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

import yaml
from sqlalchemy.orm import Session

from caseclock.core.policy import PolicyBundle, PolicyInvalid, parse_bundle
from caseclock.core.policy_preview import PreviewSummary
from caseclock.errors import CaseclockError, ValidationFailed
from caseclock.services.calendars import calendar_document, holiday_bundle
from caseclock.services.policy import ensure_storable, policy_in_force
from caseclock.services.policy_migration import (
    MigrateChoice,
    change_policy,
    parse_migrate,
    remaining,
    run_committed,
    unfinished,
)
from caseclock.services.policy_preview import Asked, preview
from caseclock.store.database import SessionFactory

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
    unfinished: Unfinished | None = None


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


def submit(
    session: Session,
    page: EditorPage,
    action: str,
    *,
    actor: str,
    now: datetime,
    factory: SessionFactory,
) -> bool:
    """Check, preview or apply the page's bundle and write the outcome on ``page``; False
    when it was refused (the caller rolls back: a refused apply changes nothing). An apply
    that moves open records commits, then moves them in committed batches (``factory``
    opens each): an interrupted one is resumed from this page."""
    bundle = _parsed(page)
    if bundle is None:
        return False
    try:
        choice = _choice(page)
        if action == "check":
            page.valid = (
                f"The bundle is valid: {len(bundle.calendars)} calendars, "
                f"{len(bundle.processes)} processes."
            )
        elif action == "preview":
            since = now - timedelta(days=page.days)
            moving = Asked(now, since, now, choice.moves, choice.predicate())
            page.summary = preview(session, bundle, moving)
        else:
            made = change_policy(session, bundle, choice=choice, actor=actor, now=now)
            page.applied = made.applied.lines()
            if made.migration is not None:
                session.commit()  # the apply stands; each batch then commits on its own
                walked = run_committed(factory, now=now)
                page.migrated, page.summary = walked.moved, walked.summary
    except CaseclockError as exc:
        page.error = str(exc)
        return False
    return True


def resume(page: EditorPage, *, now: datetime, factory: SessionFactory) -> bool:
    """Continue the unfinished migration to its end; False (``page.error``) when none is."""
    try:
        walked = run_committed(factory, now=now)
    except CaseclockError as exc:
        page.error = str(exc)
        return False
    page.applied = [f"migration {walked.id} resumed and finished"]
    page.migrated, page.summary = walked.moved, walked.summary
    return True


@dataclass(frozen=True, slots=True)
class Unfinished:
    """A migration interrupted before its end: how far it got."""

    id: int
    moved: int
    remaining: int


def unfinished_migration(session: Session) -> Unfinished | None:
    try:
        row = unfinished(session)
    except CaseclockError:
        return None
    return Unfinished(row.id, row.moved, remaining(session, row))


def holiday_text(session: Session, calendar: str, day: str, *, now: datetime) -> str:
    """A bundle holding calendar ``calendar`` with the holiday ``day`` added, as YAML a
    person reads before previewing it (``CaseclockError`` for a bad date or calendar)."""
    try:
        wanted = date.fromisoformat(day)
    except ValueError:
        raise ValidationFailed(f"{day!r} is not a date", path="holiday") from None
    bundle = holiday_bundle(session, calendar, [wanted], now=now)
    document = {"calendars": [calendar_document(spec) for spec in bundle.calendars]}
    return yaml.safe_dump(document, sort_keys=False, allow_unicode=True, width=100)
