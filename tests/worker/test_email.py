"""Email actions: templates rendered and sent to a real SMTP server (aiosmtpd)."""

from __future__ import annotations

import socket
from datetime import timedelta
from email.message import EmailMessage
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from aiosmtpd.smtp import SMTP, AuthResult, Envelope, LoginPassword, Session

from caseclock.channels.email import (
    EmailTemplateError,
    EmailTemplates,
    SmtpSettings,
    build_message,
    email_context,
    send_message,
)
from caseclock.channels.outcome import DeliveryStatus
from caseclock.channels.payloads import TriggerKind
from caseclock.core.milestones import MilestoneState
from tests.worker.samples import CONSOLE, KEY, NOW, milestone, record, trigger
from tests.worker.servers import LocalController, SmtpSink

BERLIN = ZoneInfo("Europe/Berlin")
TEMPLATES = EmailTemplates()


def warning_message(to: tuple[str, ...] = ("ana@shieldguard.example",)) -> EmailMessage:
    context = email_context(trigger(), record(), milestone(), zone=BERLIN, console_url=CONSOLE)
    rendered = TEMPLATES.render("warning", context)
    return build_message(rendered, sender="sla@vendor.example", to=to, key=KEY, now=NOW)


def settings(port: int, **changes: object) -> SmtpSettings:
    values: dict[str, object] = {"host": "127.0.0.1", "port": port, "timeout": 5.0}
    return SmtpSettings(**{**values, **changes})  # type: ignore[arg-type]


def parts(message: EmailMessage) -> tuple[str, str]:
    text, html = (message.get_body(preferencelist=(kind,)) for kind in ("plain", "html"))
    assert isinstance(text, EmailMessage)
    assert isinstance(html, EmailMessage)
    return text.get_content(), html.get_content()


def test_warning_email_arrives_with_key_in_message_id(smtp_sink: tuple[SmtpSink, int]) -> None:
    """The SMTP server receives one message: headers, both parts, deadline in two zones."""
    sink, port = smtp_sink
    outcome = send_message(settings(port), warning_message())
    assert outcome.status is DeliveryStatus.DELIVERED
    [received] = sink.messages()
    assert received["Message-ID"] == f"<{KEY}@caseclock>"
    assert received["To"] == "ana@shieldguard.example"
    assert received["Subject"] == (
        "At risk: First response on case C-1042, 1h of business time left"
    )
    assert received["Auto-Submitted"] == "auto-generated"
    assert sink.envelopes[0].rcpt_tos == ["ana@shieldguard.example"]
    text, html = parts(received)
    for body in (text, html):
        assert "Tue 24 Nov 2026 17:30 CET (Tue 24 Nov 2026 16:30 UTC)" in body
        assert "1h of business time left" in body
        assert "ShieldGuard Security" in body
    assert "Open in caseclock: https://sla.example.com/console/records/C-1042" in text
    assert '<a href="https://sla.example.com/console/records/C-1042">' in html


def test_a_retried_send_has_the_same_message_id(smtp_sink: tuple[SmtpSink, int]) -> None:
    """Sending the same delivery twice gives two messages the receiver can recognise as one."""
    sink, port = smtp_sink
    for _ in range(2):
        send_message(settings(port), warning_message())
    assert {m["Message-ID"] for m in sink.messages()} == {f"<{KEY}@caseclock>"}


def test_starttls_against_a_server_without_it_is_a_clear_error(
    smtp_sink: tuple[SmtpSink, int],
) -> None:
    """Settings that require STARTTLS refuse to send in clear to a server that lacks it."""
    sink, port = smtp_sink
    outcome = send_message(settings(port, starttls=True), warning_message())
    assert outcome.status is DeliveryStatus.PERMANENT
    assert outcome.reason.startswith(f"SMTP server 127.0.0.1:{port}: StartTlsMissing: ")
    assert "does not offer STARTTLS" in outcome.reason
    assert sink.envelopes == []


class _Login:
    """Accepts the password 'right' and records every attempt."""

    def __init__(self) -> None:
        self.attempts: list[tuple[bytes, bytes]] = []

    def __call__(
        self, _server: SMTP, _session: Session, _envelope: Envelope, _mechanism: str, data: object
    ) -> AuthResult:
        assert isinstance(data, LoginPassword)
        self.attempts.append((data.login, data.password))
        return AuthResult(success=data.password == b"right", handled=False)


@pytest.mark.parametrize(
    ("password", "status"),
    [("right", DeliveryStatus.DELIVERED), ("wrong", DeliveryStatus.PERMANENT)],
)
def test_credentials_log_in_and_a_refused_login_is_permanent(
    password: str, status: DeliveryStatus
) -> None:
    """Username and password are used with AUTH; a 535 refusal is permanent, not retried."""
    sink, login = SmtpSink(), _Login()
    controller = LocalController(
        sink, hostname="127.0.0.1", port=0, authenticator=login, auth_require_tls=False
    )
    controller.start()
    try:
        outcome = send_message(
            settings(controller.port, username="caseclock", password=password), warning_message()
        )
    finally:
        controller.stop()
    assert outcome.status is status
    assert set(login.attempts) == {(b"caseclock", password.encode())}
    assert len(sink.envelopes) == (1 if status is DeliveryStatus.DELIVERED else 0)


@pytest.mark.parametrize(
    ("answer", "status"),
    [
        ("550 5.1.1 no such user", DeliveryStatus.PERMANENT),
        ("451 4.3.0 try again later", DeliveryStatus.RETRYABLE),
    ],
)
def test_refused_recipients_are_classified_by_smtp_code(
    smtp_sink: tuple[SmtpSink, int], answer: str, status: DeliveryStatus
) -> None:
    """A 5xx refusal of every recipient is permanent, a 4xx one retryable, with the reason."""
    sink, port = smtp_sink
    sink.refuse["gone@shieldguard.example"] = answer
    outcome = send_message(settings(port), warning_message(("gone@shieldguard.example",)))
    assert outcome.status is status
    assert answer in outcome.reason


def test_a_partly_refused_send_is_delivered_and_names_the_refused(
    smtp_sink: tuple[SmtpSink, int],
) -> None:
    """One good recipient is enough to deliver; the refused address is in the reason."""
    sink, port = smtp_sink
    sink.refuse["gone@shieldguard.example"] = "550 5.1.1 no such user"
    to = ("ana@shieldguard.example", "gone@shieldguard.example")
    outcome = send_message(settings(port), warning_message(to))
    assert outcome.status is DeliveryStatus.DELIVERED
    assert "gone@shieldguard.example (550 5.1.1 no such user)" in outcome.reason


def test_no_server_is_retryable() -> None:
    """Connection refused (port bound, not listening) is a transient failure."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        outcome = send_message(settings(sock.getsockname()[1]), warning_message())
    assert outcome.status is DeliveryStatus.RETRYABLE
    assert "ConnectionRefusedError" in outcome.reason


@pytest.mark.parametrize(
    ("kind", "state", "subject"),
    [
        (TriggerKind.VIOLATION, MilestoneState.VIOLATED, "Violated: First response on case C-1042"),
        (TriggerKind.SUCCESS, MilestoneState.COMPLETED, "Completed on time: First response on"),
    ],
)
def test_default_templates_render_for_each_trigger(
    kind: TriggerKind, state: MilestoneState, subject: str
) -> None:
    """The packaged violation and success templates render a subject and both parts."""
    done = milestone(state=state, remaining=timedelta(minutes=-3), late=False)
    context = email_context(trigger(kind), record(), done, zone=BERLIN, console_url=CONSOLE)
    rendered = TEMPLATES.render(str(kind), context)
    assert rendered.subject.startswith(subject)
    assert "First response" in (rendered.html or "")
    assert "C-1042" in rendered.text


def test_escalation_template_needs_no_milestone() -> None:
    """An escalation rule's email names the rule and renders without a milestone."""
    fired = trigger(TriggerKind.ESCALATION, rule="gold-stale-8h")
    context = email_context(fired, record(), None, zone=BERLIN, console_url=CONSOLE)
    rendered = TEMPLATES.render("escalation", context)
    assert rendered.subject == "Escalation: case C-1042 (gold-stale-8h)"
    assert "Deadline" not in rendered.text


def test_request_info_asks_the_customer_for_the_missing_attachments() -> None:
    """PeakTech's case: the customer is asked for what is missing; no internal link is shown."""
    context = email_context(
        trigger(), record(account="PeakTech Solutions"), milestone(), zone=BERLIN,
        console_url=CONSOLE, missing=("the controller log bundle", "a screenshot of the error"),
    )  # fmt: skip
    rendered = TEMPLATES.render("request_info", context)
    assert rendered.subject == "We need more information for your case C-1042"
    assert "  - the controller log bundle\n  - a screenshot of the error\n" in rendered.text
    assert "<li>the controller log bundle</li>" in (rendered.html or "")
    assert CONSOLE not in rendered.text + (rendered.html or "")


def test_html_is_autoescaped_and_text_is_not() -> None:
    """Record values are escaped in the HTML part and left as written in the plain part."""
    context = email_context(
        trigger(), record(account="<b>Acme & Sons</b>"), milestone(), zone=BERLIN,
        console_url=CONSOLE,
    )  # fmt: skip
    rendered = TEMPLATES.render("warning", context)
    assert "&lt;b&gt;Acme &amp; Sons&lt;/b&gt;" in (rendered.html or "")
    assert "Account: <b>Acme & Sons</b>" in rendered.text


def test_an_installation_directory_overrides_a_default(tmp_path: Path) -> None:
    """A template in the configured directory wins; a text-only template sends no HTML part."""
    (tmp_path / "warning.subject.j2").write_text("Heads up: {{ record.id }}\n")
    (tmp_path / "warning.txt.j2").write_text("{{ milestone.name }} due {{ deadline_utc }}\n")
    context = email_context(trigger(), record(), milestone(), zone=BERLIN, console_url=CONSOLE)
    rendered = EmailTemplates(tmp_path).render("warning", context)
    assert rendered.subject == "Heads up: C-1042"
    assert rendered.text == "First response due Tue 24 Nov 2026 16:30 UTC\n"
    assert rendered.html is None


@pytest.mark.parametrize(
    ("files", "message"),
    [
        ({"bad.subject.j2": "{% if %}", "bad.txt.j2": "x"}, r"bad\.subject\.j2, line 1: "),
        ({"bad.subject.j2": "x", "bad.txt.j2": "{{ record.nope.deeper }}"}, r"bad\.txt\.j2: "),
        ({"bad.subject.j2": "x"}, r"bad\.txt\.j2 does not exist"),
        ({"bad.subject.j2": "{{ '' }}", "bad.txt.j2": "x"}, "empty subject"),
    ],
)
def test_invalid_templates_are_errors_naming_the_file(
    tmp_path: Path, files: dict[str, str], message: str
) -> None:
    """Syntax errors, undefined variables, missing files and empty subjects name the file."""
    for name, text in files.items():
        (tmp_path / name).write_text(text)
    context = email_context(trigger(), record(), milestone(), zone=BERLIN, console_url=CONSOLE)
    with pytest.raises(EmailTemplateError, match=message):
        EmailTemplates(tmp_path).render("bad", context)


def test_check_parses_all_default_templates() -> None:
    """Every packaged template parses (what policy validation will call)."""
    for name in ("warning", "violation", "success", "escalation", "request_info"):
        TEMPLATES.check(name)


def test_a_message_needs_a_recipient() -> None:
    """An email action that resolved to nobody is an error, not a silent no-op."""
    context = email_context(trigger(), record(), milestone(), zone=BERLIN, console_url=CONSOLE)
    with pytest.raises(ValueError, match="recipient"):
        build_message(
            TEMPLATES.render("warning", context), sender="a@b.example", to=(), key=KEY, now=NOW
        )
