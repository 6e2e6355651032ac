"""The directory: users (who signs in and owns work), teams (members and leads), and console
sessions and sign-in attempts (for revocation and the rate limit)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, ForeignKey, Index, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from caseclock.store.models.base import Base
from caseclock.store.types import JSONDocument, UTCDateTime


class UserRow(Base):
    """A person. ``handle`` is what helpdesk events name as owner; ``email`` is kept lower-case.
    ``password_hash`` is an Argon2id PHC string, None for people who sign in only by single
    sign-on or have not accepted their invitation; ``accounts`` is an account scope (None:
    every account). Single sign-on identities are ``UserIdentityRow``s."""

    __tablename__ = "users"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    handle: Mapped[str] = mapped_column(String(100), unique=True)
    display_name: Mapped[str] = mapped_column(String(200))
    email: Mapped[str] = mapped_column(String(320), unique=True)
    time_zone: Mapped[str] = mapped_column(String(64))
    role: Mapped[str] = mapped_column(String(20))
    accounts: Mapped[list[str] | None] = mapped_column(JSONDocument())
    password_hash: Mapped[str | None] = mapped_column(String(200))
    # unused: identities are UserIdentityRows (a subject is unique only within its issuer);
    # kept because SQLite cannot drop a unique column without rebuilding this table
    oidc_subject: Mapped[str | None] = mapped_column(String(500), unique=True)
    active: Mapped[bool] = mapped_column(Boolean)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime())
    deactivated_at: Mapped[datetime | None] = mapped_column(UTCDateTime())


class TeamRow(Base):
    """A team: its region's calendar, an address and an optional chat endpoint for its
    notifications."""

    __tablename__ = "teams"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    name: Mapped[str] = mapped_column(String(100), unique=True)
    calendar: Mapped[str | None] = mapped_column(String(100))
    email: Mapped[str | None] = mapped_column(String(320))
    chat_endpoint: Mapped[str | None] = mapped_column(String(100))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime())


class TeamMemberRow(Base):
    """A user's place on a team; ``lead`` marks the team's leads (one or more)."""

    __tablename__ = "team_members"

    team_id: Mapped[int] = mapped_column(ForeignKey("teams.id"), primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), primary_key=True, index=True)
    lead: Mapped[bool] = mapped_column(Boolean)


class ConsoleSessionRow(Base):
    """A signed-in browser. The cookie holds a random token; only its SHA-256 is kept here, so
    the table lists and revokes sessions without holding anything a thief could replay."""

    __tablename__ = "console_sessions"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    last_seen_at: Mapped[datetime] = mapped_column(UTCDateTime())
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime())
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    address: Mapped[str | None] = mapped_column(String(100))
    agent: Mapped[str | None] = mapped_column(String(300))
    method: Mapped[str] = mapped_column(String(20))


class SignInAttemptRow(Base):
    """One failed sign-in, counted per identifier and per client address for the rate limit."""

    __tablename__ = "sign_in_failures"
    __table_args__ = (
        Index("ix_sign_in_failures_login_at", "login", "at"),
        Index("ix_sign_in_failures_address_at", "address", "at"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    login: Mapped[str] = mapped_column(String(320))
    address: Mapped[str] = mapped_column(String(100))
    at: Mapped[datetime] = mapped_column(UTCDateTime())


class UserIdentityRow(Base):
    """A single sign-on identity linked to a user: the provider (``issuer``) and its stable id
    for the person (``subject``, the ID token's ``sub``). Found by these two, a person whose
    email changes at the provider stays the same user."""

    __tablename__ = "user_identities"
    __table_args__ = (UniqueConstraint("issuer", "subject"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    issuer: Mapped[str] = mapped_column(String(500))
    subject: Mapped[str] = mapped_column(String(255))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    last_used_at: Mapped[datetime] = mapped_column(UTCDateTime())


class InvitationRow(Base):
    """A single-use link that lets an invited user set their own password (or link their
    single sign-on). Only the token's SHA-256 is kept; ``used_at`` or ``revoked_at`` end it."""

    __tablename__ = "invitations"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    invited_by: Mapped[str] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime())
    used_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
