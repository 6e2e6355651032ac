"""Queries over single sign-on identities and invitations."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from caseclock.store.models import InvitationRow, UserIdentityRow


class IdentityRepository:
    def __init__(self, session: Session) -> None:
        self.session = session

    def find(self, issuer: str, subject: str) -> UserIdentityRow | None:
        return self.session.scalars(
            select(UserIdentityRow).where(
                UserIdentityRow.issuer == issuer, UserIdentityRow.subject == subject
            )
        ).one_or_none()

    def of_user(self, user_id: int, issuer: str) -> UserIdentityRow | None:
        return self.session.scalars(
            select(UserIdentityRow).where(
                UserIdentityRow.user_id == user_id, UserIdentityRow.issuer == issuer
            )
        ).first()

    def for_user(self, user_id: int) -> Sequence[UserIdentityRow]:
        return self.session.scalars(
            select(UserIdentityRow)
            .where(UserIdentityRow.user_id == user_id)
            .order_by(UserIdentityRow.id)
        ).all()

    def add(self, row: UserIdentityRow) -> UserIdentityRow:
        self.session.add(row)
        self.session.flush()
        return row


class InvitationRepository:
    def __init__(self, session: Session) -> None:
        self.session = session

    def add(self, row: InvitationRow) -> InvitationRow:
        self.session.add(row)
        self.session.flush()
        return row

    def by_token_hash(self, token_hash: str) -> InvitationRow | None:
        return self.session.scalars(
            select(InvitationRow).where(InvitationRow.token_hash == token_hash)
        ).one_or_none()

    def revoke_open(self, user_id: int, *, now: datetime) -> int:
        """End every unused invitation of this user (a new one replaces them)."""
        result = self.session.execute(
            update(InvitationRow)
            .where(
                InvitationRow.user_id == user_id,
                InvitationRow.used_at.is_(None),
                InvitationRow.revoked_at.is_(None),
            )
            .values(revoked_at=now)
            .execution_options(synchronize_session="fetch")
        )
        return int(getattr(result, "rowcount", 0) or 0)

    def latest_open(self, user_ids: Iterable[int]) -> dict[int, InvitationRow]:
        """Each user's newest invitation that is neither used nor revoked (it may have
        expired: the people page says so)."""
        wanted = sorted(set(user_ids))
        if not wanted:
            return {}
        rows = self.session.scalars(
            select(InvitationRow)
            .where(
                InvitationRow.user_id.in_(wanted),
                InvitationRow.used_at.is_(None),
                InvitationRow.revoked_at.is_(None),
            )
            .order_by(InvitationRow.id)
        ).all()
        return {row.user_id: row for row in rows}
