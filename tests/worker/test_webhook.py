"""Webhook delivery to a real local HTTP receiver: signatures, retries, failures, timeouts."""

from __future__ import annotations

import json
import socket
from collections.abc import Iterator
from datetime import timedelta

import httpx
import pytest

from caseclock.channels.outcome import DeliveryStatus
from caseclock.channels.payloads import build_payload
from caseclock.channels.signing import verify
from caseclock.channels.webhook import USER_AGENT, deliver_webhook, post_json, retry_after
from tests.worker.samples import CONSOLE, KEY, NOW, SECRET, milestone, record, trigger
from tests.worker.servers import Receiver, Reply

PAYLOAD = build_payload(trigger(), record(), milestone(), CONSOLE)


def send(client: httpx.Client, url: str, timeout: float = 5.0) -> DeliveryStatus:
    outcome = deliver_webhook(
        client,
        url=url,
        secret=SECRET,
        payload=PAYLOAD,
        now=NOW,
        allow_private=True,
        timeout=timeout,
    )
    return outcome.status


def test_receiver_gets_a_signed_json_post(client: httpx.Client, receiver: Receiver) -> None:
    """The receiver verifies the signature with verify() and reads the payload back."""
    outcome = deliver_webhook(
        client, url=receiver.url, secret=SECRET, payload=PAYLOAD, now=NOW, allow_private=True
    )
    assert (outcome.status, outcome.code) == (DeliveryStatus.DELIVERED, 200)
    [request] = receiver.received
    verify(SECRET, request.headers, request.body, NOW + timedelta(seconds=2))
    assert json.loads(request.body) == PAYLOAD
    assert request.headers["Content-Type"] == "application/json"
    assert request.headers["Idempotency-Key"] == KEY
    assert request.headers["User-Agent"] == USER_AGENT


def test_500_500_200_is_delivered_once_in_effect_with_one_key(
    client: httpx.Client, receiver: Receiver
) -> None:
    """Two server errors are retryable, the third attempt delivers; every attempt has the same
    Idempotency-Key and payload id, so the receiver can tell it is one delivery."""
    receiver.script(Reply(500, b"boom"), Reply(503, b"down"), Reply(200))
    statuses = [send(client, receiver.url) for _ in range(3)]
    assert statuses == ["retryable", "retryable", "delivered"]
    keys = {r.headers["Idempotency-Key"] for r in receiver.received}
    ids = {json.loads(r.body)["id"] for r in receiver.received}
    assert keys == ids == {KEY}


def test_a_400_is_permanent_and_says_why(client: httpx.Client, receiver: Receiver) -> None:
    """A client error will not fix itself: permanent, with the status and the receiver's words."""
    receiver.script(Reply(400, b"unknown field 'kind'\n"))
    outcome = deliver_webhook(
        client, url=receiver.url, secret=SECRET, payload=PAYLOAD, now=NOW, allow_private=True
    )
    assert outcome.status is DeliveryStatus.PERMANENT
    assert outcome.reason == "HTTP 400: unknown field 'kind'"


@pytest.mark.parametrize("code", [408, 429, 502])
def test_408_429_and_5xx_are_retryable_with_retry_after(
    client: httpx.Client, receiver: Receiver, code: int
) -> None:
    """Request timeout, rate limiting and server errors are retried; Retry-After is kept."""
    receiver.script(Reply(code, headers=(("Retry-After", "120"),)))
    outcome = deliver_webhook(
        client, url=receiver.url, secret=SECRET, payload=PAYLOAD, now=NOW, allow_private=True
    )
    assert (outcome.status, outcome.code) == (DeliveryStatus.RETRYABLE, code)
    assert outcome.retry_after == timedelta(seconds=120)


def test_a_redirect_is_not_followed(client: httpx.Client, receiver: Receiver) -> None:
    """A 3xx is permanent and names where it pointed: register the final URL instead."""
    receiver.script(Reply(301, headers=(("Location", "https://elsewhere.example/hook"),)))
    outcome = deliver_webhook(
        client, url=receiver.url, secret=SECRET, payload=PAYLOAD, now=NOW, allow_private=True
    )
    assert outcome.status is DeliveryStatus.PERMANENT
    assert "https://elsewhere.example/hook" in outcome.reason
    assert len(receiver.received) == 1


@pytest.fixture
def closed_port() -> Iterator[int]:
    """A port bound on 127.0.0.1 but not listening: connecting to it is refused."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        yield sock.getsockname()[1]


def test_connection_refused_is_retryable(client: httpx.Client, closed_port: int) -> None:
    """Nobody listening is a transient failure (the receiver may be restarting)."""
    outcome = deliver_webhook(
        client,
        url=f"http://127.0.0.1:{closed_port}/hook",
        secret=SECRET,
        payload=PAYLOAD,
        now=NOW,
        allow_private=True,
    )
    assert outcome.status is DeliveryStatus.RETRYABLE
    assert "ConnectError" in outcome.reason


def test_a_slow_receiver_hits_the_timeout(client: httpx.Client, receiver: Receiver) -> None:
    """A receiver that does not answer within the timeout gives a retryable timeout outcome."""
    receiver.script(Reply(hang=True))
    outcome = deliver_webhook(
        client,
        url=receiver.url,
        secret=SECRET,
        payload=PAYLOAD,
        now=NOW,
        allow_private=True,
        timeout=0.2,
    )
    receiver.release.set()
    assert outcome.status is DeliveryStatus.RETRYABLE
    assert outcome.reason == "no answer within 0.2s (ReadTimeout)"


def test_a_non_http_url_is_permanent(client: httpx.Client) -> None:
    """An endpoint URL with another scheme can never be delivered to."""
    outcome = post_json(client, "ftp://example.com/x", b"{}", key=KEY, now=NOW)
    assert outcome.status is DeliveryStatus.PERMANENT


@pytest.mark.parametrize(
    ("header", "expected"),
    [
        (None, None),
        ("30", timedelta(seconds=30)),
        ("Tue, 24 Nov 2026 15:32:00 GMT", timedelta(minutes=2)),
        ("Tue, 24 Nov 2026 15:00:00 GMT", timedelta(0)),
        ("soon", None),
    ],
)
def test_retry_after_reads_seconds_and_http_dates(
    header: str | None, expected: timedelta | None
) -> None:
    """Retry-After as delay seconds or an HTTP date relative to now; a past date is no wait;
    an unreadable value is ignored."""
    assert retry_after(header, NOW) == expected
