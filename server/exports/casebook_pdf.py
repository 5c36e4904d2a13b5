"""One participant's casebook as a PDF (fpdf2, Noto Sans CJK so Chinese labels and entries print).

Pure rendering: ``render(book, language)`` turns what ``server.services.casebook`` read from one snapshot into
PDF bytes; text stays real text (extractable, searchable), labels in the viewer's language.
"""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path
from typing import Any

from fpdf import FPDF, FontFace

from server.exports.casebook_font import add_font_parsed_once
from server.exports.casebook_text import label
from shared.errors import PartMissing

FONT = "Noto Sans CJK SC"
FONT_FILES = ("/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc",
              "/usr/share/fonts/noto-cjk/NotoSansCJK-Regular.ttc",
              "/usr/share/fonts/google-noto-cjk/NotoSansCJK-Regular.ttc",
              "/usr/share/fonts/truetype/noto/NotoSansCJK-Regular.ttc")
HEADINGS = FontFace(emphasis="", fill_color=(230, 234, 240))


@cache
def font_file() -> tuple[str, int]:
    """The Noto Sans CJK SC file and its index in the collection (Debian: fonts-noto-cjk); PartMissing without."""
    from fontTools.ttLib import TTCollection

    for path in FONT_FILES:
        if Path(path).exists():
            names = [f["name"].getDebugName(1) for f in TTCollection(path).fonts]
            if FONT in names:
                return path, names.index(FONT)
    raise PartMissing(f"The casebook needs the font {FONT!r} (Debian/Ubuntu package fonts-noto-cjk, which "
                      "scripts/run-tests.sh and scripts/run-demo.sh install); it was not found here.",
                      details={"module": "fonts-noto-cjk", "extra": "fonts-noto-cjk"})


class _Book(FPDF):
    def __init__(self, pid: str, language: str) -> None:
        super().__init__(format="A4")
        self.pid, self.language = pid, language
        path, index = font_file()
        add_font_parsed_once(self, "cjk", path, index)
        self.set_font("cjk", size=9)
        self.set_auto_page_break(True, margin=15)
        self.alias_nb_pages()

    def footer(self) -> None:
        self.set_y(-12)
        self.set_font("cjk", size=7)
        self.cell(0, 5, label("page", self.language, pid=self.pid, n=self.page_no(), total="{nb}"), align="C")
        self.set_font("cjk", size=9)


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, dict | list):
        return json.dumps(value, ensure_ascii=False, sort_keys=True)
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def _heading(pdf: _Book, text: str) -> None:
    pdf.ln(3)
    pdf.set_font("cjk", size=12)
    pdf.multi_cell(0, 7, text, new_x="LMARGIN", new_y="NEXT")
    pdf.set_font("cjk", size=9)


def _line(pdf: _Book, text: str) -> None:
    pdf.multi_cell(0, 5, text, new_x="LMARGIN", new_y="NEXT")


def _table(pdf: _Book, head: list[str], rows: list[list[Any]], widths: tuple[int, ...] | None = None) -> None:
    with pdf.table(col_widths=widths, headings_style=HEADINGS, line_height=4.5, padding=1,
                   text_align="LEFT") as table:
        row = table.row()
        for h in head:
            row.cell(h)
        for r in rows:
            row = table.row()
            for v in r:
                row.cell(_text(v))


def _signatures(pdf: _Book, book: dict[str, Any], lang: str) -> None:
    _heading(pdf, label("signatures", lang))
    if not book["signatures"]:
        _line(pdf, label("no_signatures", lang))
        return
    rows = []
    for s in book["signatures"]:
        v = s["verdict"]
        state = label(v.status, lang) + ("" if s["current"] else f" ({label('superseded', lang)})")
        changes = v.changed + v.added + v.removed
        if changes:
            state += f"; {label('changed', lang)}: {', '.join(changes)}"
        rows.append([s["visit_id"] or label("scope.casebook", lang), s["printed_name"], s["signed_at"],
                     s["signed_at_local"], s["meaning_text"],
                     state + "; " + label("covers", lang, n=len(s["manifest"]["items"]), hash=s["manifest_hash"])])
    _table(pdf, [label(k, lang) for k in ("scope", "signed_by", "at_utc", "at_local", "meaning", "status")], rows,
           (14, 18, 20, 24, 30, 40))


def _records(pdf: _Book, book: dict[str, Any], lang: str) -> None:
    _heading(pdf, label("records", lang))
    if not book["records"]:
        _line(pdf, label("no_records", lang))
    for revisions in book["records"]:
        rec = revisions[-1]
        pdf.set_font("cjk", size=10)
        _line(pdf, " · ".join(x for x in (f"{label('visit', lang)} {rec.get('visit_id') or '-'}", rec["kind"],
                                          rec.get("instrument_id") or "", f"{label('revision', lang)} "
                                          f"{rec['revision']}", rec["record_id"],
                                          label("source." + rec.get("source", "clinic"), lang)) if x))
        pdf.set_font("cjk", size=9)
        _table(pdf, [label("item", lang), label("value", lang)], [[k, v] for k, v in rec["data"].items()], (1, 2))
        _table(pdf, [label(k, lang) for k in ("revision", "collected", "entered_by", "reason", "value", "hash")],
               [[r["revision"], r["collected_at"],
                 f"{r['entered_by']} ({label('source.' + r.get('source', 'clinic'), lang)})",   # issue 24
                 r.get("correction_reason") or "", r["data"],
                 r["content_hash"]] for r in revisions], (8, 20, 18, 18, 50, 30))
        pdf.ln(2)


def _adverse_events(pdf: _Book, book: dict[str, Any], lang: str) -> None:
    _heading(pdf, label("aes", lang))
    aes = [revs[-1] for revs in book["records"] if revs[-1]["kind"] == "adverse_event"]
    if not aes:
        _line(pdf, label("no_aes", lang))
        return
    _table(pdf, [label(k, lang) for k in ("term", "grade", "serious", "onset", "outcome", "revision")],
           [[a["data"].get("term"), a["data"].get("grade"),
             label("yes" if a["data"].get("serious") else "no", lang), a["data"].get("onset_date"),
             a["data"].get("outcome"), a["revision"]] for a in aes])


def _labs(pdf: _Book, book: dict[str, Any], lang: str) -> None:
    _heading(pdf, label("labs", lang))
    if not book["labs"]:
        _line(pdf, label("no_labs", lang))
        return
    _table(pdf, [label(k, lang) for k in ("visit", "test", "sample_date", "value", "unit", "revision", "reason")],
           [[x["visit_id"], x["test_code"], x["sample_date"], x["value"], x["unit"], x["revision"],
             x.get("reason") or ""] for x in book["labs"]])


def _queries(pdf: _Book, book: dict[str, Any], lang: str) -> None:
    """Every data query of the participant with its whole thread (raise, answers, close, re-open)."""
    _heading(pdf, label("queries", lang))
    if not book.get("queries"):
        _line(pdf, label("none", lang))
        return
    rows = []
    for q in book["queries"]:
        thread = "\n".join(f"{m['at']} {m['author']} {m['action']}: {m['text']}" for m in q["messages"])
        rows.append([q["query_id"], f"{q['target']} {q['target_id']} #{q['revision']} · {q['field']}",
                     q["state"], q["raised_by"], q["raised_at"], thread])
    _table(pdf, [label(k, lang) for k in ("query", "about", "state", "raised_by", "at", "thread")], rows,
           (22, 34, 14, 20, 20, 60))


def _sdv(pdf: _Book, book: dict[str, Any], lang: str) -> None:
    """The SDV status of each current record (verified, changed since verified, not verified)."""
    _heading(pdf, label("sdv", lang))
    marks = book.get("sdv") or {}
    if not marks:
        _line(pdf, label("none", lang))
        return
    current = {revs[-1]["record_id"]: revs[-1] for revs in book["records"]}
    _table(pdf, [label(k, lang) for k in ("record", "revision", "state", "by", "at")],
           [[rid, current[rid]["revision"] if rid in current else "", label(f"sdv.{m['status']}", lang),
             m["by"] or "", m["at"] or ""] for rid, m in marks.items()], (40, 12, 30, 30, 30))


def _audit(pdf: _Book, book: dict[str, Any], lang: str) -> None:
    _heading(pdf, label("audit", lang))
    _table(pdf, [label(k, lang) for k in ("seq", "at", "actor", "action", "entity", "change", "reason")],
           [[e["seq"], e["at"], e["actor"], e["action"], e["entity_id"],
             f"{e['old'] or ''} → {e['new'] or ''}" if e["old"] else (e["new"] or ""), e["reason"] or ""]
            for e in book["audit"]], (8, 20, 20, 18, 26, 60, 18))


def render(book: dict[str, Any], language: str) -> bytes:
    """The casebook of one participant as PDF bytes."""
    p = book["participant"]
    pdf = _Book(p["participant_id"], language)
    pdf.set_title(f"{label('title', language)} {p['participant_id']}")
    pdf.set_creator("trialpro")
    pdf.add_page()
    pdf.set_font("cjk", size=16)
    _line(pdf, f"{label('title', language)} {p['participant_id']}")
    pdf.set_font("cjk", size=9)
    _line(pdf, f"{label('study', language)} {book['study_id']} · {label('site', language)} {p['site_id']}"
          + (f" · {label('arm', language)} {p['arm']} · {label('sex', language)} {p['sex']} · "
             f"{label('consent', language)} {p.get('consent_date') or ''} · {label('status', language)} "
             f"{p['status']}" if p.get("arm") else f" · {label('not_enrolled', language)}"))
    _line(pdf, f"{label('snapshot', language)}: {book['as_of']}")
    for key, lock in (("locked", book.get("study_lock")), ("frozen", book.get("frozen"))):
        if lock is not None:
            _line(pdf, label(key, language, at=lock.locked_at, by=lock.locked_by, reason=lock.reason))
    _signatures(pdf, book, language)
    _adverse_events(pdf, book, language)
    _labs(pdf, book, language)
    _queries(pdf, book, language)
    _sdv(pdf, book, language)
    _records(pdf, book, language)
    _audit(pdf, book, language)
    return bytes(pdf.output())
