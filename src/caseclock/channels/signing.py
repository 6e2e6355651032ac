"""Webhook signatures: HMAC-SHA256 over ``timestamp + "." + body``, sent as a header pair.

``Caseclock-Timestamp`` carries the signing instant in Unix seconds; ``Caseclock-Signature``
carries ``v1=<hex digest>``, several comma-separated when a secret is being rotated (a receiver
accepts the request if any ``v1`` entry matches). The timestamp is part of what is signed, so a
captured request cannot be replayed after the tolerance (five minutes by default) has passed.
Pure functions: the caller passes the instant.
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Mapping
from datetime import datetime, timedelta

from caseclock.clock import require_aware

TIMESTAMP_HEADER = "Caseclock-Timestamp"
SIGNATURE_HEADER = "Caseclock-Signature"
SCHEME = "v1"
DEFAULT_TOLERANCE = timedelta(seconds=300)


class InvalidSignature(ValueError):
    """A request whose signature headers are missing, malformed, stale or do not match."""


def sign(secret: str, timestamp: int, body: bytes) -> str:
    """The hex HMAC-SHA256 of ``b"<timestamp>." + body`` under ``secret``."""
    message = str(timestamp).encode("ascii") + b"." + body
    return hmac.new(secret.encode("utf-8"), message, hashlib.sha256).hexdigest()


def signature_headers(secret: str, now: datetime, body: bytes) -> dict[str, str]:
    """The header pair that signs ``body`` at the instant ``now``."""
    timestamp = int(require_aware(now, "signing instant").timestamp())
    return {
        TIMESTAMP_HEADER: str(timestamp),
        SIGNATURE_HEADER: f"{SCHEME}={sign(secret, timestamp, body)}",
    }


def verify(
    secret: str,
    headers: Mapping[str, str],
    body: bytes,
    now: datetime,
    tolerance: timedelta = DEFAULT_TOLERANCE,
) -> None:
    """Check a received request; raise ``InvalidSignature`` saying why it is refused.

    ``headers`` is looked up without regard to case. The timestamp must lie within
    ``tolerance`` of ``now`` (either side), and one ``v1`` entry must equal the expected digest
    (compared in constant time).
    """
    raw_timestamp = _header(headers, TIMESTAMP_HEADER)
    raw_signature = _header(headers, SIGNATURE_HEADER)
    if not raw_timestamp.isdigit():
        raise InvalidSignature(f"{TIMESTAMP_HEADER} is not Unix seconds: {raw_timestamp!r}")
    timestamp = int(raw_timestamp)
    skew = abs(require_aware(now, "verification instant").timestamp() - timestamp)
    if skew > tolerance.total_seconds():
        raise InvalidSignature(
            f"{TIMESTAMP_HEADER} is {skew:.0f}s away from now (tolerance "
            f"{tolerance.total_seconds():.0f}s): stale or replayed"
        )
    candidates = _signatures(raw_signature)
    if not candidates:
        raise InvalidSignature(f"{SIGNATURE_HEADER} has no {SCHEME}= entry: {raw_signature!r}")
    expected = sign(secret, timestamp, body).encode("ascii")
    # Check every entry so the time taken does not depend on which one matched.
    matched = [hmac.compare_digest(expected, c.encode("utf-8")) for c in candidates]
    if not any(matched):
        raise InvalidSignature("signature does not match the body and secret")


def _header(headers: Mapping[str, str], name: str) -> str:
    wanted = name.lower()
    for key, value in headers.items():
        if key.lower() == wanted:
            return value.strip()
    raise InvalidSignature(f"missing header {name}")


def _signatures(value: str) -> list[str]:
    prefix = SCHEME + "="
    entries = (part.strip() for part in value.split(","))
    return [entry.removeprefix(prefix) for entry in entries if entry.startswith(prefix)]
