"""Queries over the directory: users, teams and their members."""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from sqlalchemy import delete, func, or_, select
from sqlalchemy.orm import InstrumentedAttribute, Session

from caseclock.store.models import RecordRow, TeamMemberRow, TeamRow, UserRow


class UserRepository:
    def __init__(self, session: Session) -> None:
        self.session = session

    def get(self, user_id: int) -> UserRow | None:
        return self.session.get(UserRow, user_id)

    def by_handle(self, handle: str) -> UserRow | None:
        return self.session.scalars(select(UserRow).where(UserRow.handle == handle)).one_or_none()

    def by_login(self, login: str) -> UserRow | None:
        """The user whose handle or (lower-case) email is ``login``."""
        return self.session.scalars(
            select(UserRow).where(or_(UserRow.handle == login, UserRow.email == login.lower()))
        ).first()

    def by_email(self, email: str) -> UserRow | None:
        return self.session.scalars(
            select(UserRow).where(UserRow.email == email.lower())
        ).one_or_none()

    def by_handles(self, handles: Iterable[str]) -> dict[str, UserRow]:
        wanted = sorted(set(handles))
        if not wanted:
            return {}
        rows = self.session.scalars(select(UserRow).where(UserRow.handle.in_(wanted))).all()
        return {row.handle: row for row in rows}

    def list(self, *, include_inactive: bool = True) -> Sequence[UserRow]:
        query = select(UserRow).order_by(UserRow.handle)
        if not include_inactive:
            query = query.where(UserRow.active.is_(True))
        return self.session.scalars(query).all()

    def count_admins(self) -> int:
        return (
            self.session.scalar(
                select(func.count())
                .select_from(UserRow)
                .where(UserRow.role == "admin", UserRow.active.is_(True))
            )
            or 0
        )

    def add(self, row: UserRow) -> UserRow:
        self.session.add(row)
        self.session.flush()
        return row


class TeamRepository:
    def __init__(self, session: Session) -> None:
        self.session = session

    def by_name(self, name: str) -> TeamRow | None:
        return self.session.scalars(select(TeamRow).where(TeamRow.name == name)).one_or_none()

    def list(self) -> Sequence[TeamRow]:
        return self.session.scalars(select(TeamRow).order_by(TeamRow.name)).all()

    def names(self, names: Iterable[str]) -> set[str]:
        wanted = sorted(set(names))
        if not wanted:
            return set()
        return set(self.session.scalars(select(TeamRow.name).where(TeamRow.name.in_(wanted))))

    def add(self, row: TeamRow) -> TeamRow:
        self.session.add(row)
        self.session.flush()
        return row

    def members(self, team_ids: Iterable[int]) -> Sequence[tuple[int, UserRow, bool]]:
        """(team id, user, lead) for every member of these teams, by handle."""
        wanted = sorted(set(team_ids))
        if not wanted:
            return []
        rows = self.session.execute(
            select(TeamMemberRow.team_id, UserRow, TeamMemberRow.lead)
            .join(UserRow, UserRow.id == TeamMemberRow.user_id)
            .where(TeamMemberRow.team_id.in_(wanted))
            .order_by(UserRow.handle)
        ).all()
        return [(team_id, user, lead) for team_id, user, lead in rows]

    def teams_of(self, user_ids: Iterable[int]) -> Sequence[tuple[int, TeamRow, bool]]:
        """(user id, team, lead) for every team these users are on, by team name."""
        wanted = sorted(set(user_ids))
        if not wanted:
            return []
        rows = self.session.execute(
            select(TeamMemberRow.user_id, TeamRow, TeamMemberRow.lead)
            .join(TeamRow, TeamRow.id == TeamMemberRow.team_id)
            .where(TeamMemberRow.user_id.in_(wanted))
            .order_by(TeamRow.name)
        ).all()
        return [(user_id, team, lead) for user_id, team, lead in rows]

    def membership(self, team_id: int, user_id: int) -> TeamMemberRow | None:
        return self.session.get(TeamMemberRow, (team_id, user_id))

    def set_member(self, team_id: int, user_id: int, *, lead: bool) -> None:
        found = self.membership(team_id, user_id)
        if found is None:
            self.session.add(TeamMemberRow(team_id=team_id, user_id=user_id, lead=lead))
        else:
            found.lead = lead
        self.session.flush()

    def remove_member(self, team_id: int, user_id: int) -> bool:
        result = self.session.execute(
            delete(TeamMemberRow).where(
                TeamMemberRow.team_id == team_id, TeamMemberRow.user_id == user_id
            )
        )
        return bool(getattr(result, "rowcount", 0))


class UnmappedRepository:
    """Names on records that the directory does not know (helpdesks may be ahead of it)."""

    def __init__(self, session: Session) -> None:
        self.session = session

    def owners(self, *, limit: int) -> list[tuple[str, int]]:
        return self._unknown(RecordRow.owner, UserRow.handle, limit)

    def teams(self, *, limit: int) -> list[tuple[str, int]]:
        return self._unknown(RecordRow.team, TeamRow.name, limit)

    def _unknown(
        self,
        named: InstrumentedAttribute[str | None],
        known: InstrumentedAttribute[str],
        limit: int,
    ) -> list[tuple[str, int]]:
        """Values of ``named`` that ``known`` lacks, with how many records carry each."""
        count = func.count().label("records")
        rows = self.session.execute(
            select(named, count)
            .where(named.is_not(None), named.not_in(select(known)))
            .group_by(named)
            .order_by(count.desc(), named)
            .limit(limit)
        ).all()
        return [(str(name), int(records)) for name, records in rows]
