"""The scheduled retrain of the breach-risk model: when the newest model is older than the
configured age (``CASECLOCK_RETRAIN_HOURS``), train on the history as it is now and store it.

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

from caseclock.errors import CaseclockError
from caseclock.services.insights.scoring import latest_trained_at
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
