"""Where an event came from (``source``) and who sent it (``actor``), stored beside the event.

Sources:

=============== ====================================================================
api             ``POST /events`` and ``POST /records``, by an API key
console         a form on the console's record page, by the signed-in person
worker          caseclock's own actions: timers fired, escalation rules, the customer's
                answer to a request for information
import          a file importer
webhook:VENDOR  a helpdesk's webhook (``webhook:zendesk``, ``webhook:freshdesk``, ...)
demo            the demo data loaded by ``caseclock serve --demo``
survey          a customer's answer on the satisfaction survey page (a signed link)
=============== ====================================================================

The actor names who sent it as the audit trail does: a user's handle, ``service:NAME`` for a
service account's key, or nothing (the worker, the demo, a webhook that names nobody).

Nothing about provenance is read from an event's id: a helpdesk may use any id, and
caseclock's own events are known by their ``worker`` source alone.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import StrEnum

SOURCE_LENGTH = 60  # the longest source the store keeps
ACTOR_LENGTH = 200
WEBHOOK_PREFIX = "webhook:"
_VENDOR = re.compile(r"[a-z0-9][a-z0-9_-]{0,39}")


class Source(StrEnum):
    API = "api"
    CONSOLE = "console"
    WORKER = "worker"
    IMPORT = "import"
    DEMO = "demo"
    SURVEY = "survey"


def webhook_source(vendor: str) -> str:
    """``webhook:VENDOR`` for a helpdesk webhook; ``vendor`` is 1-40 lower-case letters,
    digits, ``-`` or ``_`` (``ValueError`` otherwise)."""
    if not _VENDOR.fullmatch(vendor):
        raise ValueError(
            f"a webhook vendor is 1-40 lower-case letters, digits, '-' or '_' (got {vendor!r})"
        )
    return f"{WEBHOOK_PREFIX}{vendor}"


def is_source(value: str) -> bool:
    """Whether ``value`` is one of the sources above (a webhook's with a valid vendor)."""
    if value in Source.__members__.values():
        return True
    vendor = value.removeprefix(WEBHOOK_PREFIX)
    return value.startswith(WEBHOOK_PREFIX) and _VENDOR.fullmatch(vendor) is not None


@dataclass(frozen=True, slots=True)
class Provenance:
    """Who or what wrote a batch of events. Made with a source that is not one of the above,
    or an actor that is empty or too long, it raises ``ValueError``: provenance is set by code,
    never read from a request."""

    source: str
    actor: str | None = None

    def __post_init__(self) -> None:
        if not is_source(self.source):
            raise ValueError(f"unknown event source {self.source!r}")
        if self.actor is not None and not 0 < len(self.actor) <= ACTOR_LENGTH:
            raise ValueError(f"an event's actor has 1-{ACTOR_LENGTH} characters")

    @property
    def by_caseclock(self) -> bool:
        """Written by caseclock's own actions: no activity on the record."""
        return self.source == Source.WORKER

    @property
    def vendor(self) -> str | None:
        """The helpdesk of a webhook source."""
        if self.source.startswith(WEBHOOK_PREFIX):
            return self.source.removeprefix(WEBHOOK_PREFIX)
        return None


WORKER = Provenance(Source.WORKER)
DEMO = Provenance(Source.DEMO)
