"""The query string of every admin table (``?sort=col&dir=asc|desc&q=...&page=N&per_page=...``), checked
against the table's whitelist of sort columns, and the links its header and pager need.

A bad value is an ``InvalidInput`` (400) that names the parameter, the value and what is allowed: the page
shows it, never a 500. The macro ``_table.html`` draws the sortable header and the pager from a ``Table``.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from flask import request, url_for

from server.storage.paging import PER_PAGE_CHOICES, Page, PageRequest
from shared.errors import InvalidInput

MAX_PAGE = 1_000_000
MAX_Q = 100


def _whole(name: str, text: str, top: int) -> int:
    if not (text.isascii() and text.isdigit()) or not 1 <= int(text[:9]) <= top:
        raise InvalidInput(f"{name}: {text[:40]!r} is not allowed; write a whole number from 1 to {top}.",
                           details={"field": name, "value": text[:40], "allowed": f"1-{top}"})
    return int(text)


def table_request(sorts: Iterable[str], default_sort: str, default_dir: str = "asc",
                  args: Mapping[str, str] | None = None) -> PageRequest:
    """The viewer's sort, direction, search text and page from the query string.

    Raises InvalidInput for a sort column outside ``sorts``, a direction other than asc/desc, a page that is not
    a whole number from 1, a ``per_page`` outside ``PER_PAGE_CHOICES`` or a search text longer than 100."""
    args = request.args if args is None else args
    allowed = list(sorts)
    sort = args.get("sort") or default_sort
    if sort not in allowed:
        raise InvalidInput(f"sort: {sort[:40]!r} is not a column this table sorts by; choose one of "
                           f"{', '.join(allowed)}.", details={"field": "sort", "value": sort[:40],
                                                              "allowed": ", ".join(allowed)})
    direction = args.get("dir") or (default_dir if sort == default_sort else "asc")
    if direction not in ("asc", "desc"):
        raise InvalidInput(f"dir: {direction[:40]!r} is not allowed; write asc or desc.",
                           details={"field": "dir", "value": direction[:40], "allowed": "asc, desc"})
    page = _whole("page", args.get("page") or "1", MAX_PAGE)
    per_page_text = args.get("per_page") or "50"
    if per_page_text not in {str(n) for n in PER_PAGE_CHOICES}:
        choices = ", ".join(str(n) for n in PER_PAGE_CHOICES)
        raise InvalidInput(f"per_page: {per_page_text[:40]!r} is not allowed; choose one of {choices}.",
                           details={"field": "per_page", "value": per_page_text[:40], "allowed": choices})
    q = (args.get("q") or "").strip()
    if len(q) > MAX_Q:
        raise InvalidInput(f"q: the search text has {len(q)} characters; write at most {MAX_Q}.",
                           details={"field": "q", "value": q[:40], "allowed": f"<= {MAX_Q}"})
    return PageRequest(sort=sort, descending=direction == "desc", q=q, page=page, per_page=int(per_page_text))


@dataclass(frozen=True)
class Table:
    """One page of a table as the template macro draws it: rows, links to re-sort and to move page."""

    page: Page
    keep: dict[str, Any] = field(default_factory=dict)   # the page's own filters (arm, state, …), kept in links
    endpoint: str | None = None                          # where the links go (default: this request's page)

    @property
    def per_page_choices(self) -> tuple[int, ...]:
        return PER_PAGE_CHOICES

    @property
    def rows(self) -> list[Any]:
        return self.page.rows

    @property
    def req(self) -> PageRequest:
        return self.page.request

    def url(self, **changes: Any) -> str:
        """This page's address with the current query string changed by ``changes`` (None drops a key)."""
        r = self.req
        args: dict[str, Any] = {**self.keep, "sort": r.sort, "dir": "desc" if r.descending else "asc",
                                "q": r.q or None, "page": r.page if r.page > 1 else None,
                                "per_page": r.per_page if r.per_page != 50 else None}
        args.update(changes)
        return url_for(self.endpoint or request.endpoint or "web.dashboard", **(request.view_args or {}),
                       **{k: v for k, v in args.items() if v not in (None, "")})

    def sort_url(self, column: str) -> str:
        """Sort by ``column``; ascending first, the other way when it is already sorted ascending by it."""
        flip = column == self.req.sort and not self.req.descending
        return self.url(sort=column, dir="desc" if flip else "asc", page=None)

    def state(self, column: str) -> str:
        """``ascending``/``descending`` for the sorted column (aria-sort), else ``none``."""
        if column != self.req.sort:
            return "none"
        return "descending" if self.req.descending else "ascending"

    def hidden_fields(self, *exclude: str) -> dict[str, str]:
        """What a filter form resends so a new search keeps the sort and page size (and starts at page 1);
        ``exclude``: the fields the form itself has."""
        out = {k: str(v) for k, v in self.keep.items() if v not in (None, "") and k not in exclude}
        out.update(sort=self.req.sort, dir="desc" if self.req.descending else "asc")
        if self.req.per_page != 50:
            out["per_page"] = str(self.req.per_page)
        return out
