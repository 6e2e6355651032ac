"""The satisfaction survey page's service: open a signed link (``services.csat_links``) and
store the customer's answer once, as a ``csat`` event with the source ``survey``.

The event's id is derived from the token, so a second answer with the same link is a
duplicate (the link works once); a link past its expiry, or answered, is refused with a 410;
one caseclock did not sign (tampered, truncated) with a 404 that says nothing more.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from caseclock.core.events import CSAT_SCALES
from caseclock.core.provenance import Provenance, Source
from caseclock.errors import CaseclockError, NotFound, ValidationFailed
from caseclock.services.access import Principal, Role
from caseclock.services.csat_links import UNKNOWN, Claim, survey_key, verify
from caseclock.services.ingest import Outcome, ingest
from caseclock.store.repositories.records import EventRepository, RecordRepository
from caseclock.store.repositories.reports import ReportRepository

COMMENT_LIMIT = 2000
EVENT_PREFIX = "csat-"
# Answers are written for the customer on the record the link names, whatever its account.
_SURVEY = Principal(key_id=0, name="survey", role=Role.ADMIN)
_PROVENANCE = Provenance(Source.SURVEY)


class SurveyUnusable(CaseclockError):
    """A link that was answered already, or has expired."""

    status = 410
    title = "This survey link cannot be used"


@dataclass(frozen=True, slots=True)
class Survey:
    """What the survey page shows."""

    claim: Claim
    subject: str | None
    milestone_name: str | None


def event_id(token: str) -> str:
    """The id of the ``csat`` event a token's answer is stored as: one per link."""
    return EVENT_PREFIX + hashlib.sha256(token.encode("utf-8")).hexdigest()[:40]


def open_survey(session: Session, token: str, *, now: datetime) -> Survey:
    """The survey a link opens, if it can still be answered (else ``NotFound`` for a token
    caseclock did not sign or a record that is gone, ``SurveyUnusable`` for one answered
    already or expired)."""
    claim = verify(survey_key(session, now=now), token)
    if now >= claim.expires:
        raise SurveyUnusable("this survey link has expired")
    if not CSAT_SCALES[0] <= claim.scale <= CSAT_SCALES[1]:
        raise NotFound(UNKNOWN)
    record = RecordRepository(session).get(claim.record)
    if record is None:
        raise NotFound("the case this survey is about is no longer here")
    if EventRepository(session).seqs([(claim.record, event_id(token))]):
        raise SurveyUnusable("this survey was answered already: thank you")
    subject = (record.fields or {}).get("subject")
    name = None
    if claim.milestone is not None:
        names = dict(ReportRepository(session).milestone_names())
        name = names.get(claim.milestone, claim.milestone.replace("_", " ").capitalize())
    return Survey(claim, subject if isinstance(subject, str) else None, name)


def answer_survey(
    session: Session, token: str, *, score: int, comment: str | None, now: datetime
) -> Survey:
    """Store the answer to a survey link as a ``csat`` event (once per link)."""
    survey = open_survey(session, token, now=now)
    claim = survey.claim
    if not 1 <= score <= claim.scale:
        raise ValidationFailed(f"choose a score from 1 to {claim.scale}", path="score")
    text = (comment or "").strip()
    if len(text) > COMMENT_LIMIT:
        raise ValidationFailed(f"a comment is at most {COMMENT_LIMIT} characters", path="comment")
    data: dict[str, Any] = {"score": score, "scale": claim.scale}
    if claim.milestone is not None:
        data["milestone"] = claim.milestone
        if claim.cycle is not None:
            data["cycle"] = claim.cycle
    if text:
        data["comment"] = text
    item = {
        "id": event_id(token),
        "record": claim.record,
        "type": "csat",
        "at": now.isoformat(),
        "data": data,
    }
    [result] = ingest(session, [item], principal=_SURVEY, provenance=_PROVENANCE, now=now)
    if result.outcome is Outcome.DUPLICATE:
        raise SurveyUnusable("this survey was answered already: thank you")
    if result.outcome is Outcome.REJECTED:
        raise ValidationFailed("; ".join(result.errors) or "the answer could not be kept")
    return survey
