"""Values built from stored JSON documents, shared across units of work.

A stored calendar or process version is parsed into a value that is expensive to build
(validation, compiled conditions, a calendar's precomputed window) and never changes while its
document is the same. The cache is keyed by the document's own content, not by its name, so
two databases (tests, a what-if) or an edited calendar never share an entry by accident.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from typing import Any, Generic, TypeVar

T = TypeVar("T")


class DocumentCache(Generic[T]):
    """At most ``limit`` values by document content (all dropped at once when full)."""

    def __init__(self, limit: int = 256) -> None:
        self._limit = limit
        self._built: dict[str, T] = {}

    def get(self, document: Mapping[str, Any], build: Callable[[], T]) -> T:
        """The value built from ``document``, building it with ``build`` the first time."""
        key = json.dumps(document, sort_keys=True, default=str)
        found = self._built.get(key)
        if found is None:
            if len(self._built) >= self._limit:
                self._built.clear()
            found = self._built[key] = build()
        return found
