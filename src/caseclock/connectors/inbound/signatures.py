"""Each vendor's webhook signature, checked over the raw body in constant time.

==========  ==============================================================================
zendesk     ``X-Zendesk-Webhook-Signature``: base64 HMAC-SHA256 of the
            ``X-Zendesk-Webhook-Signature-Timestamp`` header's value followed by the body;
            a timestamp more than ``TOLERANCE`` away from the arrival is refused (a replay)
jira        ``X-Hub-Signature``: ``sha256=`` and the hex HMAC-SHA256 of the body
zammad      ``X-Hub-Signature``: ``sha1=`` and the hex HMAC-SHA1 of the body (Zammad's choice)
github      ``X-Hub-Signature-256``: ``sha256=`` and the hex HMAC-SHA256 of the body
==========  ==============================================================================

The delivery's id, the idempotency key of everything it carries, is ``X-GitHub-Delivery``,
``X-Zammad-Delivery``, ``X-Atlassian-Webhook-Identifier``, or for Zendesk the event's own
``id`` in the body (the same on every retry).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
from collections.abc import Mapping
from datetime import datetime, timedelta

from caseclock.connectors.inbound.sources import Vendor

TOLERANCE = timedelta(minutes=5)

DELIVERY_HEADERS = {
    Vendor.GITHUB: "x-github-delivery",
    Vendor.ZAMMAD: "x-zammad-delivery",
    Vendor.JIRA: "x-atlassian-webhook-identifier",
}


class SignatureRefused(Exception):
    """The delivery is not signed by the source's secret, or its signature is stale."""


def verify(
    vendor: Vendor,
    secret: str,
    headers: Mapping[str, str],
    body: bytes,
    *,
    now: datetime,
) -> None:
    """Raise ``SignatureRefused`` unless ``body`` carries ``secret``'s signature (headers by
    lowercase name)."""
    key = secret.encode()
    if vendor is Vendor.ZENDESK:
        stamp = _header(headers, "x-zendesk-webhook-signature-timestamp")
        expected = base64.b64encode(
            hmac.new(key, stamp.encode() + body, hashlib.sha256).digest()
        ).decode()
        _compare(expected, _header(headers, "x-zendesk-webhook-signature"))
        _fresh(stamp, now)
        return
    if vendor is Vendor.ZAMMAD:
        given = _header(headers, "x-hub-signature")
        expected = "sha1=" + hmac.new(key, body, hashlib.sha1).hexdigest()
    elif vendor is Vendor.JIRA:
        given = _header(headers, "x-hub-signature")
        expected = "sha256=" + hmac.new(key, body, hashlib.sha256).hexdigest()
    else:
        given = _header(headers, "x-hub-signature-256")
        expected = "sha256=" + hmac.new(key, body, hashlib.sha256).hexdigest()
    _compare(expected, given)


def _header(headers: Mapping[str, str], name: str) -> str:
    value = headers.get(name)
    if not value:
        raise SignatureRefused(f"no {name} header")
    return value


def _compare(expected: str, given: str) -> None:
    if not hmac.compare_digest(expected.encode(), given.strip().encode()):
        raise SignatureRefused("the signature does not match this source's secret")


def _fresh(stamp: str, now: datetime) -> None:
    try:
        signed = datetime.fromisoformat(stamp.strip())
    except ValueError:
        raise SignatureRefused(f"the signature timestamp {stamp[:40]!r} is not ISO 8601") from None
    if signed.tzinfo is None:
        raise SignatureRefused("the signature timestamp has no offset")
    if abs(now - signed) > TOLERANCE:
        raise SignatureRefused(
            f"the signature timestamp {signed.isoformat()} is more than "
            f"{int(TOLERANCE.total_seconds() // 60)} minutes from now: a replay, refused"
        )


def sign(vendor: Vendor, secret: str, body: bytes, *, stamp: str = "") -> dict[str, str]:
    """The signature headers ``vendor`` would send for ``body`` (for tests and clients that
    relay deliveries)."""
    key = secret.encode()
    if vendor is Vendor.ZENDESK:
        digest = hmac.new(key, stamp.encode() + body, hashlib.sha256).digest()
        return {
            "X-Zendesk-Webhook-Signature": base64.b64encode(digest).decode(),
            "X-Zendesk-Webhook-Signature-Timestamp": stamp,
        }
    if vendor is Vendor.ZAMMAD:
        return {"X-Hub-Signature": "sha1=" + hmac.new(key, body, hashlib.sha1).hexdigest()}
    name = "X-Hub-Signature" if vendor is Vendor.JIRA else "X-Hub-Signature-256"
    return {name: "sha256=" + hmac.new(key, body, hashlib.sha256).hexdigest()}
