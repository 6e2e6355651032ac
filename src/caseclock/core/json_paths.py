"""Paths into JSON documents, as error messages name them: ``data.odd.scores[1].risk``."""

from __future__ import annotations

from collections.abc import Iterator


def walk(document: object, root: str) -> Iterator[tuple[str, object]]:
    """Every value of ``document`` with its path, in document order: the document's own path
    is ``root``, a member's ``root.key`` (``key`` when ``root`` is empty), an item's
    ``root[2]``. Iterative, so a deeply nested document does not exhaust the stack."""
    stack: list[tuple[str, object]] = [(root, document)]
    while stack:
        path, value = stack.pop()
        yield path, value
        if isinstance(value, dict):
            members = [(f"{path}.{key}" if path else str(key), item) for key, item in value.items()]
            stack.extend(reversed(members))
        elif isinstance(value, list):
            stack.extend(reversed([(f"{path}[{index}]", item) for index, item in enumerate(value)]))
