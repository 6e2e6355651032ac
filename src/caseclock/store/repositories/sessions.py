"""Queries over console sessions and failed sign-ins."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from caseclock.store.models import ConsoleSessionRow, SignInAttemptRow


class ConsoleSessionRepository:
    def __init__(self, session: Session) -> None:
        self.session = session

    def add(self, row: ConsoleSessionRow) -> ConsoleSessionRow:
        self.session.add(row)
        self.session.flush()
        return row

    def by_token_hash(self, token_hash: str) -> ConsoleSessionRow | None:
        return self.session.scalars(
            select(ConsoleSessionRow).where(ConsoleSessionRow.token_hash == token_hash)
        ).one_or_none()

    def live_for_user(self, user_id: int, *, now: datetime) -> Sequence[ConsoleSessionRow]:
        return self.session.scalars(
            select(ConsoleSessionRow)
            .where(
                ConsoleSessionRow.user_id == user_id,
                ConsoleSessionRow.revoked_at.is_(None),
                ConsoleSessionRow.expires_at > now,
            )
            .order_by(ConsoleSessionRow.last_seen_at.desc(), ConsoleSessionRow.id.desc())
        ).all()

    def revoke_for_user(self, user_id: int, *, now: datetime) -> int:
        result = self.session.execute(
            update(ConsoleSessionRow)
            .where(ConsoleSessionRow.user_id == user_id, ConsoleSessionRow.revoked_at.is_(None))
            .values(revoked_at=now)
            .execution_options(synchronize_session="fetch")
        )
        return int(getattr(result, "rowcount", 0) or 0)


class SignInFailureRepository:
    def __init__(self, session: Session) -> None:
        self.session = session

    def add(self, *, login: str, address: str, at: datetime) -> None:
        self.session.add(SignInAttemptRow(login=login, address=address, at=at))
        self.session.flush()

    def count_for_login(self, login: str, *, since: datetime) -> int:
        return (
            self.session.scalar(
                select(func.count())
                .select_from(SignInAttemptRow)
                .where(SignInAttemptRow.login == login, SignInAttemptRow.at >= since)
            )
            or 0
        )

    def count_for_address(self, address: str, *, since: datetime) -> int:
        return (
            self.session.scalar(
                select(func.count())
                .select_from(SignInAttemptRow)
                .where(SignInAttemptRow.address == address, SignInAttemptRow.at >= since)
            )
            or 0
        )

    def oldest_for(self, *, login: str, address: str, since: datetime) -> datetime | None:
        """The oldest failure in the window for this login or address (when the limit lifts)."""
        return self.session.scalar(
            select(func.min(SignInAttemptRow.at)).where(
                SignInAttemptRow.at >= since,
                (SignInAttemptRow.login == login) | (SignInAttemptRow.address == address),
            )
        )
