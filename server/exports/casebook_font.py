"""The casebook's CJK font, parsed once per process instead of once per PDF.

fpdf2's ``add_font`` reads and parses the font file for every document: for Noto Sans CJK (65 000 glyphs) that
is more CPU than a small casebook's pages, and a casebook export writes one PDF per participant. fpdf2 has no
API to share a parsed font between documents, and when it writes a PDF it subsets the font's fontTools
``TTFont`` in place, so a parsed font cannot simply be reused. Each document therefore gets its own fpdf
``TTFFont``: what fpdf only reads (character -> glyph and width maps, the font's metrics) parsed once and shared;
what it changes per document fresh (its number in the document, the glyphs used, the descriptor it writes, a
lazily read ``TTFont`` for it to subset, given the glyph order and copies of the metrics tables already parsed).
Only for CFF (OpenType) outlines, as Noto Sans CJK has. The PDF is byte for byte what ``add_font`` writes
(tests/unit/test_casebook_font.py, against fpdf2 as pinned in constraints.txt).
"""

from __future__ import annotations

import copy
from functools import cache
from pathlib import Path
from typing import Any, NamedTuple

from fontTools import ttLib
from fpdf import FPDF
from fpdf.font_type_3 import get_color_font_object
from fpdf.fonts import SubsetMap, TTFFont

METRICS_TABLES = ("hmtx", "vmtx")   # the subsetter replaces their ``metrics``: each document gets its own dict


class _Parsed(NamedTuple):
    """What the process keeps of the font (~38 MB of objects): fpdf's maps, the glyph order, the metrics tables."""

    font: TTFFont                       # as fpdf parsed it, its fontTools TTFont closed and dropped
    glyph_order: list[str]
    metrics: dict[str, Any]             # tag -> its decompiled fontTools table
    truetype: bool                      # TrueType outlines: fpdf may patch in a .notdef glyph, so it parses them


@cache
def _parsed(path: str, index: int) -> _Parsed:
    """The font as fpdf parses it for ``add_font`` (in a throw-away document): the shared, read-only part."""
    font = TTFFont(FPDF(), Path(path), "", "", collection_font_number=index)
    parsed = font.ttfont
    kept = _Parsed(font, parsed.getGlyphOrder(), {tag: parsed[tag] for tag in METRICS_TABLES if tag in parsed},
                   "glyf" in parsed)
    parsed.close()   # the other tables and the file's reader are not kept: each document reads its own
    font.ttfont = None
    return kept


def add_font_parsed_once(pdf: FPDF, family: str, path: str, index: int) -> None:
    """``pdf.add_font(family, fname=path, collection_font_number=index)`` (regular style), the file parsed once."""
    kept = _parsed(path, index)
    if kept.truetype:
        pdf.add_font(family, fname=path, collection_font_number=index)
        return
    parsed, font = kept.font, TTFFont.__new__(TTFFont)
    for slot in TTFFont.__slots__:
        if hasattr(parsed, slot):
            setattr(font, slot, getattr(parsed, slot))
    font.i = len(pdf.fonts) + 1
    font.fontkey = family.lower()
    font.ttfont = _fresh_ttfont(kept, path, index)
    font.desc = copy.copy(parsed.desc)   # writing the PDF sets its object id, name and font file
    font.cw = parsed.cw.copy()
    font.missing_glyphs = []
    font.biggest_size_pt = 0
    font._hbfont = None
    font.subset = SubsetMap(font)
    font.color_font = (get_color_font_object(pdf, font, font.palette_index) if pdf.render_color_fonts else None)
    pdf.fonts[font.fontkey] = font
    if font.is_cff and font.is_cid_keyed:   # what add_font does for such a font
        pdf._set_min_pdf_version("1.6")


def _fresh_ttfont(kept: _Parsed, path: str, index: int) -> ttLib.TTFont:
    """A ``TTFont`` of the file for one document's subsetter, with the tables it would parse again handed over."""
    fresh = ttLib.TTFont(path, recalcTimestamp=False, fontNumber=index, lazy=True)
    fresh.setGlyphOrder(list(kept.glyph_order))
    for tag, parsed in kept.metrics.items():
        table = copy.copy(parsed)
        table.metrics = dict(parsed.metrics)
        fresh[tag] = table
    return fresh
