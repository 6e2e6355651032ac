"""The base of every policy document model: strict, frozen, and dumped without noise.

Unknown keys are errors (``extra="forbid"``), documents are immutable values, and
``model_dump(mode="json")`` leaves out unset optional keys and writes aliases (``not``), so a
stored document reads like the one a person wrote and validates back to the same value.
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, SerializerFunctionWrapHandler, model_serializer


class Document(BaseModel):
    """A frozen, strict policy document."""

    model_config = ConfigDict(
        extra="forbid",
        frozen=True,
        validate_by_name=True,
        validate_by_alias=True,
        serialize_by_alias=True,
    )

    @model_serializer(mode="wrap")
    def _without_nulls(self, handler: SerializerFunctionWrapHandler) -> Any:
        data = handler(self)
        if isinstance(data, dict):
            return {key: value for key, value in data.items() if value is not None}
        return data
