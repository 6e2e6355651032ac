"""Request and response shapes of ``/users``, ``/teams``, ``/apikeys`` and ``/audit``."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel, Field

from caseclock.api.schemas.common import Strict

RoleName = Literal["admin", "lead", "agent", "viewer"]
Accounts = list[str]


class UserIn(Strict):
    handle: str = Field(min_length=1, max_length=100, description="what events name as owner")
    email: str = Field(min_length=3, max_length=320)
    display_name: str | None = Field(default=None, max_length=200)
    role: RoleName = "agent"
    time_zone: str = Field(default="UTC", max_length=64)
    accounts: Accounts | None = Field(default=None, description="limit the user to these")
    password: str | None = Field(default=None, max_length=1024, description="write-only")


class InvitationIn(Strict):
    """A person to invite: they receive an email with a link to set their own password."""

    handle: str = Field(min_length=1, max_length=100, description="what events name as owner")
    email: str = Field(min_length=3, max_length=320, description="where the link is sent")
    display_name: str | None = Field(default=None, max_length=200)
    role: RoleName = "agent"
    time_zone: str = Field(default="UTC", max_length=64)
    accounts: Accounts | None = Field(default=None, description="limit the user to these")
    team: str | None = Field(default=None, max_length=100, description="put them on this team")
    lead: bool = Field(default=False, description="as one of the team's leads")


class InvitationOut(BaseModel):
    """An invitation sent: to whom, and until when its link works (the link itself is only
    in the email)."""

    user: UserOut
    sent_to: str
    expires_at: datetime


class UserPatch(Strict):
    display_name: str | None = Field(default=None, max_length=200)
    time_zone: str | None = Field(default=None, max_length=64)
    email: str | None = Field(default=None, max_length=320)
    role: RoleName | None = None
    accounts: Accounts | None = Field(default=None, description="null: every account")


class PasswordIn(Strict):
    password: str = Field(min_length=1, max_length=1024)
    current_password: str | None = Field(
        default=None, max_length=1024, description="needed when changing one's own password"
    )


class TeamMembershipOut(BaseModel):
    team: str
    lead: bool


class UserOut(BaseModel):
    """``accounts`` is shown to admins and to the user themself; others see only ``scoped``."""

    id: int
    handle: str
    display_name: str
    email: str
    time_zone: str
    role: str
    active: bool
    scoped: bool
    accounts: Accounts | None = None
    has_password: bool
    teams: list[TeamMembershipOut]
    created_at: datetime


class UserList(BaseModel):
    items: list[UserOut]


class TeamIn(Strict):
    name: str = Field(min_length=1, max_length=100)
    calendar: str | None = Field(default=None, max_length=100)
    email: str | None = Field(default=None, max_length=320)
    chat_endpoint: str | None = Field(default=None, max_length=100)
    members: list[str] = Field(default_factory=list, description="handles")
    leads: list[str] = Field(default_factory=list, description="handles (members too)")


class TeamPatch(Strict):
    calendar: str | None = Field(default=None, max_length=100)
    email: str | None = Field(default=None, max_length=320)
    chat_endpoint: str | None = Field(default=None, max_length=100)


class MemberIn(Strict):
    lead: bool = False


class MemberOut(BaseModel):
    handle: str
    display_name: str
    email: str
    lead: bool
    active: bool


class TeamOut(BaseModel):
    name: str
    calendar: str | None
    email: str | None
    chat_endpoint: str | None
    leads: list[str]
    members: list[MemberOut]


class TeamList(BaseModel):
    items: list[TeamOut]


class AuditOut(BaseModel):
    id: int
    at: datetime
    actor: str
    kind: str
    target: str
    action: str
    details: dict[str, Any]


class AuditPage(BaseModel):
    items: list[AuditOut]
    next_before: int | None = Field(description="pass as `before` for the next (older) page")
