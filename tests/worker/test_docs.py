"""docs/webhooks.md cannot drift: its example payload and its verification snippet are run here."""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path

import httpx
import pytest

from caseclock.channels.payloads import build_payload
from caseclock.channels.webhook import deliver_webhook
from tests.worker.samples import CONSOLE, NOW, SECRET, milestone, record, trigger
from tests.worker.servers import Receiver

DOC = Path(__file__).parents[2] / "docs" / "webhooks.md"
Verify = Callable[..., bool]


def fenced_block(marker: str, language: str) -> str:
    """The fenced block right after ``<!-- marker -->`` in the doc."""
    pattern = rf"<!-- {marker} -->\n```{language}\n(.*?)\n```"
    found = re.search(pattern, DOC.read_text(encoding="utf-8"), re.DOTALL)
    assert found is not None, f"docs/webhooks.md has no {language} block after <!-- {marker} -->"
    return found.group(1)


@pytest.fixture(scope="module")
def verify_caseclock() -> Verify:
    """The documented snippet, executed as written."""
    namespace: dict[str, object] = {}
    exec(fenced_block("verification-snippet", "python"), namespace)  # noqa: S102 - our own doc
    function = namespace["verify_caseclock"]
    assert callable(function)
    return function


def test_example_payload_is_what_caseclock_builds() -> None:
    """The documented example equals the payload built from the sample trigger, key order too."""
    documented = json.loads(fenced_block("example-payload", "json"))
    built = build_payload(trigger(), record(), milestone(), CONSOLE)
    assert json.dumps(documented) == json.dumps(built)


def test_documented_snippet_verifies_a_real_delivery(
    client: httpx.Client, receiver: Receiver, verify_caseclock: Verify
) -> None:
    """The stdlib snippet accepts a request as the receiver got it over HTTP, and refuses a
    tampered body, another secret and a stale timestamp."""
    payload = build_payload(trigger(), record(), milestone(), CONSOLE)
    deliver_webhook(
        client, url=receiver.url, secret=SECRET, payload=payload, now=NOW, allow_private=True
    )
    [request] = receiver.received
    at = (NOW + timedelta(seconds=3)).timestamp()
    assert verify_caseclock(SECRET, request.headers, request.body, now=at)
    assert not verify_caseclock(SECRET, request.headers, request.body + b" ", now=at)
    assert not verify_caseclock("whsec_other", request.headers, request.body, now=at)
    assert not verify_caseclock(SECRET, request.headers, request.body, now=at + 301)
    assert not verify_caseclock(SECRET, {}, request.body, now=at)
