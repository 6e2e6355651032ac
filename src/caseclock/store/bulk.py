"""Writes of many rows in one statement, and lookups of many keys with one parameter.

On PostgreSQL the rows travel as one JSON document, turned back into typed rows by
``json_to_recordset``: one parameter, one statement, one plan, whatever the batch size, where an
executemany runs (and round-trips) one statement per row. (``json``, not ``jsonb``: the server
only checks the text before reading the rows out of it, where ``jsonb`` would first build a
binary copy while planning; ~10 vs ~17 ms for 700 milestone rows.) SQLite, in process, keeps the
executemany. Values are encoded as the column types expect them: instants as ISO strings with
their offset (a naive one is refused, as ``UTCDateTime`` refuses it), documents as JSON.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping, Sequence
from datetime import date, datetime
from typing import Any

from psycopg.types.json import set_json_dumps
from sqlalchemy import (
    BigInteger,
    Boolean,
    ColumnElement,
    Date,
    Float,
    Integer,
    String,
    Table,
    Text,
    any_,
    bindparam,
    cast,
    column,
    func,
    select,
    update,
)
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.dialects.postgresql import ARRAY, JSON
from sqlalchemy.orm import Session
from sqlalchemy.sql.selectable import TableValuedAlias
from sqlalchemy.types import TypeEngine

from caseclock.store.types import JSONDocument, UTCDateTime


def is_postgres(session: Session) -> bool:
    return session.get_bind().dialect.name == "postgresql"


def among(
    session: Session, column: ColumnElement[Any], values: Iterable[Any]
) -> ColumnElement[bool]:
    """``column IN values``; on PostgreSQL ``column = ANY(:values)``: one array parameter, so
    the statement reads the same whatever the number of keys and the driver converts it once
    (an IN list of 500 keys costs more to render and convert than the query costs to run).
    Prepared statements are planned for the array given (``store.database``), never generically.
    """
    if is_postgres(session):
        return column == any_(bindparam(None, list(values), type_=ARRAY(column.type)))
    return column.in_(list(values))


def update_rows(
    session: Session,
    table: Table,
    rows: Sequence[Mapping[str, Any]],
    *,
    key: str | tuple[str, ...] = "id",
    where: Sequence[ColumnElement[bool]] = (),
    also: Mapping[str, ColumnElement[Any]] | None = None,
) -> None:
    """Set the given columns of each row found by ``key`` (one column or several, all of
    which must match) and satisfying ``where``, and the columns of ``also`` to those
    expressions (of the row's old values); every mapping has the same keys."""
    if not rows:
        return
    keys = (key,) if isinstance(key, str) else key
    names = [name for name in rows[0] if name not in keys]
    if is_postgres(session):
        given = _recordset(table, [*keys, *names])
        session.execute(
            update(table)
            .values({**{name: given.c[name] for name in names}, **(also or {})})
            .where(*(table.c[k] == given.c[k] for k in keys), *where),
            {"rows": encode(rows)},
            execution_options={"synchronize_session": False},
        )
        return
    session.execute(
        update(table)
        .where(*(table.c[k] == bindparam(f"key_{k}") for k in keys), *where)
        .values({**{name: bindparam(f"new_{name}") for name in names}, **(also or {})}),
        [
            {**{f"key_{k}": row[k] for k in keys}, **{f"new_{n}": row[n] for n in names}}
            for row in rows
        ],
        execution_options={"synchronize_session": False},
    )


def insert_rows(
    session: Session,
    table: Table,
    rows: Sequence[Mapping[str, Any]],
    *,
    ignore_conflicts_on: tuple[str, ...] = (),
    returning: str | None = None,
) -> list[Any]:
    """Insert rows (every mapping has the same keys); with ``ignore_conflicts_on``, a row
    that would break that unique key is skipped, not an error. With ``returning``, return
    that column of the rows inserted (in no particular order); otherwise an empty list."""
    if not rows:
        return []
    names = list(rows[0])
    if is_postgres(session):
        given = _recordset(table, names)
        statement = postgresql.insert(table).from_select(names, select(*given.c))
        if ignore_conflicts_on:
            statement = statement.on_conflict_do_nothing(index_elements=list(ignore_conflicts_on))
        if returning is None:
            session.execute(statement, {"rows": encode(rows)})
            return []
        return list(
            session.scalars(statement.returning(table.c[returning]), {"rows": encode(rows)})
        )
    lite = sqlite.insert(table)
    if ignore_conflicts_on:
        lite = lite.on_conflict_do_nothing(index_elements=list(ignore_conflicts_on))
    if returning is None:
        session.execute(lite, list(rows))
        return []
    return list(session.scalars(lite.returning(table.c[returning]), list(rows)))


def _recordset(table: Table, names: Sequence[str]) -> TableValuedAlias:
    """``json_to_recordset(:rows) AS v(name type, ...)``, typed as ``table``'s columns."""
    return (
        func.json_to_recordset(cast(bindparam("rows", type_=Text), JSON))
        .table_valued(*(column(n, table.c[n].type) for n in names))
        .render_derived(name="v", with_types=True)
    )


def encode(rows: Sequence[Mapping[str, Any]]) -> str:
    """The rows as one JSON array, instants as ISO 8601 with their offset."""
    return json.dumps(rows, default=_value, allow_nan=False, separators=(",", ":"))


def _value(value: Any) -> Any:
    if isinstance(value, datetime):
        if value.tzinfo is None or value.tzinfo.utcoffset(value) is None:
            raise ValueError(f"naive datetime {value.isoformat()} cannot be stored; give a zone")
        return value.isoformat()
    if isinstance(value, date):
        return value.isoformat()
    raise TypeError(f"cannot store {type(value).__name__} {value!r}")


def copy_rows(session: Session, table: Table, rows: Sequence[Mapping[str, Any]]) -> None:
    """Insert rows that break no unique key (every mapping has the same keys), the fastest way
    the engine has: PostgreSQL's ``COPY ... FROM STDIN`` in its binary format, one stream
    whatever the number of rows; elsewhere ``insert_rows``. A row that does break a key fails
    the whole copy, so callers give only rows known to be new (those of records created in the
    same transaction). Documents (JSON columns) are encoded as ``encode_document`` does;
    instants must be aware datetimes (a naive one fails the copy, as ``UTCDateTime`` refuses
    it).

    Binary, with each column's type named (``COPY_TYPES``): psycopg then writes each value with
    the one adapter of its column instead of choosing one per value, and the server reads
    numbers and instants without parsing text (about half the client's time of a text copy).
    """
    if not rows:
        return
    if not is_postgres(session):
        insert_rows(session, table, rows)
        return
    names = list(rows[0])
    types = [_copy_type(table, name) for name in names]
    quoted = ", ".join(f'"{name}"' for name in names)
    connection: Any = session.connection().connection.driver_connection  # psycopg's
    statement = f'COPY "{table.name}" ({quoted}) FROM STDIN (FORMAT BINARY)'
    with connection.cursor() as cursor:
        set_json_dumps(encode_document, context=cursor)
        with cursor.copy(statement) as copy:
            copy.set_types(types)
            for row in rows:
                copy.write_row([row[name] for name in names])


# The PostgreSQL type a binary ``COPY`` sends for each kind of column the store declares.
COPY_TYPES: dict[type[TypeEngine[Any]], str] = {
    String: "text",  # varchar's binary form is text's
    Integer: "int4",
    BigInteger: "int8",
    Float: "float8",
    Boolean: "bool",
    Date: "date",
    UTCDateTime: "timestamptz",
    JSONDocument: "jsonb",
}


def _copy_type(table: Table, name: str) -> str:
    kind = type(table.c[name].type)
    for declared, sent in COPY_TYPES.items():
        if issubclass(kind, declared):
            return sent
    raise TypeError(f"{table.name}.{name}: no COPY type for {kind.__name__} columns")


def encode_document(value: Any) -> str:
    """A JSON column's value as the JSON text PostgreSQL reads."""
    return json.dumps(value, default=_value, allow_nan=False, separators=(",", ":"))
