"""Finding records: by words (in the id, subject, account, owner or status) and by filters.

``RecordFilter`` is the one description of which records a list wants, whoever asks (the
API's ``GET /records``, the console's records page, the account page, the board's list of
records without an entitlement).
"""

from __future__ import annotations

from sqlalchemy.orm import Session

from caseclock.services.access import Principal
from caseclock.store.models import RecordRow
from caseclock.store.repositories.records import RecordFilter, RecordRepository

__all__ = ["RecordFilter", "search_records"]


def search_records(
    session: Session, where: RecordFilter, principal: Principal, *, limit: int, offset: int
) -> tuple[list[RecordRow], bool]:
    """One page of the records ``principal`` may see that match, most recently updated first,
    and whether more follow."""
    rows = RecordRepository(session).list(
        where, scope=principal.accounts, limit=limit + 1, offset=offset
    )
    return list(rows[:limit]), len(rows) > limit
