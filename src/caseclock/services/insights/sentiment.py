"""Sentiment and urgency cues of customer comments, scored as their events are stored.

Scoring never holds up ingestion: a comment the scorer fails on is logged with its event and
left unscored (the event is stored as usual, and readers score it when they need it), and the
rows are written in a savepoint, so a failure to write them undoes only them.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Mapping
from typing import Any

from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session

from caseclock.core.events import Event, EventType
from caseclock.core.insights.sentiment import comment_sentiment
from caseclock.core.insights.urgency import urgency_cues
from caseclock.store.repositories.insights import SentimentRepository
from caseclock.store.repositories.records import EventRepository

logger = logging.getLogger("caseclock.insights")


def _is_customer_comment(event: Event) -> bool:
    return event.type is EventType.COMMENT and event.data.get("author_role") == "customer"


def _account_of(event: Event, known: Mapping[str, Mapping[str, Any]]) -> str | None:
    row = known.get(event.record)
    if row is not None:
        value = row.get("account_id")
        return value if isinstance(value, str) else None
    return None


def score_comments(
    session: Session,
    events: Iterable[Event],
    known: Mapping[str, Mapping[str, Any]],
    created: Mapping[str, Event],
) -> int:
    """Store the sentiment and cues of the customer comments among ``events`` (just stored);
    ``known`` and ``created`` give each record's account. Returns how many were stored."""
    wanted = [e for e in events if _is_customer_comment(e)]
    if not wanted:
        return 0
    seqs = EventRepository(session).seqs((e.record, e.id) for e in wanted)
    rows = []
    for event in wanted:
        body = event.data.get("body")
        text = body if isinstance(body, str) else None
        try:
            scored = comment_sentiment(text)
            cues = urgency_cues(text)
        except Exception:
            logger.warning("comment %s of %s: sentiment not scored", event.id, event.record)
            continue
        if scored is None:
            continue
        account = _account_of(event, known)
        if account is None and event.record in created:
            given = created[event.record].data.get("account")
            account = given if isinstance(given, str) else None
        rows.append(
            {
                "event_seq": seqs[(event.record, event.id)],
                "record_id": event.record,
                "account_id": account,
                "occurred_at": event.at,
                "score": scored.score,
                "band": scored.band,
                "drivers": [[d.word, d.valence] for d in scored.drivers],
                "cues": [[c.rule, c.words] for c in cues],
            }
        )
    try:
        with session.begin_nested():
            SentimentRepository(session).add_many(rows)
    except SQLAlchemyError:
        logger.warning("sentiment of %d comments not stored; they are scored when read", len(rows))
        return 0
    return len(rows)
