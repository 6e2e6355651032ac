"""Which process a new record runs on, and which version: chosen once, kept for life.

In order: a process named on the record (``process`` in its created data); an entitlement of
its account valid on the record's creation date (manual ones before automatic ones); the
entitlement rules of the newest applied bundle. None of these: no clock, and the record shows
up in ``GET /records?entitlement=missing``.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy.orm import Session

from caseclock.core.entitlement import choose_process
from caseclock.core.policy import EntitlementRules
from caseclock.errors import ValidationFailed
from caseclock.store.models import EntitlementRow
from caseclock.store.repositories.customers import EntitlementRepository
from caseclock.store.repositories.policy import ProcessRepository, RuleSetRepository


@dataclass(frozen=True, slots=True)
class Assignment:
    process_key: str
    process_version: int
    entitlement_id: int | None = None


class ProcessChooser:
    """Chooses processes for a batch of new records; loads the rules and versions once."""

    def __init__(self, session: Session) -> None:
        self._session = session
        self._processes = ProcessRepository(session)
        self._latest: dict[str, int | None] = {}
        self._rules: EntitlementRules | None = None

    def latest_version(self, key: str) -> int | None:
        if key not in self._latest:
            row = self._processes.latest(key)
            self._latest[key] = row.version if row is not None else None
        return self._latest[key]

    def rules(self) -> EntitlementRules:
        if self._rules is None:
            row = RuleSetRepository(self._session).latest()
            self._rules = (
                EntitlementRules.model_validate(row.document)
                if row is not None
                else EntitlementRules()
            )
        return self._rules

    def by_rules(
        self, fields: Mapping[str, Any], account: Mapping[str, Any] | None, at: datetime
    ) -> str | None:
        """The process key the entitlement rules give for a record's (or account's) fields."""
        return choose_process(self.rules(), fields, account, at=at)

    def choose(
        self,
        fields: Mapping[str, Any],
        account: Mapping[str, Any] | None,
        *,
        at: datetime,
        explicit: str | None,
        entitlements: list[EntitlementRow],
    ) -> Assignment | None:
        if explicit is not None:
            version = self.latest_version(explicit)
            if version is None:
                raise ValidationFailed(f"no process with key {explicit!r}", path="process")
            return Assignment(explicit, version)
        for entitlement in sorted(entitlements, key=lambda e: (e.source != "manual", e.id)):
            version = self.latest_version(entitlement.process_key)
            if version is not None:
                return Assignment(entitlement.process_key, version, entitlement.id)
        key = self.by_rules(fields, account, at)
        version = self.latest_version(key) if key is not None else None
        if key is None or version is None:
            return None
        return Assignment(key, version)


def active_entitlements(
    session: Session, account_ids: set[str], on: date
) -> dict[str, list[EntitlementRow]]:
    return EntitlementRepository(session).active_for_accounts(account_ids, on)
