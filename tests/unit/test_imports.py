"""Import rules: no circle among shared/ modules, no private name imported across modules.

Every import statement counts: at module level, inside functions and under ``TYPE_CHECKING`` alike, because
a circle hidden in a function body is still a circle, and a private name imported elsewhere is no longer
private.
"""

from __future__ import annotations

import ast
import graphlib
from collections.abc import Iterator
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
PACKAGES = ("shared", "server", "desktop_client")


def _module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def _modules(package: str) -> dict[str, Path]:
    return {_module_name(p): p for p in (ROOT / package).rglob("*.py")}


def _imports(path: Path, module: str) -> Iterator[tuple[int, str, str | None]]:
    """(line, imported module, imported name or None) for every import statement of the file."""
    is_package = path.name == "__init__.py"
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield node.lineno, alias.name, None
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = module.split(".")
                anchor = anchor[: len(anchor) - node.level + (1 if is_package else 0)]
                base = ".".join([*anchor, *([base] if base else [])])
            for alias in node.names:
                yield node.lineno, base, alias.name


def _shared_graph() -> dict[str, set[str]]:
    """Each shared/ module and the shared/ modules it imports."""
    modules = _modules("shared")
    graph: dict[str, set[str]] = {m: set() for m in modules}
    for module, path in modules.items():
        for _line, target, name in _imports(path, module):
            if name is not None and f"{target}.{name}" in modules:
                target = f"{target}.{name}"  # `from shared.instruments import essdai` imports the submodule
            if target in modules and target != module:
                graph[module].add(target)
    return graph


def test_no_import_circle_among_shared_modules() -> None:
    try:
        graphlib.TopologicalSorter(_shared_graph()).prepare()
    except graphlib.CycleError as exc:
        raise AssertionError(f"import circle: {' -> '.join(exc.args[1])}") from None


def _reaches(graph: dict[str, set[str]], start: str, goal: str) -> bool:
    seen, todo = set(), [start]
    while todo:
        node = todo.pop()
        if node == goal:
            return True
        if node not in seen:
            seen.add(node)
            todo.extend(graph[node])
    return False


def test_the_rule_modules_share_the_leaf_value_module_not_the_validator() -> None:
    graph = _shared_graph()
    for rules in ("shared.adverse_events", "shared.screening"):   # the record-data rules of their kinds
        assert "shared.values" in graph[rules]
        assert not _reaches(graph, rules, "shared.validation")
    for rules in ("shared.eligibility", "shared.criteria", "shared.eligibility_checks"):
        assert not _reaches(graph, rules, "shared.validation")
    assert graph["shared.values"] <= {"shared.errors"}



def test_no_private_name_is_imported_across_modules() -> None:
    offenders = []
    for package in PACKAGES:
        for module, path in _modules(package).items():
            for line, target, name in _imports(path, module):
                private = [p for p in target.split(".") if p.startswith("_") and p != "__future__"]
                if name is not None and name.startswith("_"):
                    private.append(name)
                if private:
                    offenders.append(f"{path.relative_to(ROOT)}:{line}: {target} {name or ''} ({private})")
    assert offenders == []


def test_the_checker_sees_imports_inside_functions_and_under_type_checking(tmp_path: Path) -> None:
    source = ("from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n    from a import _b\n"
              "def f():\n    from c import _d\n    import e._f\n")
    path = tmp_path / "m.py"
    path.write_text(source, encoding="utf-8")
    found = {(target, name) for _line, target, name in _imports(path, "m")}
    assert {("a", "_b"), ("c", "_d"), ("e._f", None)} <= found


def test_the_desktop_screens_import_services_never_the_store() -> None:
    """desktop_client/ui calls desktop_client/services; only services (and bootstrap) open the store."""
    offenders = []
    for module, path in _modules("desktop_client").items():
        if not module.startswith("desktop_client.ui"):
            continue
        for line, target, name in _imports(path, module):
            full = f"{target}.{name}" if name else target
            if target.startswith("desktop_client.store") or full.startswith("desktop_client.store"):
                offenders.append(f"{path.relative_to(ROOT)}:{line}: {full}")
    assert offenders == []
