"""Handoff summaries written by the worker: extractive by default (nothing leaves the
machine), prose from an OpenAI-compatible provider when one is configured, the extractive
summary with a note when the provider fails; and the summary in the escalation email."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import httpx
import pytest
from pydantic import ValidationError
from sqlalchemy import select

from caseclock.config import Settings
from caseclock.services.insights.provider import ProviderConfig
from caseclock.store.models import HandoffSummaryRow
from caseclock.worker.insights import InsightsJob
from caseclock.worker.loop import Worker
from tests.conftest import T0, Database
from tests.worker.firing_setup import created, prepare
from tests.worker.firing_setup import send as send_events
from tests.worker.servers import SmtpSink

PROSE = "The customer cannot export invoices; logs were asked for and are awaited."


@dataclass
class ChatServer:
    """A small server speaking the chat-completions API: it answers each request in the
    ``mode`` set (a completion, a body that is not one, HTTP 500, or no answer until the
    test ends) and keeps the requests it was sent."""

    mode: str = "ok"
    requests: list[dict[str, Any]] = field(default_factory=list)
    headers: list[dict[str, str]] = field(default_factory=list)
    release: threading.Event = field(default_factory=threading.Event)
    server: ThreadingHTTPServer | None = None

    @property
    def url(self) -> str:
        assert self.server is not None
        host, port = self.server.server_address[:2]
        return f"http://{host!s}:{port}/v1/chat/completions"


def _handler(chat: ChatServer) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
            chat.requests.append(json.loads(body))
            chat.headers.append(dict(self.headers.items()))
            if chat.mode == "hang":
                chat.release.wait(timeout=10)
                self.close_connection = True
                return
            status, answer = 200, b""
            if chat.mode == "ok":
                answer = json.dumps(
                    {
                        "id": "chatcmpl-1",
                        "object": "chat.completion",
                        "model": chat.requests[-1]["model"],
                        "choices": [
                            {
                                "index": 0,
                                "message": {"role": "assistant", "content": f"  {PROSE}\n"},
                                "finish_reason": "stop",
                            }
                        ],
                    }
                ).encode()
            elif chat.mode == "garbage":
                answer = b"<html>an error page</html>"
            else:
                status, answer = 500, b'{"error": {"message": "overloaded"}}'
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(answer)))
            self.end_headers()
            self.wfile.write(answer)

        def log_message(self, format: str, *args: Any) -> None:
            """Quiet."""

    return Handler


@pytest.fixture
def chat() -> Iterator[ChatServer]:
    made = ChatServer()
    made.server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(made))
    made.server.daemon_threads = True
    thread = threading.Thread(target=made.server.serve_forever, daemon=True)
    thread.start()
    try:
        yield made
    finally:
        made.release.set()
        made.server.shutdown()
        made.server.server_close()
        thread.join(timeout=5)


def _thread(db: Database, record: str = "C-1", **fields: Any) -> None:
    send_events(
        db.session_factory,
        T0 + timedelta(minutes=20),
        created(record, T0, **fields),
        {
            "id": f"{record}-c1",
            "record": record,
            "type": "comment",
            "at": (T0 + timedelta(minutes=5)).isoformat(),
            "data": {
                "public": True,
                "author_role": "customer",
                "body": "We cannot export invoices since this morning.",
            },
        },
        {
            "id": f"{record}-c2",
            "record": record,
            "type": "comment",
            "at": (T0 + timedelta(minutes=10)).isoformat(),
            "data": {
                "public": True,
                "author_role": "agent",
                "body": "Could you send us the export log files?",
            },
        },
    )


def _job(db: Database, chat: ChatServer | None, client: httpx.Client) -> InsightsJob:
    config = None if chat is None else ProviderConfig(chat.url, "sk-local", "local-model", 0.5)
    return InsightsJob(
        session_factory=db.session_factory,
        age=timedelta(minutes=15),
        provider=config,
        client=client if config is not None else None,
    )


def _summaries(db: Database) -> dict[str, HandoffSummaryRow]:
    with db.session_factory() as session:
        return {r.record_id: r for r in session.scalars(select(HandoffSummaryRow))}


def test_without_a_provider_the_summary_is_extractive_and_nothing_is_sent(
    db: Database, chat: ChatServer
) -> None:
    """Off by default: the worker writes the facts and the thread's sentences; the provider
    (running, but not configured) hears nothing."""
    prepare(db.session_factory, T0)
    _thread(db)
    with httpx.Client() as client:
        assert _job(db, None, client).run(T0 + timedelta(minutes=30)) == 1
    written = _summaries(db)["C-1"]
    assert (written.source, written.note) == ("extractive", None)
    lines = written.text.splitlines()
    assert lines[0] == "Owner: ana (team L1)"
    assert "Waiting on: waiting on customer: export log files, 20 min" in lines
    assert lines[-1].startswith("Thread: We cannot export invoices since this morning.")
    assert chat.requests == []


def test_a_provider_writes_the_prose_beside_the_same_facts(db: Database, chat: ChatServer) -> None:
    """With a provider, the request is a chat completion (model, a system and a user
    message holding the facts and the thread, the bearer key); its answer, whitespace
    tidied, is the summary's prose and the facts stay as read from the timeline."""
    prepare(db.session_factory, T0)
    _thread(db)
    with httpx.Client() as client:
        _job(db, chat, client).run(T0 + timedelta(minutes=30))
    [request] = chat.requests
    assert request["model"] == "local-model"
    assert [m["role"] for m in request["messages"]] == ["system", "user"]
    assert "Owner: ana (team L1)" in request["messages"][1]["content"]
    assert "We cannot export invoices" in request["messages"][1]["content"]
    assert chat.headers[0]["Authorization"] == "Bearer sk-local"
    written = _summaries(db)["C-1"]
    assert (written.source, written.note) == ("provider", None)
    assert written.text.splitlines()[0] == "Owner: ana (team L1)"
    assert written.text.splitlines()[-1] == f"Summary: {PROSE}"


@pytest.mark.parametrize(
    ("mode", "note"),
    [
        ("hang", "the summary provider did not answer within 0.5 s"),
        ("garbage", "the summary provider's answer was not a chat completion"),
        ("error", "the summary provider answered HTTP 500"),
    ],
)
def test_a_failing_provider_leaves_the_extractive_summary_with_a_note(
    db: Database, chat: ChatServer, mode: str, note: str
) -> None:
    """A provider that hangs, answers garbage or an HTTP error: the pass completes, every
    record gets the extractive summary with the reason, and the provider is asked once in
    the pass, not once per record."""
    prepare(db.session_factory, T0)
    _thread(db, "C-1")
    _thread(db, "C-2")
    chat.mode = mode
    with httpx.Client() as client:
        assert _job(db, chat, client).run(T0 + timedelta(minutes=30)) == 2
    assert len(chat.requests) == 1
    for written in _summaries(db).values():
        assert (written.source, written.note) == ("extractive", note)
        assert written.text.splitlines()[-1].startswith("Thread: ")


def test_the_escalation_email_carries_the_summary(
    db: Database, worker: Worker, smtp_sink: tuple[SmtpSink, int]
) -> None:
    """The escalation rule's email to the team lead (a real SMTP server) holds the handoff
    summary the worker wrote, in both parts."""
    prepare(db.session_factory, T0)
    _thread(db, tier="Gold")
    with httpx.Client() as client:
        _job(db, None, client).run(T0 + timedelta(minutes=30))
    worker.run_once(T0 + timedelta(hours=8, minutes=30))
    [message] = [m for m in smtp_sink[0].messages() if m["To"] == "lee@example.com"]
    text = message.get_body(preferencelist=("plain",))
    html = message.get_body(preferencelist=("html",))
    assert text is not None
    assert html is not None
    plain = text.get_content()
    assert "Summary for a handoff:" in plain
    assert "  Owner: ana (team L1)" in plain
    assert "<h3" in html.get_content()
    assert "Waiting on: waiting on customer: export log files" in html.get_content()


def test_the_provider_is_off_unless_its_url_is_an_http_address() -> None:
    """No URL (or an empty one) is no provider; an address that is not http(s) is refused
    with why."""
    assert ProviderConfig.of(Settings()) is None
    assert ProviderConfig.of(Settings(llm_url="")) is None
    made = ProviderConfig.of(Settings(llm_url="http://127.0.0.1:8080/v1/chat/completions"))
    assert made is not None
    assert (made.model, made.key, made.timeout) == ("gpt-4o-mini", None, 20)
    with pytest.raises(ValidationError, match="http:// or https://"):
        Settings(llm_url="ftp://models.example/v1")
