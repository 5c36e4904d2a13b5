"""The casebook's CJK font is parsed once per process (server.exports.casebook_font), not once per PDF, and a
PDF made with it is byte for byte the PDF fpdf2's own add_font makes, document after document."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest
from fpdf import FPDF, fonts

from server.exports import casebook_pdf
from server.exports.casebook_font import add_font_parsed_once

TEXTS = ["受试者 PKU-001 · 访视 基线 · ESSPRI 疼痛 5/10", "另一位 受试者 𠀀 😀 rash, grade 1 — ü ß é \u0007 tab\tend",
         "受试者 PKU-001 · 访视 基线 · ESSPRI 疼痛 5/10"]


def pdf_of(text: str, shared: bool) -> bytes:
    pdf = FPDF(format="A4")
    pdf.set_creation_date(datetime(2026, 3, 1, 8, 30, tzinfo=UTC))
    path, index = casebook_pdf.font_file()
    if shared:
        add_font_parsed_once(pdf, "cjk", path, index)
    else:
        pdf.add_font("cjk", fname=path, collection_font_number=index)
    pdf.set_font("cjk", size=9)
    pdf.add_page()
    pdf.multi_cell(0, 5, text)
    pdf.set_font("cjk", size=14)
    pdf.cell(0, 8, text[:12])
    return bytes(pdf.output())


def test_each_pdf_is_the_bytes_add_font_writes_one_document_after_another() -> None:
    for text in TEXTS:   # glyphs used by one document never leak into the next one's font subset
        assert pdf_of(text, shared=True) == pdf_of(text, shared=False), text


def test_a_casebook_after_the_first_parses_no_font_file(monkeypatch: pytest.MonkeyPatch) -> None:
    parses = []
    parse = fonts.TTFFont.__init__

    def counted(self: fonts.TTFFont, *args: Any, **kwargs: Any) -> None:
        parses.append(args[1])
        parse(self, *args, **kwargs)

    monkeypatch.setattr(fonts.TTFFont, "__init__", counted)
    for pid in ("PKU-001", "PKU-002", "PKU-003"):
        casebook_pdf._Book(pid, "zh")
    assert len(parses) <= 1, parses
