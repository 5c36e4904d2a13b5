"""docs/part11.md stays true: every paragraph the issue names has a row, and every test it cites exists."""

from __future__ import annotations

import ast
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
PARAGRAPHS = ([f"11.10({c})" for c in "abcdefghijk"] + ["11.50(a)(1)–(3)", "11.50(b)", "11.70", "11.100(a)",
              "11.100(b)", "11.100(c)", "11.200(a)(1)", "11.200(a)(1)(i)", "11.200(a)(1)(ii)", "11.200(a)(2)",
              "11.200(a)(3)", "11.200(b)"] + [f"11.300({c})" for c in "abcde"])


def _tests_in(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    return {n.name for n in ast.walk(tree) if isinstance(n, ast.FunctionDef) and n.name.startswith("test_")}


def test_every_paragraph_has_a_row_and_every_cited_test_exists() -> None:
    doc = (ROOT / "docs" / "part11.md").read_text(encoding="utf-8")
    rows = {line.split("|")[1].strip() for line in doc.splitlines() if line.startswith("| 11.")}
    assert set(PARAGRAPHS) <= rows, set(PARAGRAPHS) - rows
    current = None
    for ref in re.findall(r"`((?:(?:unit|integration|ui|browser)/test_\w+\.py)?(?:::\w+)?)`", doc):
        file_part, _, name = ref.partition("::")
        if file_part:
            current = ROOT / "tests" / file_part
            assert current.exists(), ref
        if name:
            assert current is not None and name in _tests_in(current), ref
