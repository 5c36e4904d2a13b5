"""Bulk work for the query modules: one driver ``executemany`` for many rows of one table, and look-ups of many
values with one bound parameter."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable
from operator import itemgetter
from typing import Any

from sqlalchemy import ARRAY, ColumnElement, Connection, Table, any_, bindparam, func, insert, literal, select
from sqlalchemy import column as sql_column
from sqlalchemy.exc import DBAPIError


def insert_many(conn: Connection, table: Table, rows: list[dict[str, Any]]) -> None:
    """Insert ``rows`` (dicts with the same keys) with one driver ``executemany``, as Core's ``insert`` does,
    without compiling and processing parameters row by row: a sync batch writes thousands of rows. On
    PostgreSQL (psycopg) the rows are streamed with one ``COPY … FROM STDIN`` instead: an INSERT per row costs
    the server a statement each, and the server's time is most of a sync's there."""
    if not rows:
        return
    cols = tuple(rows[0])
    insert_rows(conn, table, cols, list(map(itemgetter(*cols), rows)) if len(cols) > 1
                else [(r[cols[0]],) for r in rows])


def insert_rows(conn: Connection, table: Table, cols: tuple[str, ...], rows: list[tuple[Any, ...]]) -> None:
    """``insert_many`` of rows made as tuples of the values of ``cols``, in that order (no dict per row: the
    sync makes its records' and audit entries' rows that way)."""
    if not rows:
        return
    if conn.dialect.name == "postgresql" and conn.dialect.driver == "psycopg":
        _copy(conn, table, cols, rows)
        return
    marks = {"qmark": "?", "format": "%s", "pyformat": "%s"}.get(conn.dialect.paramstyle)
    if marks is None:
        conn.execute(insert(table), [dict(zip(cols, row, strict=True)) for row in rows])
        return
    conn.exec_driver_sql(_insert_sql(conn, table, cols, marks), rows)


_INSERTS: dict[tuple[str, str, tuple[str, ...]], str] = {}


def _insert_sql(conn: Connection, table: Table, cols: tuple[str, ...], marks: str) -> str:
    """The driver's INSERT of ``cols`` into ``table``, written once per dialect, table and columns."""
    key = (conn.dialect.name, table.name, cols)
    text = _INSERTS.get(key)
    if text is None:
        quote = conn.dialect.identifier_preparer.quote
        text = _INSERTS[key] = (f"INSERT INTO {quote(table.name)} ({', '.join(quote(c) for c in cols)}) "
                                f"VALUES ({', '.join(marks for _ in cols)})")
    return text


def _copy(conn: Connection, table: Table, cols: tuple[str, ...], rows: list[tuple[Any, ...]]) -> None:
    """``COPY table (cols) FROM STDIN`` of ``rows`` in the connection's transaction (text, numbers, booleans and
    NULL, written by the driver); a refusal (a duplicate key, say) is raised as SQLAlchemy's error of its kind,
    as an INSERT's would be."""
    # imported here: the driver is ~10 MB of every process, and a SQLite server never needs it
    from psycopg import sql

    dbapi = conn.dialect.loaded_dbapi
    statement = sql.SQL("COPY {} ({}) FROM STDIN").format(sql.Identifier(table.name),
                                                          sql.SQL(", ").join(map(sql.Identifier, cols)))
    try:
        with conn.connection.driver_connection.cursor() as cursor, cursor.copy(statement) as copy:
            write = copy.write_row
            for row in rows:
                write(row)
    except dbapi.Error as exc:
        raise DBAPIError.instance(f"COPY {table.name}", None, exc, dbapi.Error) from exc


def one_of(conn: Connection, column: ColumnElement[Any], values: Iterable[Any]) -> ColumnElement[bool]:
    """``column IN (values)`` with the values sent as ONE parameter (a JSON array on SQLite, an array on
    PostgreSQL): a sync looks up its 500 record ids in several queries, and an IN list of 500 bound values costs
    more to build and bind than the query takes to run. Still an index look-up per value on both."""
    values = sorted(set(values))
    if conn.dialect.name == "postgresql":
        return column == any_(literal(values, ARRAY(column.type)))
    return column.in_(select(sql_column("value")).select_from(func.json_each(literal(json.dumps(values)))))


def one_of_param(dialect: str, column: ColumnElement[Any], name: str) -> ColumnElement[bool]:
    """``one_of`` for a statement built once: the values are left to the bound parameter ``name``, whose value
    ``one_of_value`` makes (for ``dialect``, the name of the connection's dialect)."""
    if dialect == "postgresql":
        return column == any_(bindparam(name, type_=ARRAY(column.type)))
    return column.in_(select(sql_column("value")).select_from(func.json_each(bindparam(name))))


def one_of_value(conn: Connection, values: Iterable[Any]) -> Any:
    """The value of a ``one_of_param`` parameter: the values as one array (PostgreSQL) or JSON array (SQLite)."""
    values = sorted(set(values))
    return values if conn.dialect.name == "postgresql" else json.dumps(values)


_BUILT: dict[tuple[str, str], Any] = {}


def built(conn: Connection, name: str, make: Callable[[str], Any]) -> Any:
    """The statement ``name`` for the connection's dialect, made once by ``make(dialect name)``: a sync runs
    the same reads every time, and building a statement and working out its cache key costs more than
    running it."""
    key = (conn.dialect.name, name)
    statement = _BUILT.get(key)
    if statement is None:
        statement = _BUILT[key] = make(conn.dialect.name)
    return statement
