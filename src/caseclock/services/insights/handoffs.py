"""Handoff summaries written ahead, for emails and the record page: the extractive summary
(``core.insights.summary``), or, with a provider configured, its facts with the provider's prose.

The worker writes them for the records that changed (``worker/insights``), so neither a page
nor an email waits for a provider. After the first failure in a pass the provider is not asked
again in that pass: the rest keep the extractive summary with the same note.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

import httpx
from sqlalchemy.orm import Session

from caseclock.core.insights.summary import summary_at
from caseclock.services.insights.provider import ProviderConfig, write_prose
from caseclock.services.insights.scoring import RecordSignals
from caseclock.store.models import HandoffSummaryRow
from caseclock.store.repositories.insight_state import SummaryRepository
from caseclock.store.repositories.milestones import MilestoneRepository


@dataclass(slots=True)
class SummaryWriter:
    """Writes the summaries of changed records; ``config`` None: extractive only."""

    config: ProviderConfig | None = None
    client: httpx.Client | None = None
    failure: str | None = None  # the provider's first failure in this pass

    def write(self, session: Session, record_ids: Iterable[str], now: datetime) -> int:
        """Write and store the records' summaries at ``now``; returns how many."""
        wanted = set(record_ids)
        if not wanted:
            return 0
        signals = RecordSignals.load(session, wanted)
        milestones = MilestoneRepository(session).for_records(wanted)
        repository = SummaryRepository(session)
        for record_id in sorted(wanted):
            timeline = signals.timelines.get(record_id, ())
            summary = summary_at(timeline, now)
            dated = [
                m for m in milestones.get(record_id, []) if m.is_open and m.deadline is not None
            ]
            soonest = min(dated, key=lambda m: m.deadline or now, default=None)
            due = (
                None
                if soonest is None or soonest.deadline is None
                else (soonest.name, soonest.deadline)
            )
            facts = summary.fact_lines(now, due)
            text, source, note = summary.text(now, due), "extractive", self.failure
            if self.config is not None and self.client is not None and self.failure is None:
                prose = write_prose(self.client, self.config, facts, summary.source_text())
                if prose.text is not None:
                    text, source = "\n".join([*facts, f"Summary: {prose.text}"]), "provider"
                else:
                    self.failure = note = prose.failure
            repository.put(
                {
                    "record_id": record_id,
                    "written_at": now,
                    "source": source,
                    "text": text,
                    "note": None if note is None else note[:500],
                }
            )
        return len(wanted)


def stored_summary(session: Session, record_id: str) -> HandoffSummaryRow | None:
    """The summary last written for the record, if any."""
    return SummaryRepository(session).get(record_id)


def stored_summaries(session: Session, record_ids: Iterable[str]) -> dict[str, str]:
    """The text of the summaries last written for the records, by record."""
    return SummaryRepository(session).texts(record_ids)
