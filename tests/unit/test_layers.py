"""SQL lives only in server/storage/: services, pages, API, CLI and exports call its query modules.

Outside ``server/storage/`` a module may name the connection types (``sqlalchemy.Connection``/``Engine``),
catch ``sqlalchemy.exc`` errors and open a unit of work with ``server.storage.engine.reading``/``writing``;
it may not import the tables, build a statement, reach a table's columns (``.c.``), run a statement on a
connection, open a transaction by hand or hold SQL text.
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
SERVER = ROOT / "server"
STORAGE = SERVER / "storage"

SQLALCHEMY_TYPES = {"Connection", "Engine"}          # type hints of what a unit of work hands out
STATEMENT_BUILDERS = {"text", "select", "insert", "update", "delete"}
CONNECTION_CALLS = {"execute", "executemany", "exec_driver_sql", "begin", "connect"}
SQL_TEXT = re.compile(r"^\s*(SELECT\s|INSERT\s+INTO\s|UPDATE\s+\w+\s+SET\s|DELETE\s+FROM\s|CREATE\s+(TABLE|INDEX)\s"
                      r"|ALTER\s+TABLE\s|DROP\s+TABLE\s|PRAGMA\s|BEGIN\b|WITH\s+\w+\s+AS\s*\()")


def storage_breaches(source: str) -> list[str]:
    """Every place in ``source`` that does storage work outside the storage layer, as 'line: what'."""
    found: list[str] = []
    for node in ast.walk(ast.parse(source)):
        line = getattr(node, "lineno", 0)
        if isinstance(node, ast.Import):
            for alias in node.names:
                if alias.name.split(".")[0] == "sqlalchemy" and not alias.name.startswith("sqlalchemy.exc"):
                    found.append(f"{line}: import {alias.name}")
                if alias.name.startswith("server.storage.tables"):
                    found.append(f"{line}: import {alias.name}")
        elif isinstance(node, ast.ImportFrom) and node.module:
            names = {a.name for a in node.names}
            if node.module == "sqlalchemy" and names - SQLALCHEMY_TYPES:
                found.append(f"{line}: from sqlalchemy import {', '.join(sorted(names - SQLALCHEMY_TYPES))}")
            elif node.module.startswith("sqlalchemy.") and not node.module.startswith("sqlalchemy.exc"):
                found.append(f"{line}: from {node.module} import …")
            elif node.module.startswith("server.storage.tables") or (
                    node.module == "server.storage" and "tables" in names):
                found.append(f"{line}: the tables imported from {node.module}")
        elif isinstance(node, ast.Call):
            func = node.func
            if isinstance(func, ast.Name) and func.id in STATEMENT_BUILDERS:
                found.append(f"{line}: {func.id}(…) builds a statement")
            elif isinstance(func, ast.Attribute) and func.attr in CONNECTION_CALLS:
                found.append(f"{line}: .{func.attr}(…) on a connection or engine")
        elif isinstance(node, ast.Attribute) and isinstance(node.value, ast.Attribute) and node.value.attr == "c":
            found.append(f"{line}: a table column (.c.{node.attr})")
        elif isinstance(node, ast.Constant) and isinstance(node.value, str) and SQL_TEXT.match(node.value):
            found.append(f"{line}: SQL text {node.value[:30]!r}")
    return found


def _modules() -> list[str]:
    return sorted(str(p.relative_to(ROOT)) for p in SERVER.rglob("*.py") if STORAGE not in p.parents)


@pytest.mark.parametrize("module", _modules())
def test_no_sql_outside_the_storage_layer(module: str) -> None:
    assert storage_breaches((ROOT / module).read_text(encoding="utf-8")) == [], (
        f"{module}: move this into a query module of server/storage/ and call it with the unit of work's "
        "connection (server.storage.engine.reading/writing)")


@pytest.mark.parametrize(("source", "what"), [
    ("from server.storage.tables import records", "tables imported"),
    ("from server.storage import tables", "tables imported"),
    ("import server.storage.tables as t", "import server.storage.tables"),
    ("from sqlalchemy import Connection, select", "from sqlalchemy import select"),
    ("import sqlalchemy as sa", "import sqlalchemy"),
    ("from sqlalchemy.sql import func", "from sqlalchemy.sql import"),
    ("q = select(x)", "select(…) builds a statement"),
    ("conn.execute(q)", ".execute(…)"),
    ("conn.exec_driver_sql('x')", ".exec_driver_sql(…)"),
    ("with engine.begin() as conn: pass", ".begin(…)"),
    ("rows.c.site_id == 'PKU'", "a table column (.c.site_id)"),
    ("q = 'SELECT 1'", "SQL text"),
    ("q = '''\n  UPDATE devices SET label = ?'''", "SQL text"),
])
def test_the_check_finds_each_kind_of_storage_work(source: str, what: str) -> None:
    found = storage_breaches(source)
    assert len(found) == 1 and what in found[0], found


def test_the_check_allows_types_errors_and_the_unit_of_work() -> None:
    source = '''
"""Select the newest record: a docstring may say select."""
from sqlalchemy import Connection, Engine
from sqlalchemy.exc import IntegrityError
from server.storage.engine import reading, writing
from server.storage import devices as stored

def f(engine: Engine, conn: Connection) -> None:
    with writing(engine) as conn:
        stored.mark_seen(conn, "dev-1", "now")
    settings.update(x=1)
'''
    assert storage_breaches(source) == []
