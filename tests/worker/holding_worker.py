"""A worker that stops inside its firing transaction, for the crash tests.

``python -m tests.worker.holding_worker MARKER AT`` reads its settings from the environment as
``caseclock worker`` does and runs one iteration at the instant AT; once a firing transaction
has written its effects, it writes MARKER and waits, holding the transaction open, until the
test kills it. Test code only: the production worker has no such switch.
"""

from __future__ import annotations

import os
import sys
import threading
from datetime import datetime
from pathlib import Path

import httpx
from sqlalchemy.orm import Session

from caseclock.config import Settings
from caseclock.store.database import make_engine, make_session_factory
from caseclock.worker.loop import BeforeCommit, Worker


def holder(marker: Path) -> BeforeCommit:
    def hold(_session: Session) -> None:
        marker.write_text(str(os.getpid()), encoding="utf-8")
        threading.Event().wait()  # until killed

    return hold


def main(marker: str, at: str) -> None:
    settings = Settings()
    engine = make_engine(settings.database_url)
    with httpx.Client(trust_env=False) as http:
        worker = Worker(
            make_session_factory(engine), settings, http=http, before_commit=holder(Path(marker))
        )
        try:
            worker.run_once(datetime.fromisoformat(at))
        finally:
            worker.close()
            engine.dispose()


if __name__ == "__main__":
    main(*sys.argv[1:3])
