"""Email actions: Jinja2 templates rendered to a two-part message, sent over SMTP.

Each template name ``N`` is three files: ``N.subject.j2`` (one line), ``N.txt.j2`` (the plain-text
part, always sent) and ``N.html.j2`` (the HTML part, autoescaped; optional for custom templates).
An installation's template directory is searched before the packaged defaults (``warning``,
``violation``, ``success``, ``escalation``, ``request_info``). The Message-ID carries the
idempotency key, ``<key@caseclock>``, so a retried send is recognisable.
"""

from __future__ import annotations

import smtplib
import ssl
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import datetime, tzinfo
from email.message import EmailMessage
from email.utils import format_datetime
from pathlib import Path
from typing import Any

import jinja2

from caseclock.channels.destinations import RefusedDestination, check_address
from caseclock.channels.outcome import DeliveryOutcome, DeliveryStatus
from caseclock.channels.payloads import (
    Trigger,
    TriggerKind,
    check_key,
    console_link,
    record_summary,
)
from caseclock.channels.wording import TITLES, local_time, time_left, utc_time
from caseclock.clock import require_aware
from caseclock.config import Settings
from caseclock.core.milestones import Milestone

MESSAGE_ID_DOMAIN = "caseclock"
DEFAULT_TEMPLATES: dict[TriggerKind, str] = {
    TriggerKind.WARNING: "warning",
    TriggerKind.VIOLATION: "violation",
    TriggerKind.REPEATED_VIOLATION: "violation",
    TriggerKind.SUCCESS: "success",
    TriggerKind.ESCALATION: "escalation",
}


class EmailTemplateError(ValueError):
    """A template that is missing, does not parse, or uses a variable it was not given."""


@dataclass(frozen=True, slots=True)
class SmtpSettings:
    """Where and how to send. ``timeout`` (seconds) bounds every socket operation."""

    host: str = "localhost"
    port: int = 25
    starttls: bool = False
    username: str | None = None
    password: str | None = None
    timeout: float = 10.0
    sender: str = "caseclock@localhost"
    local_hostname: str | None = None  # the EHLO name; None asks the system for its FQDN


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


@dataclass(frozen=True, slots=True)
class RenderedEmail:
    subject: str
    text: str
    html: str | None


class EmailTemplates:
    """The template set: an optional directory of overrides, then the packaged defaults."""

    def __init__(self, directory: Path | None = None) -> None:
        loaders: list[jinja2.BaseLoader] = []
        if directory is not None:
            loaders.append(jinja2.FileSystemLoader(directory))
        loaders.append(jinja2.PackageLoader("caseclock.channels", "templates/email"))
        self._env = jinja2.Environment(
            loader=jinja2.ChoiceLoader(loaders),
            autoescape=jinja2.select_autoescape(
                enabled_extensions=("html.j2",), default_for_string=False, default=False
            ),
            undefined=jinja2.StrictUndefined,
            trim_blocks=True,
            lstrip_blocks=True,
            keep_trailing_newline=True,
        )

    def render(self, name: str, context: Mapping[str, Any]) -> RenderedEmail:
        """Render template ``name``; raise ``EmailTemplateError`` naming the file at fault."""
        subject_file, text_file, html_file = self._files(name)
        subject = " ".join(self._render(subject_file, context).split())
        if not subject:
            raise EmailTemplateError(f"email template {name}.subject.j2 rendered an empty subject")
        text = self._render(text_file, context)
        html = None if html_file is None else self._render(html_file, context)
        return RenderedEmail(subject, text, html)

    def check(self, name: str) -> None:
        """Parse every file of template ``name`` without rendering (for policy validation)."""
        self._files(name)

    def _files(self, name: str) -> tuple[jinja2.Template, jinja2.Template, jinja2.Template | None]:
        """The parts of ``name``; the HTML part only from the directory the text part is in, so
        overriding a default's text does not pair it with the default's HTML."""
        subject = self._load(f"{name}.subject.j2")
        text = self._load(f"{name}.txt.j2")
        try:
            html = self._env.get_template(f"{name}.html.j2")
        except jinja2.TemplateNotFound:
            return subject, text, None
        except jinja2.TemplateSyntaxError:
            html = self._load(f"{name}.html.j2")  # raises, naming the file and line
        if Path(html.filename or "").parent != Path(text.filename or "").parent:
            return subject, text, None
        return subject, text, html

    def _load(self, filename: str) -> jinja2.Template:
        try:
            return self._env.get_template(filename)
        except jinja2.TemplateNotFound as exc:
            raise EmailTemplateError(f"email template {filename} does not exist") from exc
        except jinja2.TemplateSyntaxError as exc:
            raise EmailTemplateError(
                f"email template {filename}, line {exc.lineno}: {exc.message}"
            ) from exc

    def _render(self, template: jinja2.Template, context: Mapping[str, Any]) -> str:
        try:
            return template.render(context)
        except jinja2.TemplateError as exc:
            raise EmailTemplateError(f"email template {template.name}: {exc}") from exc


def email_context(
    trigger: Trigger,
    record: Mapping[str, object],
    milestone: Milestone | None,
    *,
    zone: tzinfo,
    console_url: str,
    missing: Sequence[str] = (),
    handoff: str | None = None,
) -> dict[str, Any]:
    """What every template can use. ``zone`` is the milestone calendar's time zone.

    ``record`` holds the summary fields (null when unknown) and any other field given;
    ``missing`` lists what a ``request_info`` email asks the customer for; ``handoff`` is the
    record's handoff summary (plain text, one fact a line), shown by the violation and
    escalation emails.
    """
    deadline = None if milestone is None else milestone.deadline
    summary = record_summary(record)
    return {
        "kind": str(trigger.kind),
        "title": TITLES[trigger.kind],
        "trigger": trigger,
        "record": {**record, **summary},
        "milestone": milestone,
        "deadline_local": None if deadline is None else local_time(deadline, zone),
        "deadline_utc": None if deadline is None else utc_time(deadline),
        "remaining": None if milestone is None else time_left(milestone),
        "link": console_link(console_url, str(summary["id"])),
        "missing": tuple(missing),
        "handoff": handoff.splitlines() if handoff else [],
    }


def build_message(
    rendered: RenderedEmail,
    *,
    sender: str,
    to: Sequence[str],
    key: str,
    now: datetime,
) -> EmailMessage:
    """A multipart/alternative message (plain text first) whose Message-ID holds ``key``.

    Raises ``RefusedDestination`` for a recipient that is not one plain address.
    """
    if not to:
        raise ValueError("an email needs at least one recipient")
    for address in to:
        check_address(address)
    message = EmailMessage()
    message["Subject"] = rendered.subject
    message["From"] = sender
    message["To"] = ", ".join(to)
    message["Date"] = format_datetime(require_aware(now, "email date"))
    message["Message-ID"] = f"<{check_key(key)}@{MESSAGE_ID_DOMAIN}>"
    message["Auto-Submitted"] = "auto-generated"  # RFC 3834: no auto-replies, please
    message.set_content(rendered.text)
    if rendered.html is not None:
        message.add_alternative(rendered.html, subtype="html")
    return message


def deliver_email(
    settings: SmtpSettings,
    rendered: RenderedEmail,
    *,
    to: Sequence[str],
    key: str,
    now: datetime,
) -> DeliveryOutcome:
    """Send ``rendered`` to the recipients that are plain addresses; never raises.

    A recipient that is not one (a control character, a second address) is left out and named
    in the outcome; with none left, or a message that cannot be built, the delivery is
    permanently failed: sending the same thing again cannot succeed.
    """
    usable, refused = [], []
    for address in to:
        try:
            usable.append(check_address(address))
        except RefusedDestination as exc:
            refused.append(str(exc))
    if not usable:
        return DeliveryOutcome.permanent("; ".join(refused) or "an email needs a recipient")
    try:
        message = build_message(rendered, sender=settings.sender, to=usable, key=key, now=now)
    except (ValueError, TypeError) as exc:
        return DeliveryOutcome.permanent(f"the email cannot be built: {exc}")
    outcome = send_message(settings, message)
    if refused and outcome.status is DeliveryStatus.DELIVERED:
        return replace(outcome, reason=f"{outcome.reason}; left out: {'; '.join(refused)}")
    return outcome


def send_message(settings: SmtpSettings, message: EmailMessage) -> DeliveryOutcome:
    """Send over SMTP; never raises for a delivery failure (SMTP 4xx and I/O are retryable)."""
    where = f"SMTP server {settings.host}:{settings.port}"
    try:
        refused = _transmit(settings, message)
    except OSError as exc:  # smtplib.SMTPException and ssl.SSLError are OSErrors too
        return smtp_failure(where, exc)
    if refused:
        return DeliveryOutcome.delivered(f"sent; refused by {where}: {_describe(refused)}")
    return DeliveryOutcome.delivered(f"accepted by {where}", 250)


def smtp_failure(where: str, exc: OSError) -> DeliveryOutcome:
    """Classify a failed send: 4xx answers and I/O errors are retryable, the rest permanent."""
    if isinstance(exc, smtplib.SMTPRecipientsRefused):
        return _refused(where, exc.recipients)
    if isinstance(exc, smtplib.SMTPResponseException):
        reason = f"{where} answered {exc.smtp_code}: {_text(exc.smtp_error)}"
        if exc.smtp_code >= 500:
            return DeliveryOutcome.permanent(reason, exc.smtp_code)
        return DeliveryOutcome.retryable(reason, exc.smtp_code)
    transient = isinstance(exc, smtplib.SMTPServerDisconnected) or not isinstance(
        exc, smtplib.SMTPException | ssl.SSLError
    )  # refused, unreachable, timed out, dropped
    reason = f"{where}: {type(exc).__name__}: {exc}"
    return DeliveryOutcome.retryable(reason) if transient else DeliveryOutcome.permanent(reason)


class StartTlsMissing(smtplib.SMTPNotSupportedError):
    """The settings ask for STARTTLS and the server does not offer it."""


def _transmit(settings: SmtpSettings, message: EmailMessage) -> dict[str, tuple[int, bytes]]:
    with smtplib.SMTP(
        settings.host,
        settings.port,
        local_hostname=settings.local_hostname,
        timeout=settings.timeout,
    ) as smtp:
        if settings.starttls:
            smtp.ehlo()
            if not smtp.has_extn("starttls"):
                raise StartTlsMissing(
                    "the server does not offer STARTTLS, but the settings require it "
                    "(turn STARTTLS off only for a server on a trusted network)"
                )
            smtp.starttls(context=ssl.create_default_context())
            smtp.ehlo()
        if settings.username is not None:
            smtp.login(settings.username, settings.password or "")
        return smtp.send_message(message)


def _refused(where: str, recipients: Mapping[str, tuple[int, bytes]]) -> DeliveryOutcome:
    reason = f"{where} refused every recipient: {_describe(recipients)}"
    if all(code >= 500 for code, _ in recipients.values()):
        return DeliveryOutcome.permanent(reason)
    return DeliveryOutcome.retryable(reason)


def _describe(recipients: Mapping[str, tuple[int, bytes]]) -> str:
    return "; ".join(f"{addr} ({code} {_text(msg)})" for addr, (code, msg) in recipients.items())


def _text(value: bytes | str) -> str:
    return value.decode("utf-8", "replace") if isinstance(value, bytes) else value
