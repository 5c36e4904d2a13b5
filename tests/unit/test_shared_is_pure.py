"""shared/ must not import Qt, Flask, a database driver or an HTTP library (both sides import it)."""

from __future__ import annotations

import ast
from pathlib import Path

FORBIDDEN = ("PySide6", "flask", "werkzeug", "sqlalchemy", "sqlite3", "sqlcipher3", "sqlite_utils", "psycopg",
             "httpx", "requests", "alembic")
SHARED = Path(__file__).resolve().parents[2] / "shared"


def test_shared_imports_no_framework_driver_or_http_library() -> None:
    offenders = []
    for path in SHARED.rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            names = []
            if isinstance(node, ast.Import):
                names = [a.name for a in node.names]
            elif isinstance(node, ast.ImportFrom) and node.module:
                names = [node.module]
            offenders += [f"{path.name}: {n}" for n in names if n.split(".")[0] in FORBIDDEN]
    assert offenders == []
