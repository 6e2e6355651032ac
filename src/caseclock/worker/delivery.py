"""Send one claimed delivery through its channel: a signed webhook, a chat message, an email.

No database here: the outbox service claims and settles, the sender schedules; this only talks
to the outside world and always returns a ``DeliveryOutcome``. Whatever goes wrong, including
an exception no adapter expected, ends this one delivery: a failure to build what would be sent
(a malformed stored document, a recipient that is not an address) is permanent, since sending
the same thing again cannot succeed; an unexpected error while sending is retryable.
"""

from __future__ import annotations

import logging
from datetime import datetime

import httpx

from caseclock.channels.chat import deliver_chat
from caseclock.channels.email import RenderedEmail, SmtpSettings, deliver_email
from caseclock.channels.outcome import DeliveryOutcome
from caseclock.channels.payloads import encode_json
from caseclock.channels.webhook import deliver_webhook, post_json
from caseclock.services.outbox import Claimed

log = logging.getLogger(__name__)


def send(
    claimed: Claimed,
    *,
    http: httpx.Client,
    smtp: SmtpSettings,
    now: datetime,
    allow_private: bool = False,
) -> DeliveryOutcome:
    """One attempt at ``claimed`` at the send instant ``now``; never raises."""
    if claimed.problem is not None:
        return DeliveryOutcome.permanent(claimed.problem)
    try:
        return _send(claimed, http=http, smtp=smtp, now=now, allow_private=allow_private)
    except (KeyError, TypeError, ValueError, AttributeError) as exc:
        log.warning("delivery %s cannot be built: %r", claimed.id, exc)
        return DeliveryOutcome.permanent(
            f"the {claimed.channel} delivery cannot be built: {type(exc).__name__}: {exc}"
        )
    except Exception as exc:  # an attempt's failure never ends the worker
        log.exception("delivery %s failed unexpectedly", claimed.id)
        return DeliveryOutcome.retryable(f"unexpected {type(exc).__name__}: {exc}")


def _send(
    claimed: Claimed, *, http: httpx.Client, smtp: SmtpSettings, now: datetime, allow_private: bool
) -> DeliveryOutcome:
    document = claimed.document
    if claimed.channel == "email":
        rendered = RenderedEmail(
            str(document["subject"]), str(document["text"]), document.get("html")
        )
        return deliver_email(smtp, rendered, to=claimed.recipients, key=claimed.key, now=now)
    if claimed.url is None:
        return DeliveryOutcome.permanent(f"{claimed.channel} delivery has no URL")
    if claimed.channel == "chat":
        return deliver_chat(
            http,
            url=claimed.url,
            message=document,
            key=claimed.key,
            now=now,
            allow_private=allow_private,
        )
    if claimed.secret:
        return deliver_webhook(
            http,
            url=claimed.url,
            secret=claimed.secret,
            payload=document,
            now=now,
            allow_private=allow_private,
        )
    body = encode_json(document)
    return post_json(http, claimed.url, body, key=claimed.key, now=now, allow_private=allow_private)
