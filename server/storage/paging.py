"""One page of a sorted, filtered list, done in SQL: what every admin table (participants, AEs, audit, queries,
devices) asks the query modules for, so a list stays fast at a million rows.

A query module names the columns a viewer may sort by (``Sorts``: name → SQL expression, a whitelist) and
builds its filtered ``SELECT``; ``fetch_page`` adds ORDER BY (the chosen column, then a unique tie-breaker, so
pages never overlap) and LIMIT/OFFSET. It reads one row more than the page to know whether a next page exists,
so no COUNT over a million rows is ever needed.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection, Row, Select
from sqlalchemy.sql.elements import ColumnElement

Sorts = Mapping[str, ColumnElement[Any]]

PER_PAGE_CHOICES = (25, 50, 100, 200)


@dataclass(frozen=True)
class PageRequest:
    """What a viewer asked for: sort column (a key of the table's ``Sorts``), direction, search text, page."""

    sort: str
    descending: bool = False
    q: str = ""
    page: int = 1
    per_page: int = 50

    @property
    def offset(self) -> int:
        return (self.page - 1) * self.per_page


@dataclass(frozen=True)
class Page:
    """The rows of one page and whether a next one exists."""

    rows: list[Any]
    request: PageRequest
    has_next: bool

    @property
    def has_previous(self) -> bool:
        return self.request.page > 1


def fetch_page(conn: Connection, query: Select[Any], sorts: Sorts, tie_breakers: Sequence[ColumnElement[Any]],
               req: PageRequest) -> tuple[list[Row[Any]], bool]:
    """The rows of page ``req.page`` of ``query`` sorted by ``sorts[req.sort]`` (then ``tie_breakers``, in the
    same direction), and whether more rows follow. ``req.sort`` must be a key of ``sorts`` (KeyError otherwise:
    the web layer checks it against the same whitelist first)."""
    key = sorts[req.sort]
    first = key.desc() if req.descending else key.asc()
    if getattr(key, "nullable", True):   # NOT NULL columns keep a plain ORDER BY, so their index serves it
        first = first.nulls_last()
    order = [first]
    order += [c.desc() if req.descending else c.asc() for c in tie_breakers if c is not key]
    rows = list(conn.execute(query.order_by(*order).limit(req.per_page + 1).offset(req.offset)))
    return rows[:req.per_page], len(rows) > req.per_page
