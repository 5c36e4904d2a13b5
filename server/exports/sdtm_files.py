"""Write SDTM datasets as .csv, .xpt and Dataset-JSON .json from the same values, row by row.

``SubmissionFiles`` applies the rules of ``submission_text`` to every character value before any file
sees it (ASCII, at most the variable's width, overflow into SUPP--), so the three files of a dataset
are equal value for value, no stored text can abort the export, and every change is in the report.
SUPP-- datasets are opened on their first row (SDTM does not submit empty datasets).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from contextlib import ExitStack
from dataclasses import dataclass
from datetime import UTC, datetime
from importlib import metadata
from itertools import chain, cycle
from operator import itemgetter, le
from pathlib import Path

from server.exports.csv_cells import FORMULA_START, PLAIN_NUMBER, formula_safe_writer
from server.exports.dataset_json import DatasetJsonWriter, JsonColumn
from server.exports.sdtm_model import SUPP_VARIABLES, Var, json_type, supp_name
from server.exports.submission_text import ExportReport, ascii_text, split_text, supp_qnam
from server.exports.xport import XportVariable, XportWriter
from shared.study.model import Study

BATCH = 256     # rows queued per dataset before they are written (memory: a few hundred short rows each)


@dataclass(frozen=True)
class Supp:
    """One supplemental qualifier of a parent record (a SUPP-- row without its identifiers)."""

    qnam: str
    qlabel: str
    qval: str
    qorig: str = "CRF"
    qeval: str = ""


# what makes csv.writer quote a cell (delimiter, quote, line break); a cell start ("\x00" before it in
# "\x00".join of a batch's cells) that formula_safe_writer prefixes, unless the cell is a plain number (a sign)
_QUOTED = (",", '"', "\r", "\n")
_FORMULA_STARTS = tuple(f"\x00{c}" for c in FORMULA_START if c not in "+-\r")
_SIGNED = re.compile("\x00(?!(?:" + PLAIN_NUMBER.pattern + ")\x00)[+-]")


def plain_csv_lines(rows: list[list[str]]) -> str | None:
    """The CSV lines of rows of text that need no quoting and hold no formula (what ``formula_safe_writer``
    writes for them, a few C-level searches of the batch instead of one csv call per row); None otherwise."""
    try:
        cells = "\x00" + "\x00".join(chain.from_iterable(rows)) + "\x00"
    except TypeError:    # not all text
        return None
    # a cell start ("\x00" + a character) is a slow search, "\x00" being everywhere: only where that
    # character is in the batch at all (one fast search; "-" always is, in the dates)
    if any(c in cells for c in _QUOTED) or any(f[1] in cells and f in cells for f in _FORMULA_STARTS):
        return None
    if ("\x00-" in cells or ("+" in cells and "\x00+" in cells)) and _SIGNED.search(cells) is not None:
        return None
    return "\r\n".join(map(",".join, rows)) + "\r\n" if rows else ""


def metadata_version_oid(study: Study) -> str:
    """The MetaDataVersion OID shared by define.xml and every Dataset-JSON file."""
    return f"MDV.{study.study.id}.SDTMIG-3.4"


def source_version() -> str:
    """trialpro's version (the sourceSystem of Dataset-JSON and define.xml)."""
    try:
        return metadata.version("trialpro")
    except metadata.PackageNotFoundError:
        return "0"


class DatasetFiles:
    """One dataset: <name>.csv, <name>.xpt and <name>.json in lower case, the same values in each."""

    def __init__(self, stack: ExitStack, out_dir: Path, study: Study, name: str, label: str,
                 variables: Sequence[Var], widths: dict[str, int], created_at: str) -> None:
        self.name, self.label, self.variables = name, label, list(variables)
        self._pending: list[list[str]] = []
        self._fitting = True      # every queued row passed ``fits`` (text, ASCII within its width)
        self.widths = [8 if v.numeric else widths[v.name] for v in self.variables]
        base = out_dir / name.lower()
        fh = stack.enter_context(open(base.with_suffix(".csv"), "w", newline="", encoding="utf-8"))
        self._csv, self._csv_fh = formula_safe_writer(fh), fh
        self._csv.writerow([v.name for v in self.variables])
        self._xpt = stack.enter_context(XportWriter(base.with_suffix(".xpt"), name, label, [
            XportVariable(v.name, v.label, v.numeric, w) for v, w in zip(self.variables, self.widths, strict=True)]))
        self._json = DatasetJsonWriter(
            base.with_suffix(".json"), name=name, label=label, study_oid=study.study.id,
            metadata_version_oid=metadata_version_oid(study), created_at=created_at, originator="trialpro",
            source_system=("trialpro", source_version()),
            reference_data=not any(v.name == "USUBJID" for v in self.variables),
            columns=[JsonColumn(v.name, v.label, json_type(v), None if v.numeric else w)
                     for v, w in zip(self.variables, self.widths, strict=True)])
        stack.enter_context(self._json)
        stack.callback(self.flush)     # runs first on exit: the queued rows reach the files before they close

        names = [v.name for v in self.variables]
        self.usubjid = names.index("USUBJID") if "USUBJID" in names else None
        self.seq_name = f"{name}SEQ"
        self.seq = names.index(self.seq_name) if self.seq_name in names else None
        self.studyid = names.index("STUDYID")
        text = [(i, w) for i, (v, w) in enumerate(zip(self.variables, self.widths, strict=True)) if not v.numeric]
        self._text_values = itemgetter(*[i for i, _w in text]) if len(text) > 1 else None
        self._text_widths = [w for _i, w in text]
        self._text_columns = [i for i, _w in text]

    @property
    def rows(self) -> int:
        return self._xpt.rows + len(self._pending)

    def fits(self, row: list[str]) -> bool:
        """Whether every character value is ASCII, within its width and without trailing blanks (C-level checks:
        this runs once per row of the export)."""
        if self._text_values is None:
            return False
        texts = self._text_values(row)
        joined = "\x01".join(texts) + "\x01"
        return joined.isascii() and " \x01" not in joined and all(map(le, map(len, texts), self._text_widths))

    def all_fit(self, rows: list[list[str]]) -> bool:
        """``fits`` for every row of ``rows`` at once (the same checks over all their values, fewer calls):
        the rows turned into columns once, each value followed by "\x01" as in ``fits``, each column's longest
        value against its width."""
        if self._text_values is None:
            return False
        if set(map(len, rows)) != {len(self.variables)}:     # not the usual rows: value by value
            texts = list(chain.from_iterable(map(self._text_values, rows)))
            joined = "\x01".join(texts) + "\x01"
            return (joined.isascii() and " \x01" not in joined
                    and all(map(le, map(len, texts), cycle(self._text_widths))))
        columns = list(zip(*rows, strict=True))
        texts = [columns[i] for i in self._text_columns]
        joined = "\x01".join(chain.from_iterable(texts)) + "\x01"
        return (joined.isascii() and " \x01" not in joined
                and all(max(map(len, column)) <= width for column, width in zip(texts, self._text_widths,
                                                                                  strict=True)))

    def extend(self, rows: list[list[str]]) -> None:
        """Queue rows that fit (``all_fit``), as ``write`` does one by one."""
        self._pending += rows
        if len(self._pending) >= BATCH:
            self.flush()

    def write(self, row: list[str], *, fitting: bool = False) -> None:
        """Queue one row; every BATCH rows go to the three files at once (one file write each, fewer calls).
        ``fitting``: the row passed ``fits`` (the .xpt and .json writers then skip checking it again)."""
        self._pending.append(row)
        self._fitting = self._fitting and fitting
        if len(self._pending) >= BATCH:
            self.flush()

    def flush(self) -> None:
        rows, self._pending = self._pending, []
        fitting, self._fitting = self._fitting, True
        lines = plain_csv_lines(rows) if len(self.variables) > 1 else None
        if lines is None:
            self._csv.writerows(rows)
        else:
            self._csv_fh.write(lines)
        self._xpt.write_many(rows, fitting=fitting)
        self._json.write_many(rows, fitting=fitting)


class SubmissionFiles:
    """Every dataset of one SDTM export plus export-report.csv; use as a context manager."""

    def __init__(self, out_dir: Path, study: Study, datasets: dict[str, tuple[str, list[Var]]],
                 widths: dict[tuple[str, str], int], *, lazy: frozenset[str] = frozenset()) -> None:
        self.out_dir, self.study, self.datasets, self.widths, self.lazy = out_dir, study, datasets, widths, lazy
        self.created_at = datetime.now(UTC).replace(microsecond=0).isoformat().replace("+00:00", "Z")
        self._stack = ExitStack()
        self.files: dict[str, DatasetFiles] = {}
        self.report = ExportReport(out_dir / "export-report.csv")

    def __enter__(self) -> SubmissionFiles:
        self._stack.__enter__()
        self._stack.enter_context(self.report)
        for name in self.datasets:
            if name not in self.lazy:
                self._open(name)
        return self

    def __exit__(self, *exc: object) -> None:
        self._stack.__exit__(*exc)  # type: ignore[arg-type]

    def _open(self, name: str) -> DatasetFiles:
        if name not in self.files:
            if name.startswith("SUPP"):
                label, variables = f"Supplemental Qualifiers for {name[4:]}", SUPP_VARIABLES
            else:
                label, variables = self.datasets[name]
            widths = {v.name: self.widths[(name if not name.startswith("SUPP") else "SUPP", v.name)]
                      for v in variables if not v.numeric}
            self.files[name] = DatasetFiles(self._stack, self.out_dir, self.study, name, label, variables, widths,
                                            self.created_at)
        return self.files[name]

    def write(self, domain: str, row: list[str], supp: Sequence[Supp] = ()) -> None:
        """Write one row of ``domain`` (text values in variable order) and its supplemental qualifiers."""
        files = self._open(domain)
        if not supp and files.fits(row):          # the usual case: ASCII that fits, nothing to report
            files.write(row, fitting=True)
            return
        usubjid = row[files.usubjid] if files.usubjid is not None else ""
        idvar, idvarval = (files.seq_name, row[files.seq]) if files.seq is not None else ("", "")
        extra = list(supp)
        for i, (var, width) in enumerate(zip(files.variables, files.widths, strict=True)):
            value = row[i].rstrip()           # SAS keeps no trailing blanks: every file drops them alike
            if var.numeric or not value:
                row[i] = value
                continue
            text, rule = ascii_text(value)
            if rule:
                self.report.add(domain, usubjid, idvar, idvarval, var.name, rule, value, text)
            if len(text) > width:
                text, chunks = split_text(text, width)
                for n, chunk in enumerate(chunks, start=1):
                    qnam = supp_qnam(var.name, n)
                    extra.append(Supp(qnam, f"{var.label[:36]} {n}", chunk, "CRF"))
                    self.report.add(domain, usubjid, idvar, idvarval, var.name, "split into SUPP" + domain,
                                    value, text, qnam)
            row[i] = text
        files.write(row)
        if extra:
            supp_files = self._open(supp_name(domain))
            study_id = row[files.studyid]
            for s in extra:
                qval, rule = ascii_text(s.qval)
                if rule:
                    self.report.add(supp_files.name, usubjid, idvar, idvarval, s.qnam, rule, s.qval, qval)
                supp_files.write([study_id, domain, usubjid, idvar, idvarval, s.qnam, s.qlabel.rstrip(), qval.rstrip(),
                                  s.qorig, s.qeval])

    def write_rows(self, domain: str, rows: list[list[str]]) -> None:
        """``write`` each of ``rows`` (rows without supplemental qualifiers): checked together when they all
        fit, which is the usual case, else one by one (the same rows, report lines and SUPP rows, in order)."""
        files = self._open(domain)
        if files.all_fit(rows):
            files.extend(rows)
            return
        for row in rows:
            self.write(domain, row)

    def counts(self) -> dict[str, int]:
        """Rows per file written (each dataset's .csv, .xpt and .json) and the report."""
        out: dict[str, int] = {}
        for name, f in self.files.items():
            for ext in ("csv", "xpt", "json"):
                out[f"{name.lower()}.{ext}"] = f.rows
        out["export-report.csv"] = self.report.rows
        return out
