"""The one error catalogue: every code defined once in shared/errors.py, with its status, and documented."""

from __future__ import annotations

import ast
import gc
import re
from pathlib import Path

import pytest
from werkzeug.exceptions import default_exceptions

import shared.errors as errors
from shared.errors import CATALOGUE, TrialproError

ROOT = Path(__file__).resolve().parents[2]
PACKAGES = ("shared", "server", "desktop_client")  # every error class lives in shared/errors.py
DOTTED = re.compile(r"[a-z][a-z0-9_]*(\.[a-z0-9_]+)+")


def _subclasses(cls: type) -> list[type]:
    # A class refused at definition (see below) lingers among __subclasses__ until collected. Collect once, not once
    # per class: in a test worker that has run hundreds of tests the heap is large, and one full collection per error
    # class made this the slowest test of the suite (60 s).
    gc.collect()
    return _walk(cls)


def _walk(cls: type) -> list[type]:
    return [cls, *(c for sub in cls.__subclasses__() for c in _walk(sub))]


def test_no_code_is_assigned_outside_the_catalogue_module() -> None:
    """Reading the source catches a class that sets ``code = "…"`` on an error, even one never imported."""
    offenders = []
    for package in PACKAGES:
        for path in (ROOT / package).rglob("*.py"):
            if path == Path(errors.__file__):
                continue
            for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
                if isinstance(node, ast.ClassDef):
                    for stmt in node.body:
                        if (isinstance(stmt, ast.Assign) and any(getattr(t, "id", "") == "code" for t in stmt.targets)
                                and isinstance(stmt.value, ast.Constant) and isinstance(stmt.value.value, str)):
                            offenders.append(f"{path.relative_to(ROOT)}:{stmt.lineno} {node.name}")
    assert offenders == []


def test_each_class_is_its_own_entry_with_a_status_and_a_title() -> None:
    classes = _subclasses(TrialproError)
    codes = [c.code for c in classes]
    assert len(codes) == len(set(codes)), "two error classes share a code"
    for cls in classes:
        entry = CATALOGUE[cls.code]
        assert (entry.status, entry.title) == (cls.status, cls.title)
        assert 400 <= entry.status <= 599 and entry.title and entry.meaning, cls.code
        assert DOTTED.fullmatch(cls.code) or cls.code == "not_found", cls.code


def test_a_second_class_with_a_code_already_taken_is_refused() -> None:
    with pytest.raises(TypeError, match="defined twice"):
        type("AnotherRevoked", (TrialproError,), {"code": "device.revoked", "status": 401, "title": "Other"})
    with pytest.raises(TypeError, match="needs its own code"):
        type("NoCode", (TrialproError,), {"__doc__": "Inherits the base code."})
    assert CATALOGUE["device.revoked"].status == 403


def test_every_http_error_the_web_framework_raises_has_a_code() -> None:
    assert {f"http.{s}" for s in default_exceptions} <= set(CATALOGUE)


def test_docs_errors_md_lists_every_code_with_its_status() -> None:
    text = (ROOT / "docs" / "errors.md").read_text(encoding="utf-8")
    rows = dict(re.findall(r"^\| `([^`]+)` \| (\d{3}) \|", text, re.M))
    missing = [f"| `{e.code}` | {e.status} | {e.title} | {e.meaning} |" for e in CATALOGUE.values()
               if rows.get(e.code) != str(e.status)]
    assert missing == [], "add these rows to docs/errors.md:\n" + "\n".join(missing)
    unknown = sorted(set(rows) - set(CATALOGUE))
    assert unknown == [], "docs/errors.md lists codes the catalogue does not define"


def test_docs_errors_md_lists_every_rule_outcome_code_of_shared() -> None:
    text = (ROOT / "docs" / "errors.md").read_text(encoding="utf-8")
    codes = set()
    for path in (ROOT / "shared").rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Constant) and isinstance(node.value, str) \
                    and re.fullmatch(r"(value|ae|eligibility)\.[a-z0-9_]+", node.value):
                codes.add(node.value)
    assert codes, "the rule modules name their outcome codes"
    assert sorted(c for c in codes if f"| `{c}` |" not in text) == []
