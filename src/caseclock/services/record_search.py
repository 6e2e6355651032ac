"""Finding records by filters.

``RecordFilter`` is the one description of which records a list wants, whoever asks (the
API's ``GET /records``, the console's account page and the board's list of records without an
entitlement).
"""

from __future__ import annotations

from caseclock.store.repositories.records import RecordFilter

__all__ = ["RecordFilter"]
