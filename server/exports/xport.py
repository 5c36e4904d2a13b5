"""A streaming SAS XPORT version 5 writer (the FDA's transport format for SDTM datasets).

pandas + ``pyreadstat.write_xport`` would hold a whole dataset in memory; this writes one
observation at a time. Character widths must be known before the first row, so callers
pass them (the SDTM export measures them while writing the CSV first). Numbers are stored as
IBM hexadecimal doubles: 56 mantissa bits hold every IEEE double exactly, so values read back
identically. Layout follows SAS TS-140 ("The record layout of a data set in SAS transport").
"""

from __future__ import annotations

import math
import struct
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from functools import lru_cache
from itertools import chain
from pathlib import Path
from typing import Any, BinaryIO

from shared.errors import XportLimit

MISSING = b"." + b"\x00" * 7
_LIB = b"HEADER RECORD*******LIBRARY HEADER RECORD!!!!!!!000000000000000000000000000000  "
_MEM = b"HEADER RECORD*******MEMBER  HEADER RECORD!!!!!!!000000000000000001600000000140  "
_DSC = b"HEADER RECORD*******DSCRPTR HEADER RECORD!!!!!!!000000000000000000000000000000  "
_OBS = b"HEADER RECORD*******OBS     HEADER RECORD!!!!!!!000000000000000000000000000000  "


@dataclass(frozen=True)
class XportVariable:
    """One column: name (<= 8), label (<= 40), numeric or character, width in bytes (chars: 1-200), and the SAS
    display format of a number (e.g. ``DATE`` with width 9 for an ADaM date: days since 1960-01-01)."""

    name: str
    label: str
    numeric: bool
    length: int = 8
    format: str = ""
    format_width: int = 0


def ibm_double(value: float | None) -> bytes:
    """``value`` as an 8-byte IBM 370 double; None or NaN as the SAS missing value '.'."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return MISSING
    if value == 0:
        return b"\x00" * 8
    sign = 0x80 if value < 0 else 0
    mantissa, exp2 = math.frexp(abs(value))          # |v| = m * 2**e, 0.5 <= m < 1
    exp16 = -((-exp2) // 4)                           # ceil(e / 4)
    fraction = int(mantissa * 2 ** (56 - (4 * exp16 - exp2)))   # exact: 53 bits shifted by 3 at most
    if not 0 <= exp16 + 64 <= 127:
        raise XportLimit(f"{value!r} is outside the range of an IBM double")
    return bytes([sign | (exp16 + 64)]) + fraction.to_bytes(7, "big")


@lru_cache(maxsize=65536)
def _number_bytes(value: str | float | None) -> bytes:
    """ibm_double of a number given as text ('' = missing) or float; cached: SDTM numbers repeat a lot."""
    if isinstance(value, str):
        return ibm_double(float(value) if value else None)
    return ibm_double(value)


@lru_cache(maxsize=65536)
def _number_text(value: str | float | None) -> str:
    """_number_bytes as latin-1 text (one character per byte) for the str.format fast path."""
    return _number_bytes(value).decode("latin-1")


SAS_EPOCH = date(1960, 1, 1)


def sas_date(day: date | None) -> int | None:
    """A date as a SAS date value (days since 1960-01-01), None when missing: what a ``DATE9.`` column holds."""
    return None if day is None else (day - SAS_EPOCH).days


def _text(value: str, width: int, what: str) -> bytes:
    raw = value.encode("utf-8")
    if len(raw) > width:
        raise XportLimit(f"{what}: {value!r} is longer than {width} bytes")
    return raw.ljust(width, b" ")


def _stamp(at: datetime) -> bytes:
    return at.strftime("%d%b%y:%H:%M:%S").upper().encode("ascii")


def _namestr(var: XportVariable, number: int, position: int) -> bytes:
    return (struct.pack(">hhhh", 1 if var.numeric else 2, 0, var.length, number)
            + _text(var.name, 8, "variable name") + _text(var.label, 40, f"label of {var.name}")
            + _text(var.format, 8, f"format of {var.name}") + struct.pack(">hhh", var.format_width, 0, 0)
            + b"\x00\x00" + b" " * 8 + struct.pack(">hhi", 0, 0, position)
            + b"\x00" * 52)


class XportWriter:
    """Write one dataset (member) to a .xpt file, row by row. Use as a context manager."""

    def __init__(self, path: Path, dataset: str, label: str, variables: Sequence[XportVariable]) -> None:
        for v in variables:
            if not v.name or len(v.name) > 8 or not (1 <= v.length <= (8 if v.numeric else 200)):
                raise XportLimit(f"variable {v.name!r}: name must be 1-8 characters and length 1-200 "
                                 f"(got length {v.length})")
        if len(dataset) > 8:
            raise XportLimit(f"dataset name {dataset!r} is longer than 8 characters")
        self.path, self.dataset, self.label, self.variables = path, dataset, label, list(variables)
        self._layout = [(v.numeric, v.length, v.name) for v in self.variables]
        self._numeric = [v.numeric for v in self.variables]
        self._text_index = [i for i, v in enumerate(self.variables) if not v.numeric]
        self._numeric_index = [i for i, v in enumerate(self.variables) if v.numeric]
        self._format = "".join("{}" if v.numeric else f"{{:<{v.length}}}" for v in self.variables)
        # one observation as a %-format (text left-aligned in its width, as str.ljust): a batch is this repeated
        # once per row over the batch's values, one C-level formatting of the whole batch
        self._percent = "".join("%s" if v.numeric else f"%-{v.length}s" for v in self.variables)
        self._row_length = sum(v.length for v in self.variables)
        self._fh: BinaryIO | None = None
        self._written = 0
        self.rows = 0

    def __enter__(self) -> XportWriter:
        self._fh = open(self.path, "wb")
        now = _stamp(datetime.now())
        head = b"SAS     SAS     SASLIB  9.4     " + b"Linux   " + b" " * 24 + now
        member = (b"SAS     " + _text(self.dataset, 8, "dataset name") + b"SASDATA 9.4     Linux   "
                  + b" " * 24 + now)
        member2 = now + b" " * 16 + _text(self.label, 40, "dataset label") + b" " * 8
        names = f"HEADER RECORD*******NAMESTR HEADER RECORD!!!!!!!000000{len(self.variables):04d}" \
                f"00000000000000000000  ".encode("ascii")
        self._fh.write(_LIB + head + now + b" " * 64 + _MEM + _DSC + member + member2 + names)
        block = b""
        position = 0
        for n, var in enumerate(self.variables, start=1):
            block += _namestr(var, n, position)
            position += var.length
        self._fh.write(block + b" " * (-len(block) % 80) + _OBS)
        return self

    def write(self, row: Sequence[Any]) -> None:
        """Write one observation: floats/ints/None/'' for numeric columns, str/None for character ones."""
        self.write_many((row,))

    def write_many(self, rows: Iterable[Sequence[Any]], *, fitting: bool = False) -> None:
        """Write observations as ``write`` takes them, in one file write. ``fitting``: the caller has checked
        that every value is text and every character value ASCII within its width (the SDTM writer checks
        each row once for its three files), so the batch does not search its values for non-ASCII again."""
        assert self._fh is not None
        rows = rows if isinstance(rows, list) else list(rows)
        data = self._all_text(rows, fitting)
        if data is None:
            data = b"".join([self._observation(row) for row in rows])
        self._fh.write(data)
        self._written += len(data)
        self.rows += len(rows)

    def _all_text(self, rows: list[Sequence[Any]], fitting: bool = False) -> bytes | None:
        """The observations of rows that are all ASCII text that fits (SDTM: numbers as text too) with one
        pass per column; None when any value is not (those rows take ``_observation``)."""
        width = len(self._numeric)
        if not rows or set(map(len, rows)) != {width}:
            return None
        cells = list(chain.from_iterable(rows))
        if not fitting:
            try:
                if not "".join(cells).isascii():
                    return None
            except TypeError:   # not all text
                return None
        for i in self._numeric_index:
            cells[i::width] = map(_number_text, cells[i::width])
        line = (self._percent * len(rows)) % tuple(cells)   # every value is text here: %-Ns is str.ljust
        # a value longer than its width makes the line longer: the careful path names it
        return line.encode("latin-1") if len(line) == self._row_length * len(rows) else None

    def _observation(self, row: Sequence[Any]) -> bytes:
        """One observation's bytes."""
        # Fast path: one str.format over the row, numbers as cached latin-1 text of their 8 bytes. Only for
        # ASCII text that fits (then characters are bytes); anything else takes the careful path, which raises.
        if len(row) != len(self._numeric):
            raise ValueError(f"{self.dataset}: {len(row)} values for {len(self._numeric)} variables")
        try:   # a row of text (SDTM: numbers as text too): one C-level check that it is all ASCII
            ascii_text = "".join(row).isascii()
            cells = list(row)
            for i in self._numeric_index:
                cells[i] = _number_text(cells[i])
        except TypeError:   # not all text
            cells = [_number_text(v if v is None or isinstance(v, str) else float(v)) if numeric
                     else ("" if v is None else v) for numeric, v in zip(self._numeric, row, strict=True)]
            try:
                ascii_text = "".join([cells[i] for i in self._text_index]).isascii()   # TypeError: not all text
            except TypeError:
                ascii_text = False
        if ascii_text:
            line = self._format.format(*cells)
            data = line.encode("latin-1") if len(line) == self._row_length else self._careful(row)
        else:
            data = self._careful(row)
        return data

    def _careful(self, row: Sequence[Any]) -> bytes:
        out = []
        for (numeric, width, name), value in zip(self._layout, row, strict=True):
            if numeric:
                out.append(_number_bytes(value if value is None or isinstance(value, str) else float(value)))
            else:
                raw = b"" if value is None else str(value).encode("utf-8")
                if len(raw) > width:
                    raise XportLimit(f"{self.dataset}.{name}: {value!r} is longer than {width} bytes")
                out.append(raw.ljust(width, b" "))
        return b"".join(out)

    def write_all(self, rows: Iterable[Sequence[Any]]) -> int:
        for row in rows:
            self.write(row)
        return self.rows

    def __exit__(self, *exc: object) -> None:
        assert self._fh is not None
        self._fh.write(b" " * (-self._written % 80))
        self._fh.close()
