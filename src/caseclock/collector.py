"""The garbage collector's settings for a long-running caseclock process (server or worker).

CPython frees most objects by reference counting; its cyclic collector also walks, now and
then, every container object that has survived its younger generations. A caseclock process
holds a large graph of such objects for its whole life (the app and its routes, SQLAlchemy's
metadata and statement cache, pydantic's schemas, parsed processes and calendars), and a batch of
500 events allocates enough short-lived ones to set off several walks of the whole graph. On the
ingest bench those full collections took about a quarter of each batch.

``tune`` does what CPython's documentation suggests for such processes: once start-up is done it
collects, then *freezes* what is left (``gc.freeze``: the collector no longer walks it, and
nothing in it is freed until the process ends, as it would not be anyway), and it lets the
youngest generation grow to ``YOUNG_THRESHOLD`` objects before collecting it, so that a
request's objects are mostly freed by reference counting before a collection finds them alive
and moves them to an older generation. Cyclic garbage is still collected, in larger steps.
"""

from __future__ import annotations

import gc
from typing import Final

YOUNG_THRESHOLD: Final = 50_000  # CPython's default is 700
# How many collections of one generation before the next one is collected (CPython's default).
OLDER_THRESHOLDS: Final = (10, 10)


def tune() -> None:
    """Freeze what start-up left alive and collect young objects less often.

    Call it once the process has built what it keeps (the app, its engine): the entry points
    of server and worker processes do (``api.asgi.serving_app``, ``caseclock worker``), never
    the app factory, so a process that merely builds apps (the tests) keeps CPython's settings.
    """
    gc.collect()  # garbage left by start-up is freed, not frozen
    gc.freeze()
    gc.set_threshold(YOUNG_THRESHOLD, *OLDER_THRESHOLDS)


def freeze_kept() -> None:
    """Stop walking the objects alive now, in a tuned process (``tune``) at a point after
    which they are kept to the end of its work and hold no cycles: an import's rows once read
    and sorted (up to ``connectors.ordering.RUN_ROWS`` of them), which would otherwise be
    walked by every full collection of the load that follows (about a tenth of an import's
    time). They are still freed by reference counting when let go."""
    if gc.get_threshold()[0] == YOUNG_THRESHOLD:
        gc.freeze()
