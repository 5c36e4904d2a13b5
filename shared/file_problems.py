"""How the study file and the instrument files word a pydantic error: one line per field, naming the field path,
what is wrong and the value given, so a broken file of either kind reads the same."""

from __future__ import annotations

from pydantic import ValidationError


def field_path(loc: tuple[object, ...]) -> str:
    """A pydantic error location as a dotted path with list indexes (``items[3].label.zh``)."""
    out = ""
    for part in loc:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out or "(file)"


def validation_problems(exc: ValidationError) -> list[str]:
    """One line per field of a pydantic error: the field path, what is wrong and the value given."""
    problems = []
    for err in exc.errors():
        given = err.get("input")
        shown = "" if isinstance(given, dict | list) else f" (got {given!r})"
        problems.append(f"field '{field_path(tuple(err['loc']))}': {err['msg']}{shown}")
    return problems
