"""Bulk inserts for the query modules: one driver ``executemany`` for many rows of one table."""

from __future__ import annotations

from operator import itemgetter
from typing import Any

from sqlalchemy import Connection, Table, insert


def insert_many(conn: Connection, table: Table, rows: list[dict[str, Any]]) -> None:
    """Insert ``rows`` (dicts with the same keys) with one driver ``executemany``, as Core's ``insert`` does,
    without compiling and processing parameters row by row: a sync batch writes thousands of rows."""
    if not rows:
        return
    marks = {"qmark": "?", "format": "%s", "pyformat": "%s"}.get(conn.dialect.paramstyle)
    if marks is None:
        conn.execute(insert(table), rows)
        return
    cols = list(rows[0])
    quote = conn.dialect.identifier_preparer.quote
    sql = (f"INSERT INTO {quote(table.name)} ({', '.join(quote(c) for c in cols)}) "
           f"VALUES ({', '.join(marks for _ in cols)})")
    conn.exec_driver_sql(sql, list(map(itemgetter(*cols), rows)) if len(cols) > 1 else [(r[cols[0]],) for r in rows])
