"""``/directory/unmapped``: owners and teams that events name but the directory does not know
(their events are accepted; an admin maps them by creating the user or team)."""

from __future__ import annotations

from fastapi import APIRouter
from pydantic import BaseModel

from caseclock.api.deps import Admin, DbSession
from caseclock.api.schemas.common import PROBLEM_RESPONSES
from caseclock.api.strict_json import StrictJsonRoute
from caseclock.services import directory

router = APIRouter(tags=["people"], responses=PROBLEM_RESPONSES, route_class=StrictJsonRoute)


class UnmappedOut(BaseModel):
    name: str
    records: int


class UnmappedList(BaseModel):
    owners: list[UnmappedOut]
    teams: list[UnmappedOut]


@router.get(
    "/directory/unmapped", summary="Owners and teams on records that no user or team matches"
)
def get_unmapped(session: DbSession, _: Admin) -> UnmappedList:
    return UnmappedList(
        owners=[
            UnmappedOut(name=u.name, records=u.records) for u in directory.unmapped_owners(session)
        ],
        teams=[
            UnmappedOut(name=u.name, records=u.records) for u in directory.unmapped_teams(session)
        ],
    )
