"""Accounts, contacts, assets and entitlements on the wire."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from pydantic import BaseModel, Field, field_validator

from caseclock.api.schemas.common import Strict


class AccountIn(Strict):
    id: str = Field(min_length=1, max_length=200)
    name: str = Field(min_length=1, max_length=300)
    tier: str | None = Field(default=None, max_length=100, examples=["Gold"])
    region: str | None = Field(default=None, max_length=100, examples=["us-east"])
    start_date: date | None = None
    renewal_date: date | None = None
    fields: dict[str, Any] | None = None


class AccountPatch(Strict):
    name: str | None = Field(default=None, min_length=1, max_length=300)
    tier: str | None = Field(default=None, max_length=100)
    region: str | None = Field(default=None, max_length=100)
    start_date: date | None = None
    renewal_date: date | None = None
    fields: dict[str, Any] | None = None

    @field_validator("name")
    @classmethod
    def _name_stays(cls, value: str | None) -> str:
        if value is None:
            raise ValueError("an account keeps a name; it cannot be cleared")
        return value


class EntitlementIn(Strict):
    account: str = Field(min_length=1)
    process: str = Field(min_length=1, description="a process key; records get its newest version")
    name: str | None = Field(default=None, max_length=300)
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


class AccountCreated(AccountOut):
    automatic_entitlement: EntitlementOut | None = None


class ContactIn(Strict):
    id: str = Field(min_length=1, max_length=200)
    account: str = Field(min_length=1)
    name: str = Field(min_length=1, max_length=300)
    email: str | None = Field(default=None, max_length=300)


class ContactOut(BaseModel):
    id: str
    account: str
    name: str
    email: str | None


class AssetIn(Strict):
    id: str = Field(min_length=1, max_length=200)
    account: str = Field(min_length=1)
    name: str = Field(min_length=1, max_length=300)
    product: str | None = Field(default=None, max_length=200)


class AssetOut(BaseModel):
    id: str
    account: str
    name: str
    product: str | None
