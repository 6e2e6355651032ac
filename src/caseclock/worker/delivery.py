"""Send one claimed delivery through its adapter: a signed webhook, a chat message, an email.

No database here: the outbox service claims and settles; this only talks to the outside world
and always returns a ``DeliveryOutcome`` (adapters never raise for a delivery failure).
"""

from __future__ import annotations

from datetime import datetime

import httpx

from caseclock.channels.chat import deliver_chat
from caseclock.channels.email import RenderedEmail, SmtpSettings, build_message, send_message
from caseclock.channels.outcome import DeliveryOutcome
from caseclock.channels.payloads import encode_json
from caseclock.channels.webhook import deliver_webhook, post_json
from caseclock.config import Settings
from caseclock.services.outbox import Claimed


def smtp_settings(settings: Settings) -> SmtpSettings:
    """The SMTP part of the settings, as the email adapter takes it."""
    return SmtpSettings(
        host=settings.smtp_host,
        port=settings.smtp_port,
        starttls=settings.smtp_starttls,
        username=settings.smtp_username,
        password=settings.smtp_password,
        timeout=settings.smtp_timeout,
        sender=settings.email_from,
    )


def send(
    claimed: Claimed, *, http: httpx.Client, smtp: SmtpSettings, now: datetime
) -> DeliveryOutcome:
    """One attempt at ``claimed``."""
    if claimed.problem is not None:
        return DeliveryOutcome.permanent(claimed.problem)
    if claimed.channel == "email":
        document = claimed.document
        rendered = RenderedEmail(document["subject"], document["text"], document.get("html"))
        message = build_message(
            rendered, sender=smtp.sender, to=claimed.recipients, key=claimed.key, now=now
        )
        return send_message(smtp, message)
    if claimed.url is None:
        return DeliveryOutcome.permanent(f"{claimed.channel} delivery has no URL")
    if claimed.channel == "chat":
        return deliver_chat(
            http, url=claimed.url, message=claimed.document, key=claimed.key, now=now
        )
    if claimed.secret:
        return deliver_webhook(
            http, url=claimed.url, secret=claimed.secret, payload=claimed.document, now=now
        )
    body = encode_json(claimed.document)
    return post_json(http, claimed.url, body, key=claimed.key, now=now)
