"""The insights the worker keeps: the scheduled retrain of the breach-risk model, and the
insights of records that changed (stored risk, priority suggestion, handoff summary).

The retrain: when the newest model is older than the configured age
(``CASECLOCK_RETRAIN_HOURS``), train on the history as it is now and store it.

A history that cannot train a model yet (too few closed milestones) is logged and tried again
after the same interval; nothing else of the worker waits for it (jobs run in their own
thread). Two workers may both retrain at the same moment: each stores a model and the newest
scores, so the only cost is the duplicate work. The training modules (scikit-learn, lifelines)
are imported when a retrain runs, not when the worker module is: every ``caseclock`` command
imports this one.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta

import httpx

from caseclock.config import Settings
from caseclock.errors import CaseclockError
from caseclock.services.insights.handoffs import SummaryWriter
from caseclock.services.insights.provider import ProviderConfig
from caseclock.services.insights.scoring import latest_trained_at
from caseclock.services.insights.stored_risk import (
    BATCH,
    forget_changes,
    refresh_aged,
    refresh_changed,
)
from caseclock.services.insights.suggestions import suggest_for
from caseclock.store.database import SessionFactory
from caseclock.worker.periodic import Paced

log = logging.getLogger(__name__)


@dataclass
class RetrainJob(Paced):
    """Retrains when due; ``run(now)`` is called by the worker loop every pass."""

    session_factory: SessionFactory
    every: timedelta

    def run(self, now: datetime) -> bool:
        """Train and store a model if the newest is ``every`` old; whether one was stored."""
        if not self.looking(now, self.every):
            return False
        with self.session_factory() as session:
            newest = latest_trained_at(session)
        if newest is not None and now - newest < self.every:
            self.next_look = newest + self.every
            return False
        from caseclock.services.insights.training import train  # noqa: PLC0415 (see above)

        with self.session_factory() as session:
            try:
                trained = train(session, now=now, trigger="worker")
            except CaseclockError as exc:
                log.info("breach-risk model not retrained: %s", exc.detail)
                return False
            session.commit()
        log.info("breach-risk model retrained on %s closed milestones", trained.model.history)
        return True


PROVIDER_BATCH = 10  # records summarised per pass when a provider writes the prose
AGED_EVERY = timedelta(seconds=30)  # how often a pass looks for risks grown old


@dataclass
class InsightsJob(Paced):
    """Each pass: the records changed longest ago (their risk scored and stored, their
    priority suggestion worked out, their summary written), then, every ``AGED_EVERY``, the
    stored risks older than ``age`` scored again. A failure is logged; the records stay noted
    and are taken again at the next pass."""

    session_factory: SessionFactory
    age: timedelta
    provider: ProviderConfig | None = None
    client: httpx.Client | None = None
    next_aged: datetime | None = None

    @classmethod
    def of(cls, session_factory: SessionFactory, settings: Settings) -> InsightsJob:
        provider = ProviderConfig.of(settings)
        # the provider is an address the admin chose (often a local server): no pinning
        client = httpx.Client(trust_env=False) if provider is not None else None
        return cls(
            session_factory=session_factory,
            age=timedelta(minutes=settings.risk_refresh_minutes),
            provider=provider,
            client=client,
        )

    def run(self, now: datetime) -> int:
        """One pass at ``now``; returns how many changed records were worked out."""
        limit = PROVIDER_BATCH if self.provider is not None else BATCH
        writer = SummaryWriter(self.provider, self.client)
        with self.session_factory() as session:
            records, taken = refresh_changed(session, now, limit)
            if records:
                suggest_for(session, records, now)
                writer.write(session, records, now)
            session.commit()
        if taken:  # apart, so no lock on what was written is held while waiting on a change
            with self.session_factory() as session:
                forget_changes(session, taken)
                session.commit()
        if writer.failure is not None:
            log.warning("handoff summaries kept extractive: %s", writer.failure)
        if self.next_aged is None or now >= self.next_aged:
            self.next_aged = now + AGED_EVERY
            with self.session_factory() as session:
                refresh_aged(session, now, age=self.age)
                session.commit()
        return len(records)

    def close(self) -> None:
        if self.client is not None:
            self.client.close()
