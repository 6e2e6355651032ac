"""Fixtures: real local servers and an httpx client, all closed when the test ends."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest

from tests.worker.servers import LocalController, Receiver, SmtpSink, start_receiver, stop_receiver


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    """A scripted HTTP receiver on 127.0.0.1 (answers 200 unless scripted otherwise)."""
    server, thread = start_receiver()
    try:
        yield server
    finally:
        stop_receiver(server, thread)


@pytest.fixture
def client() -> Iterator[httpx.Client]:
    """A pooled client that ignores proxy settings from the environment."""
    with httpx.Client(trust_env=False) as http:
        yield http


@pytest.fixture
def smtp_sink() -> Iterator[tuple[SmtpSink, int]]:
    """An aiosmtpd server on 127.0.0.1 without STARTTLS; yields its handler and port."""
    sink = SmtpSink()
    controller = LocalController(sink, hostname="127.0.0.1", port=0)
    controller.start()
    try:
        yield sink, controller.port
    finally:
        controller.stop()
