"""The role queues the policy hands records to, so that pages can name them.

A ``reassign`` to ``role:NAME`` hands a record to that role's queue, with no owner: the engine
keeps NAME as the record's team (``services.effects``). Pages word such a team as a queue
("Senior engineer queue", ``wording.team_words``), not as the engine's key.
"""

from __future__ import annotations

from collections.abc import Iterator

from sqlalchemy.orm import Session

from caseclock.core.actions import ActionSpec
from caseclock.core.policy import MilestoneDef
from caseclock.services.escalations import rules_in_force
from caseclock.services.evaluation import parsed_process
from caseclock.services.policy import list_processes

ROLE = "role:"


def role_queues(session: Session) -> frozenset[str]:
    """NAME of each ``reassign`` to ``role:NAME`` in the newest process versions and the
    escalation rules in force."""
    return frozenset(
        action.to.removeprefix(ROLE)
        for action in _actions(session)
        if action.type == "reassign" and action.to and action.to.startswith(ROLE)
    )


def definitions_in_force(session: Session) -> Iterator[MilestoneDef]:
    """The milestone definitions of the newest version of each process."""
    for row in list_processes(session):
        yield from parsed_process(row.document, row.version).milestones


def _actions(session: Session) -> Iterator[ActionSpec]:
    for definition in definitions_in_force(session):
        plans = definition.actions
        for warning in plans.ladder():
            yield from warning.do
        yield from plans.violation.do
        yield from plans.success.do
    for rule in rules_in_force(session):
        yield from rule.do
