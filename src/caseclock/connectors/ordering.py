"""Rows sorted by record, instant and line, in bounded memory.

Exports come in any order (by update time, by table, in pages), and a record's rows must be
read together and in time order to be diffed. Rows are sorted in runs of ``run_rows``; each
run that fills is written to a temporary file, and the runs are merged as they are read back.
Memory holds one run, whatever the file's size; disk holds the rows once more.
"""

from __future__ import annotations

import heapq
import json
import tempfile
from collections.abc import Iterable, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import IO

from caseclock.connectors.mapping import EPOCH, Row

RUN_ROWS = 100_000

_Key = tuple[str, int, int, int]


def _key(row: Row) -> _Key:
    # created first among events of one instant: a record's other events may not precede it
    micros = (row.at - EPOCH) // timedelta(microseconds=1)
    return (row.record, micros, 0 if row.type == "created" else 1, row.line)


def _dump(row: Row) -> str:
    return json.dumps(
        [
            row.line,
            row.record,
            row.at.isoformat(),
            row.fields,
            row.type,
            row.source_id,
            row.data,
            row.actor,
        ],
        separators=(",", ":"),
    )


def _load(text: str) -> Row:
    line, record, at, fields, kind, source_id, data, actor = json.loads(text)
    instant = datetime.fromisoformat(at).astimezone(UTC)
    return Row(line, record, instant, fields, kind, source_id, data, actor)


class SortedRows:
    """Collect rows with ``add``, then iterate them in order once; use as a context manager
    (the temporary files are removed when it ends)."""

    def __init__(self, run_rows: int = RUN_ROWS, directory: Path | None = None) -> None:
        self._run_rows = run_rows
        self._run: list[tuple[_Key, Row]] = []
        self._files: list[IO[str]] = []
        self._directory = directory
        self.count = 0

    def __enter__(self) -> SortedRows:
        return self

    def __exit__(self, *_: object) -> None:
        for file in self._files:
            file.close()
        self._files = []

    def add(self, row: Row) -> None:
        self._run.append((_key(row), row))
        self.count += 1
        if len(self._run) >= self._run_rows:
            self._spill()

    def _spill(self) -> None:
        self._run.sort(key=lambda item: item[0])
        file = tempfile.TemporaryFile("w+", encoding="utf-8", dir=self._directory)  # noqa: SIM115
        for _, row in self._run:
            file.write(_dump(row))
            file.write("\n")
        file.seek(0)
        self._files.append(file)
        self._run = []

    def __iter__(self) -> Iterator[Row]:
        self._run.sort(key=lambda item: item[0])
        in_memory = (row for _, row in self._run)
        if not self._files:
            return in_memory
        streams: list[Iterable[Row]] = [(_load(text) for text in file) for file in self._files]
        return heapq.merge(in_memory, *streams, key=_key)
