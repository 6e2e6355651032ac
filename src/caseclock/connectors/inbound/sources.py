"""The inbound sources an installation accepts webhooks from (``CASECLOCK_INBOUND_FILE``)::

    sources:
      zendesk:                        # POST /api/v1/inbound/zendesk
        vendor: zendesk               # zendesk | jira | zammad | github
        secret: "the signing secret"
        statuses: {hold: Pending}     # the vendor's names -> the policy's (added to the defaults)
        priorities: {urgent: P1}
        customer_roles: []            # who counts as the customer (see docs/connectors.md)
        record_prefix: "zd-"          # before every record id (default: the source's name + "-")

Each source has its own path and secret; the mapping keys override the vendor's defaults one
by one (``adapters.DEFAULTS``).
"""

from __future__ import annotations

import re
from enum import StrEnum
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, field_validator

_NAME = re.compile(r"[a-z0-9][a-z0-9_-]{0,49}")


class Vendor(StrEnum):
    ZENDESK = "zendesk"
    JIRA = "jira"
    ZAMMAD = "zammad"
    GITHUB = "github"


class InboundSource(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    vendor: Vendor
    secret: str = Field(min_length=16)
    statuses: dict[str, str] = Field(default_factory=dict)
    priorities: dict[str, str] = Field(default_factory=dict)
    customer_roles: list[str] | None = None
    record_prefix: str | None = None


class InboundSources(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    sources: dict[str, InboundSource]

    @field_validator("sources")
    @classmethod
    def _names_are_path_segments(cls, value: dict[str, Any]) -> dict[str, Any]:
        for name in value:
            if not _NAME.fullmatch(name):
                raise ValueError(
                    f"{name!r}: a source's name is its path: lowercase letters, digits, - and _"
                )
        return value
