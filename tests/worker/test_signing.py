"""Webhook signatures: what is signed, and every way verification refuses a request."""

from __future__ import annotations

import hashlib
import hmac
from datetime import timedelta

import pytest

from caseclock.channels.signing import (
    SIGNATURE_HEADER,
    TIMESTAMP_HEADER,
    InvalidSignature,
    sign,
    signature_headers,
    verify,
)
from tests.worker.samples import NOW, SECRET

BODY = b'{"id":"del_1","kind":"warning"}'


def test_signature_is_hmac_sha256_over_timestamp_dot_body() -> None:
    """sign() is the hex HMAC-SHA256 of b"<timestamp>." + body, computed independently here."""
    expected = hmac.new(SECRET.encode(), b"1795620600." + BODY, hashlib.sha256).hexdigest()
    assert sign(SECRET, 1795620600, BODY) == expected


def test_headers_carry_unix_timestamp_and_v1_signature() -> None:
    """The header pair is the Unix second of now and v1=<hex> over that timestamp."""
    headers = signature_headers(SECRET, NOW, BODY)
    timestamp = int(NOW.timestamp())
    assert headers == {
        TIMESTAMP_HEADER: str(timestamp),
        SIGNATURE_HEADER: f"v1={sign(SECRET, timestamp, BODY)}",
    }


def test_a_signed_request_verifies() -> None:
    """What signature_headers produced verifies under the same secret within the tolerance."""
    headers = signature_headers(SECRET, NOW, BODY)
    verify(SECRET, headers, BODY, NOW + timedelta(seconds=299))


def test_header_names_are_case_insensitive() -> None:
    """Frameworks lower-case header names; verification does not care."""
    headers = {k.lower(): v for k, v in signature_headers(SECRET, NOW, BODY).items()}
    verify(SECRET, headers, BODY, NOW)


@pytest.mark.parametrize(
    ("secret", "body", "shift", "message"),
    [
        pytest.param(SECRET, BODY.replace(b"warning", b"success"), 0, "does not match", id="body"),
        pytest.param("whsec_other", BODY, 0, "does not match", id="secret"),
        pytest.param(SECRET, BODY, 301, "stale", id="stale"),
        pytest.param(SECRET, BODY, -301, "stale", id="future"),
    ],
)
def test_tampering_and_stale_timestamps_are_refused(
    secret: str, body: bytes, shift: int, message: str
) -> None:
    """A changed body, another secret, or an instant beyond 300 s either side is refused."""
    headers = signature_headers(SECRET, NOW, BODY)
    with pytest.raises(InvalidSignature, match=message):
        verify(secret, headers, body, NOW + timedelta(seconds=shift))


def test_a_replayed_signature_with_a_new_timestamp_is_refused() -> None:
    """The timestamp is signed: moving it forward to dodge the tolerance breaks the signature."""
    headers = signature_headers(SECRET, NOW, BODY)
    later = NOW + timedelta(hours=1)
    headers[TIMESTAMP_HEADER] = str(int(later.timestamp()))
    with pytest.raises(InvalidSignature, match="does not match"):
        verify(SECRET, headers, BODY, later)


def test_the_tolerance_is_a_parameter() -> None:
    """A receiver may accept a wider window than the default five minutes."""
    headers = signature_headers(SECRET, NOW, BODY)
    verify(SECRET, headers, BODY, NOW + timedelta(minutes=9), tolerance=timedelta(minutes=10))


def test_any_matching_v1_entry_verifies_during_secret_rotation() -> None:
    """Several comma-separated v1 entries (old and new secret) verify if one matches."""
    headers = signature_headers(SECRET, NOW, BODY)
    old = signature_headers("whsec_old", NOW, BODY)[SIGNATURE_HEADER]
    headers[SIGNATURE_HEADER] = f"{old}, {headers[SIGNATURE_HEADER]}"
    verify(SECRET, headers, BODY, NOW)


@pytest.mark.parametrize(
    ("headers", "message"),
    [
        pytest.param({SIGNATURE_HEADER: "v1=00"}, "missing header Caseclock-Timestamp", id="no-ts"),
        pytest.param({TIMESTAMP_HEADER: "1"}, "missing header Caseclock-Signature", id="no-sig"),
        pytest.param(
            {TIMESTAMP_HEADER: "yesterday", SIGNATURE_HEADER: "v1=00"}, "Unix seconds", id="ts"
        ),
        pytest.param(
            {TIMESTAMP_HEADER: "{ts}", SIGNATURE_HEADER: "v0=abc"}, "no v1= entry", id="scheme"
        ),
        pytest.param(
            {TIMESTAMP_HEADER: "{ts}", SIGNATURE_HEADER: "v1=é"}, "does not match", id="non-ascii"
        ),
    ],
)
def test_malformed_headers_are_refused_with_the_reason(
    headers: dict[str, str], message: str
) -> None:
    """Missing or malformed headers raise InvalidSignature saying what is wrong."""
    filled = {k: v.format(ts=int(NOW.timestamp())) for k, v in headers.items()}
    with pytest.raises(InvalidSignature, match=message):
        verify(SECRET, filled, BODY, NOW)
