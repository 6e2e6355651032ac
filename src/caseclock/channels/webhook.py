"""Webhook delivery: one signed JSON POST per attempt, classified into a ``DeliveryOutcome``.

``post_json`` is the one piece of HTTP code in the worker; chat messages go through it too.
The caller owns the ``httpx.Client`` (connection pooling, transport in tests) and passes ``now``.
2xx is delivered; 408, 429, 5xx, timeouts and connection errors are retryable (with the
receiver's ``Retry-After`` when it sent one); anything else is permanent.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime, timedelta
from email.utils import parsedate_to_datetime
from typing import Any

import httpx

from caseclock import __version__
from caseclock.channels.destinations import RefusedDestination, check_url
from caseclock.channels.outcome import DeliveryOutcome
from caseclock.channels.payloads import check_key, encode_json
from caseclock.channels.signing import signature_headers
from caseclock.clock import require_aware

USER_AGENT = f"caseclock/{__version__}"
DEFAULT_TIMEOUT = 10.0  # seconds, for connect, write and for the receiver's answer
RETRYABLE_CODES = frozenset({408, 429})
_REASON_LIMIT = 200


def deliver_webhook(
    client: httpx.Client,
    *,
    url: str,
    secret: str,
    payload: Mapping[str, Any],
    now: datetime,
    timeout: float = DEFAULT_TIMEOUT,
    allow_private: bool = False,
) -> DeliveryOutcome:
    """POST ``payload`` signed with ``secret`` at ``now`` (the send instant, which the receiver
    checks against its clock); its ``id`` is the Idempotency-Key."""
    body = encode_json(payload)
    return post_json(
        client,
        url,
        body,
        key=str(payload["id"]),
        now=now,
        headers=signature_headers(secret, now, body),
        timeout=timeout,
        allow_private=allow_private,
    )


def post_json(
    client: httpx.Client,
    url: str,
    body: bytes,
    *,
    key: str,
    now: datetime,
    headers: Mapping[str, str] | None = None,
    timeout: float = DEFAULT_TIMEOUT,
    allow_private: bool = False,
) -> DeliveryOutcome:
    """POST JSON ``body`` with an ``Idempotency-Key``; never raises for a delivery failure.

    The URL is checked again before the request (``destinations.check_url``), and a host
    name's addresses when a connection to it is opened, on the addresses connected to (the
    worker's client is ``connections.delivery_client``): a refused URL, or a host that now
    resolves to a refused address, fails the delivery permanently.
    """
    sent = {
        "Content-Type": "application/json",
        "User-Agent": USER_AGENT,
        "Idempotency-Key": check_key(key),
        **(headers or {}),
    }
    try:
        check_url(url, allow_private=allow_private, lookup=False)
        response = client.post(url, content=body, headers=sent, timeout=timeout)
    except RefusedDestination as exc:  # the URL, or the address its connection resolved
        return DeliveryOutcome.permanent(f"refused destination: {exc}")
    except httpx.TimeoutException as exc:
        return DeliveryOutcome.retryable(f"no answer within {timeout:g}s ({type(exc).__name__})")
    except httpx.UnsupportedProtocol as exc:
        return DeliveryOutcome.permanent(f"not an http(s) URL: {exc}")
    except httpx.TransportError as exc:
        return DeliveryOutcome.retryable(f"{type(exc).__name__}: {exc}")
    except httpx.InvalidURL as exc:
        return DeliveryOutcome.permanent(f"invalid URL: {exc}")
    return classify_response(response, now)


def classify_response(response: httpx.Response, now: datetime) -> DeliveryOutcome:
    """Map a receiver's answer to an outcome."""
    code = response.status_code
    reason = f"HTTP {code}{_excerpt(response)}"
    if 200 <= code < 300:
        return DeliveryOutcome.delivered(reason, code)
    if code in RETRYABLE_CODES or code >= 500:
        wait = retry_after(response.headers.get("Retry-After"), now)
        return DeliveryOutcome.retryable(reason, code, wait)
    if 300 <= code < 400:
        where = response.headers.get("Location", "?")
        reason = f"{reason}; redirects are not followed, register the final URL ({where})"
    return DeliveryOutcome.permanent(reason, code)


def retry_after(value: str | None, now: datetime) -> timedelta | None:
    """Parse ``Retry-After`` (delay seconds or an HTTP date); None when absent or unreadable."""
    if value is None:
        return None
    text = value.strip()
    if text.isdigit():
        return timedelta(seconds=int(text))
    try:
        when = parsedate_to_datetime(text)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:  # "-0000" means UTC with no claim about the local zone
        when = when.replace(tzinfo=UTC)
    return max(when - require_aware(now, "now"), timedelta(0))


def _excerpt(response: httpx.Response) -> str:
    text = " ".join(response.text.split())
    if not text:
        return ""
    if len(text) > _REASON_LIMIT:
        text = text[:_REASON_LIMIT] + "…"
    return f": {text}"
