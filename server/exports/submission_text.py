"""What a submission dataset may hold, and the stated rules for stored text that does not fit.

SAS XPORT v5 (and so every SDTM file, which all carry the same values) is ASCII with at most 200
bytes per character value. No stored value ever aborts an export; instead:

1. **ASCII.** Text that is already ASCII is kept. Otherwise it is folded: Unicode compatibility forms
   (NFKC: full-width letters, digits and punctuation, the ellipsis…), typographic quotes and dashes to
   their ASCII forms, Latin accents dropped (é → e). When the folded text is ASCII it is used
   ("transliterated"); otherwise the value is replaced by ``PLACEHOLDER`` ("replaced": Chinese text has
   no English counterpart in the stored data). Every such value is listed with its original text in
   ``export-report.csv``.
2. **Length (SDTMIG 3.4 section 4.5.3.2).** A value longer than its variable's width keeps its first part
   (at most the width, split between words where a space allows it) in the main variable; the rest goes
   to the SUPP-- dataset in chunks of at most 200 characters, QNAM = the variable name (its first 7
   characters when it has 8) plus 1, 2, …; also listed in the report.
"""

from __future__ import annotations

import unicodedata
from pathlib import Path
from types import TracebackType
from typing import TextIO

from server.exports.csv_cells import formula_safe_writer

PLACEHOLDER = "[NON-ASCII TEXT: SEE EXPORT-REPORT.CSV]"
REPORT_FILE = "export-report.csv"
REPORT_COLUMNS = ["dataset", "usubjid", "idvar", "idvarval", "variable", "rule", "original_value",
                  "exported_value", "supp_qnam"]
SUPP_WIDTH = 200
_PUNCTUATION = str.maketrans({
    "\u2018": "'", "\u2019": "'", "\u201a": "'", "\u201b": "'", "\u201c": '"', "\u201d": '"', "\u201e": '"',
    "\u2010": "-", "\u2011": "-", "\u2012": "-", "\u2013": "-", "\u2014": "-", "\u2212": "-", "\u00b7": ".",
    "\u3001": ",", "\u3002": ".", "\u300c": '"', "\u300d": '"', "\u3010": "[", "\u3011": "]", "\u00a0": " ",
})


def ascii_text(value: str) -> tuple[str, str | None]:
    """``value`` as ASCII and the rule applied: None (already ASCII), "transliterated" or "replaced"."""
    if value.isascii():
        return value, None
    folded = unicodedata.normalize("NFKC", value).translate(_PUNCTUATION)
    folded = "".join(c for c in unicodedata.normalize("NFKD", folded) if not unicodedata.combining(c))
    if folded.isascii():
        return folded, "transliterated"
    return PLACEHOLDER, "replaced"


def split_text(value: str, width: int) -> tuple[str, list[str]]:
    """The part of ``value`` kept in a variable of ``width`` and the rest in chunks of at most 200.

    Cuts between words when a space falls in the second half of a chunk, otherwise at the width.
    """
    def cut(text: str, size: int) -> int:
        if len(text) <= size:
            return len(text)
        space = text.rfind(" ", size // 2, size + 1)
        return space if space > 0 else size

    head_end = cut(value, width)
    head, rest = value[:head_end], value[head_end:]
    chunks = []
    while rest:
        end = cut(rest, SUPP_WIDTH)
        chunks.append(rest[:end])
        rest = rest[end:]
    return head, chunks


def supp_qnam(variable: str, n: int) -> str:
    """QNAM of the n-th overflow chunk of ``variable`` (at most 8 characters)."""
    return f"{variable[:7] if len(variable) == 8 else variable}{n}"


class ExportReport:
    """``export-report.csv``: every value the export changed to fit the format, with its original text.

    Written row by row (UTF-8, so the original Chinese text is kept there); use as a context manager.
    """

    def __init__(self, path: Path) -> None:
        self.path = path
        self.rows = 0
        self._fh: TextIO | None = None

    def __enter__(self) -> ExportReport:
        self._fh = open(self.path, "w", newline="", encoding="utf-8")
        self._writer = formula_safe_writer(self._fh)
        self._writer.writerow(REPORT_COLUMNS)
        return self

    def add(self, dataset: str, usubjid: str, idvar: str, idvarval: str, variable: str, rule: str,
            original: str, exported: str, qnam: str = "") -> None:
        self._writer.writerow([dataset, usubjid, idvar, idvarval, variable, rule, original, exported, qnam])
        self.rows += 1

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        assert self._fh is not None
        self._fh.close()
