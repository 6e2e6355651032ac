"""Satisfaction survey links: signed, expiring, made by a success action for the customer
(``services.csat_survey`` opens and answers them).

A link is ``/survey/<token>``; the token is ``v1.<payload>.<signature>``: the payload (base64url
JSON) names the record, the milestone and cycle it rates, the scale and when the link expires;
the signature is its HMAC-SHA256 under the installation's survey key (``signing_keys``, made on
first use and shared by every process on the database). A token whose signature does not
match, or that cannot be read, is refused as unknown (nothing says why, so nothing can be
learnt by trying). An answer is stored as a ``csat`` event through ingestion, with the source
``survey``; its id is derived from the token, so a second answer with the same link is a
duplicate: the link works once. After its expiry instant it works no more.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy.orm import Session

from caseclock.core.events import CSAT_DEFAULT_SCALE
from caseclock.errors import NotFound
from caseclock.store.repositories.csat import CsatRepository

SURVEY_PATH = "/survey/"
PURPOSE = "survey"
VERSION = "v1"
VALID_FOR = timedelta(days=14)
TOKEN_LIMIT = 1200  # the longest token a page accepts (a record id of 200 characters fits)


@dataclass(frozen=True, slots=True)
class Claim:
    """What a survey link says: which record (and milestone cycle) it rates, on what scale,
    until when, and a nonce that makes each link its own."""

    record: str
    milestone: str | None
    cycle: int | None
    scale: int
    expires: datetime
    nonce: str

    def payload(self) -> dict[str, Any]:
        return {
            "r": self.record,
            "m": self.milestone,
            "c": self.cycle,
            "s": self.scale,
            "e": int(self.expires.timestamp()),
            "n": self.nonce,
        }


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def _mac(secret: bytes, body: str) -> str:
    digest = hmac.new(secret, f"{PURPOSE}|{VERSION}|{body}".encode("ascii"), hashlib.sha256)
    return _b64(digest.digest())


def sign(secret: bytes, claim: Claim) -> str:
    """The token of ``claim`` under ``secret``."""
    text = json.dumps(claim.payload(), separators=(",", ":"), sort_keys=True)
    body = _b64(text.encode("utf-8"))
    return f"{VERSION}.{body}.{_mac(secret, body)}"


UNKNOWN = "this survey link is not one caseclock made"


def _field(payload: dict[str, Any], key: str, kind: type) -> Any:
    value = payload.get(key)
    if value is not None and (not isinstance(value, kind) or isinstance(value, bool)):
        raise NotFound(UNKNOWN)
    return value


def verify(secret: bytes, token: str) -> Claim:
    """The claim a token carries, if ``secret`` signed it (``NotFound`` otherwise: a tampered,
    truncated or foreign token). Expiry and use are checked by ``open_survey``."""
    parts = token.split(".")
    if len(token) > TOKEN_LIMIT or len(parts) != 3 or parts[0] != VERSION:
        raise NotFound(UNKNOWN)
    _, body, mac = parts
    if not hmac.compare_digest(_mac(secret, body).encode("ascii"), mac.encode("ascii", "replace")):
        raise NotFound(UNKNOWN)
    try:
        payload = json.loads(_unb64(body))
    except ValueError:
        raise NotFound(UNKNOWN) from None
    if not isinstance(payload, dict):
        raise NotFound(UNKNOWN)
    record, nonce = _field(payload, "r", str), _field(payload, "n", str)
    scale, expires = _field(payload, "s", int), _field(payload, "e", int)
    if record is None or nonce is None or scale is None or expires is None:
        raise NotFound(UNKNOWN)
    return Claim(
        record,
        _field(payload, "m", str),
        _field(payload, "c", int),
        scale,
        datetime.fromtimestamp(expires, UTC),
        nonce,
    )


def survey_key(session: Session, *, now: datetime) -> bytes:
    """The installation's survey signing key (made on first use)."""
    return CsatRepository(session).signing_key(PURPOSE, now=now).encode("utf-8")


@dataclass
class SurveyLinks:
    """Makes survey links for one batch of firings: the key is read once, when first needed."""

    session: Session
    console_url: str
    scale: int = CSAT_DEFAULT_SCALE
    valid_for: timedelta = VALID_FOR
    secret: bytes | None = field(default=None, repr=False)

    def link(
        self, record: str, milestone: str | None, cycle: int | None, *, key: str, now: datetime
    ) -> str:
        """The survey link of one firing (``key``, its idempotency key, is the nonce: a retry
        makes the same link)."""
        if self.secret is None:
            self.secret = survey_key(self.session, now=now)
        nonce = hashlib.sha256(key.encode("utf-8")).hexdigest()[:24]
        claim = Claim(record, milestone, cycle, self.scale, now + self.valid_for, nonce)
        return f"{self.console_url.rstrip('/')}{SURVEY_PATH}{sign(self.secret, claim)}"
