"""Giving a record that has no clock (no entitlement matched when it was created) a process
by hand: its milestones then run from its whole timeline, as if it had had the process from
the start, so a case flagged an hour after creation is an hour into its first response."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.orm import Session

from caseclock.errors import Conflict, ValidationFailed
from caseclock.services.access import Principal, Role
from caseclock.services.assignment import ProcessChooser, active_entitlements
from caseclock.services.ingest import refresh
from caseclock.services.records import get_record
from caseclock.store.models import RecordRow


def assign_process(
    session: Session, record_id: str, principal: Principal, *, process_key: str, now: datetime
) -> RecordRow:
    """Run the record on the newest version of ``process_key``, under its account's entitlement
    to that process when it has one; refused for a record that already has a process."""
    principal.require(Role.AGENT)
    record = get_record(session, record_id, principal)
    if record.process_key is not None:
        raise Conflict(f"record {record.id!r} already runs on process {record.process_key!r}")
    version = ProcessChooser(session).latest_version(process_key)
    if version is None:
        raise ValidationFailed(f"no process with key {process_key!r}", path="process")
    entitled = (
        active_entitlements(session, {record.account_id}, now.date()).get(record.account_id, [])
        if record.account_id
        else []
    )
    record.process_key, record.process_version = process_key, version
    record.entitlement_id = next((e.id for e in entitled if e.process_key == process_key), None)
    session.flush()
    refresh(session, {record.id}, now=now)
    return get_record(session, record.id, principal)
