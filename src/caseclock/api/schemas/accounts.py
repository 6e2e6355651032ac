"""Accounts, contacts, assets and entitlements on the wire."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from pydantic import BaseModel, Field, field_validator

from caseclock.api.schemas.common import Line, Strict
from caseclock.store.limits import column_length, fields_problem
from caseclock.store.models import AccountRow, AssetRow, ContactRow, EntitlementRow

# The lengths of the columns each value lands in: longer text is refused here.
ID = column_length(AccountRow.id)
NAME = column_length(AccountRow.name)
TIER = column_length(AccountRow.tier)
REGION = column_length(AccountRow.region)


class AccountIn(Strict):
    id: Line = Field(min_length=1, max_length=ID)
    name: Line = Field(min_length=1, max_length=NAME)
    tier: Line | None = Field(default=None, max_length=TIER, examples=["Gold"])
    region: Line | None = Field(default=None, max_length=REGION, examples=["us-east"])
    start_date: date | None = None
    renewal_date: date | None = None
    fields: dict[str, Any] | None = None

    @field_validator("fields")
    @classmethod
    def _single_line_fields(cls, value: dict[str, Any] | None) -> dict[str, Any] | None:
        return _checked_fields(value)


def _checked_fields(value: dict[str, Any] | None) -> dict[str, Any] | None:
    """Custom fields hold names and single-line text (``store.limits``)."""
    problem = fields_problem(value, "fields") if value is not None else None
    if problem is not None:
        raise ValueError(problem.removeprefix("fields."))
    return value


class AccountPatch(Strict):
    name: Line | None = Field(default=None, min_length=1, max_length=NAME)
    tier: Line | None = Field(default=None, max_length=TIER)
    region: Line | None = Field(default=None, max_length=REGION)
    start_date: date | None = None
    renewal_date: date | None = None
    fields: dict[str, Any] | None = None

    @field_validator("name")
    @classmethod
    def _name_stays(cls, value: str | None) -> str:
        if value is None:
            raise ValueError("an account keeps a name; it cannot be cleared")
        return value

    @field_validator("fields")
    @classmethod
    def _single_line_fields(cls, value: dict[str, Any] | None) -> dict[str, Any] | None:
        return _checked_fields(value)


class EntitlementIn(Strict):
    account: str = Field(min_length=1)
    process: str = Field(min_length=1, description="a process key; records get its newest version")
    name: Line | None = Field(default=None, max_length=column_length(EntitlementRow.name))
    valid_from: date | None = Field(default=None, description="default: today")
    valid_to: date | None = None
    contact: str | None = None
    asset: str | None = None


class EntitlementOut(BaseModel):
    id: int
    account: str
    name: str
    process: str
    valid_from: date
    valid_to: date | None
    contact: str | None
    asset: str | None
    source: str
    created_at: datetime


class AccountOut(BaseModel):
    id: str
    name: str
    tier: str | None
    region: str | None
    start_date: date | None
    renewal_date: date | None
    fields: dict[str, Any]
    created_at: datetime
    updated_at: datetime
    phase: str | None = Field(
        default=None, description="the lifecycle phase today (from its lifecycle milestones)"
    )


class AccountCreated(AccountOut):
    automatic_entitlement: EntitlementOut | None = None


class ContactIn(Strict):
    id: Line = Field(min_length=1, max_length=column_length(ContactRow.id))
    account: str = Field(min_length=1)
    name: Line = Field(min_length=1, max_length=column_length(ContactRow.name))
    email: Line | None = Field(default=None, max_length=column_length(ContactRow.email))


class ContactOut(BaseModel):
    id: str
    account: str
    name: str
    email: str | None


class AssetIn(Strict):
    id: Line = Field(min_length=1, max_length=column_length(AssetRow.id))
    account: str = Field(min_length=1)
    name: Line = Field(min_length=1, max_length=column_length(AssetRow.name))
    product: Line | None = Field(default=None, max_length=column_length(AssetRow.product))


class AssetOut(BaseModel):
    id: str
    account: str
    name: str
    product: str | None
