"""A real SMTP server for the tests that send mail outside the worker: aiosmtpd in a thread,
keeping every message (``tests.worker.servers.SmtpSink``)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from tests.worker.servers import LocalController, SmtpSink


@contextmanager
def running_smtp() -> Iterator[tuple[SmtpSink, int]]:
    """(the sink, its port on 127.0.0.1)."""
    sink = SmtpSink()
    controller = LocalController(sink, hostname="127.0.0.1", port=0)
    controller.start()
    try:
        yield sink, controller.port
    finally:
        controller.stop()
