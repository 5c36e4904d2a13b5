"""Queries for the imported MedDRA release: replace it whole, look terms up (exact key, search), read paths."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Connection, delete, func, insert, or_, select

from server.storage.bulk import insert_many
from server.storage.tables import meddra_llt, meddra_pt, meddra_release
from shared.meddra import Release, term_key
from shared.values import ascii_digits


def replace_release(conn: Connection, release: Release, *, imported_at: str, imported_by: str) -> None:
    """Drop the stored release and store ``release`` in its place (in the caller's transaction)."""
    for table in (meddra_llt, meddra_pt, meddra_release):
        conn.execute(delete(table))
    conn.execute(insert(meddra_release).values(release_id=1, version=release.version, language=release.language,
                                               imported_at=imported_at, imported_by=imported_by,
                                               llt_count=len(release.llts), pt_count=len(release.pts)))
    insert_many(conn, meddra_pt, [{"pt_code": p.code, "pt_name": p.name, "hlt_code": p.hlt_code,
                                   "hlt_name": p.hlt_name, "hlgt_code": p.hlgt_code, "hlgt_name": p.hlgt_name,
                                   "soc_code": p.soc_code, "soc_name": p.soc_name, "soc_abbrev": p.soc_abbrev}
                                  for p in release.pts])
    insert_many(conn, meddra_llt, [{"llt_code": t.code, "llt_name": t.name, "llt_key": term_key(t.name)[:200],
                                    "pt_code": t.pt_code, "current": t.current} for t in release.llts])


def release(conn: Connection) -> dict[str, Any] | None:
    """The stored release (version, language, when and by whom imported, counts), or None."""
    row = conn.execute(select(meddra_release)).mappings().first()
    return dict(row) if row else None


_CODED = (meddra_llt.c.llt_code, meddra_llt.c.llt_name, meddra_llt.c.current, meddra_pt.c.pt_code,
          meddra_pt.c.pt_name, meddra_pt.c.hlt_code, meddra_pt.c.hlt_name, meddra_pt.c.hlgt_code,
          meddra_pt.c.hlgt_name, meddra_pt.c.soc_code, meddra_pt.c.soc_name, meddra_pt.c.soc_abbrev)


def _coded():
    return select(*_CODED).join(meddra_pt, meddra_pt.c.pt_code == meddra_llt.c.pt_code)


def by_keys(conn: Connection, keys: list[str]) -> dict[str, dict[str, Any]]:
    """Exact-match key -> the LLT with its PT and primary path (a current LLT wins over a non-current one)."""
    if not keys:
        return {}
    out: dict[str, dict[str, Any]] = {}
    rows = conn.execute(_coded().add_columns(meddra_llt.c.llt_key).where(meddra_llt.c.llt_key.in_(sorted(set(keys))))
                        .order_by(meddra_llt.c.current, meddra_llt.c.llt_code)).mappings()
    for row in rows:                                          # current rows come last and win
        out[row["llt_key"]] = {k: v for k, v in row.items() if k != "llt_key"}
    return out


def by_codes(conn: Connection, codes: list[int]) -> dict[int, dict[str, Any]]:
    """LLT code -> the LLT with its PT and primary path."""
    if not codes:
        return {}
    rows = conn.execute(_coded().where(meddra_llt.c.llt_code.in_(sorted(set(codes))))).mappings()
    return {row["llt_code"]: dict(row) for row in rows}


def search(conn: Connection, text: str, *, limit: int = 30) -> list[dict[str, Any]]:
    """Current LLTs whose name contains ``text`` (case ignored) or whose code is ``text``, best first."""
    key = term_key(text)
    if not key:
        return []
    cond = meddra_llt.c.llt_key.contains(key, autoescape=True)
    if ascii_digits(key):
        cond = or_(cond, meddra_llt.c.llt_code == int(key))
    rows = conn.execute(_coded().where(cond, meddra_llt.c.current.is_(True))
                        .order_by(func.length(meddra_llt.c.llt_key), meddra_llt.c.llt_key).limit(limit)).mappings()
    return [dict(r) for r in rows]
