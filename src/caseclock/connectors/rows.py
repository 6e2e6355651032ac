"""CSV and JSON Lines files read row by row, each row with the line it starts on.

Files are streamed: one row in memory at a time, whatever the file's size. ``Source.read``
counts the bytes consumed, for a progress bar. A line that cannot be read (invalid JSON, a row
with more cells than the header) is a ``RowError``; the rest of the file is still read.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any, BinaryIO, Literal, Protocol

from caseclock.connectors.mapping import ImportMapping, Problem, Row, RowError, read_row
from caseclock.core.json_numbers import strict_loads

FileFormat = Literal["csv", "jsonl"]
_SUFFIXES: dict[str, FileFormat] = {".csv": "csv", ".jsonl": "jsonl", ".ndjson": "jsonl"}
_FIELD_LIMIT = 1024 * 1024  # one CSV cell (a long comment body), in characters


class _Counting(io.RawIOBase):
    """A binary file that counts the bytes read from it."""

    def __init__(self, raw: BinaryIO) -> None:
        self._raw = raw
        self.consumed = 0

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        data = self._raw.read(len(buffer))
        buffer[: len(data)] = data
        self.consumed += len(data)
        return len(data)


def file_format(path: Path, mapping: Shape) -> FileFormat:
    """The mapping's ``format``, else the one the file's extension names."""
    if mapping.format is not None:
        return mapping.format
    found = _SUFFIXES.get(path.suffix.lower())
    if found is None:
        raise ValueError(
            f"{path}: cannot tell CSV from JSON Lines by the name; set format: csv or jsonl "
            "in the mapping"
        )
    return found


class Shape(Protocol):
    """What a mapping says of a file's shape."""

    @property
    def format(self) -> FileFormat | None: ...

    @property
    def delimiter(self) -> str: ...


class Cells:
    """A CSV or JSON Lines file's rows as cells by name (or JSON objects), with their line."""

    def __init__(self, path: Path, shape: Shape) -> None:
        self.path = path
        self.delimiter = shape.delimiter
        self.format = file_format(path, shape)
        self.size = path.stat().st_size
        self.consumed = 0  # bytes read so far

    def items(self) -> Iterator[tuple[int, dict[str, Any] | RowError]]:
        """Every row in file order, or why it cannot be read."""
        with self.path.open("rb") as raw:
            counting = _Counting(raw)
            text = io.TextIOWrapper(
                io.BufferedReader(counting, 1024 * 1024), encoding="utf-8-sig", newline=""
            )
            items = self._csv(text) if self.format == "csv" else self._jsonl(text)
            try:
                for line, values in items:
                    self.consumed = counting.consumed
                    yield line, values
            except UnicodeDecodeError as exc:
                message = f"the file is not UTF-8 text: {exc.reason}"
                yield 0, RowError(0, Problem.UNREADABLE, message)
            self.consumed = counting.consumed

    def _csv(self, text: io.TextIOWrapper) -> Iterator[tuple[int, dict[str, Any] | RowError]]:
        csv.field_size_limit(_FIELD_LIMIT)
        reader = csv.reader(text, delimiter=self.delimiter, strict=True)
        header: list[str] | None = None
        last = 0  # the physical line the previous row ended on
        while True:
            try:
                cells = next(reader)
            except StopIteration:
                return
            except csv.Error as exc:
                yield reader.line_num, RowError(reader.line_num, Problem.UNREADABLE, str(exc))
                last = reader.line_num
                continue
            line, last = last + 1, reader.line_num
            if not cells:
                continue
            if header is None:
                header = [cell.strip() for cell in cells]
                continue
            if len(cells) != len(header):
                yield (
                    line,
                    RowError(
                        line,
                        Problem.UNREADABLE,
                        f"{len(cells)} cells where the header has {len(header)}",
                    ),
                )
                continue
            yield line, dict(zip(header, cells, strict=True))

    def _jsonl(self, text: io.TextIOWrapper) -> Iterator[tuple[int, dict[str, Any] | RowError]]:
        for line, content in enumerate(text, start=1):
            if not content.strip():
                continue
            try:
                value = strict_loads(content)
            except (json.JSONDecodeError, RecursionError, ValueError) as exc:
                reason = exc.msg if isinstance(exc, json.JSONDecodeError) else str(exc)
                yield line, RowError(line, Problem.UNREADABLE, f"invalid JSON: {reason}")
                continue
            if not isinstance(value, dict):
                yield line, RowError(line, Problem.UNREADABLE, "not a JSON object")
                continue
            yield line, value


class Source(Cells):
    """One file to import, read with one mapping."""

    def __init__(self, path: Path, mapping: ImportMapping) -> None:
        super().__init__(path, mapping)
        self.mapping = mapping

    def read(self) -> Iterator[Row | RowError]:
        """Every row of the file in file order, read with the mapping, or why it cannot be."""
        for line, values in self.items():
            yield values if isinstance(values, RowError) else read_row(self.mapping, values, line)
