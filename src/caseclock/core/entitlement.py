"""Which process a new record gets: the bundle's entitlement rules, first match wins.

Rules are level conditions (``core.condition_spec``) over the record's fields (``type``,
``priority``, ``product``, ``region``, custom fields) and its account's (``tier``, ``region``,
``renewal_date``, ...; a record field of the same name wins, ``account.NAME`` reads the account
only). No rule matching and no default means no entitlement, hence no clock: the caller must
flag such a record.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

from caseclock.core.conditions import Facts, compile_condition
from caseclock.core.policy import EntitlementRules

_LONG_AGO = datetime(1, 1, 1, tzinfo=UTC)


def choose_process(
    rules: EntitlementRules,
    fields: Mapping[str, Any],
    account: Mapping[str, Any] | None = None,
    *,
    at: datetime | None = None,
) -> str | None:
    """The key of the first rule's process whose ``when`` holds, else the default (or None).

    ``at`` is the instant date windows (``within_next: 30d``) are measured from, normally the
    record's creation; without it no date window matches.
    """
    facts = Facts(at or _LONG_AGO, fields, fields, account or {})
    for rule in rules.rules:
        if compile_condition(rule.when)(facts):
            return rule.process
    return rules.default
