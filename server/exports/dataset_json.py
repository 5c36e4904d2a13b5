"""A streaming CDISC Dataset-JSON v1.1 writer (one JSON document per dataset, not NDJSON).

The metadata is written first, then one row at a time into ``rows``; ``records`` (the row count) is
written last, after the rows, which JSON allows (members are unordered), so nothing is held in memory.
Character values are strings ("" when empty), numeric values numbers or null when missing, so the file
holds exactly what the .xpt holds; ISO 8601 date columns (ADaM: a SAS date in the .xpt) are null when
missing. Column OIDs match the ItemDef OIDs of define.xml (``IT.<dataset>.<variable>``), the dataset OID its
ItemGroupDef (``IG.<dataset>``).
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from types import TracebackType
from typing import Any, BinaryIO

import orjson

VERSION = "1.1.0"


@dataclass(frozen=True)
class JsonColumn:
    """One column: name, label, Dataset-JSON data type (string, integer, double…) and length in bytes."""

    name: str
    label: str
    data_type: str
    length: int | None = None
    key_sequence: int | None = None
    target_data_type: str | None = None     # "integer" for a date the .xpt holds as a SAS date number
    display_format: str | None = None       # e.g. "DATE9."


class DatasetJsonWriter:
    """Write one dataset as ``path``; use as a context manager, then ``write`` each row."""

    def __init__(self, path: Path, *, name: str, label: str, columns: Sequence[JsonColumn], study_oid: str,
                 metadata_version_oid: str, created_at: str, originator: str, source_system: tuple[str, str],
                 reference_data: bool = False) -> None:
        self.path, self.name, self.columns = path, name, list(columns)
        self._head = {
            "creationDateTime": created_at, "datasetJSONVersion": VERSION,
            "fileOID": f"{study_oid}.{name}", "asOfDateTime": created_at, "originator": originator,
            "sourceSystem": {"name": source_system[0], "version": source_system[1]}, "studyOID": study_oid,
            "metaDataVersionOID": metadata_version_oid, "metaDataRef": "define.xml", "itemGroupOID": f"IG.{name}",
            "isReferenceData": reference_data, "name": name, "label": label,
            "columns": [self._column(c) for c in self.columns]}
        self._numeric = [(i, c.data_type == "integer") for i, c in enumerate(self.columns)
                         if c.data_type in ("integer", "double", "float", "decimal")]
        self._dates = {i for i, c in enumerate(self.columns) if c.data_type in ("date", "datetime", "time")}
        self._fh: BinaryIO | None = None
        self.rows = 0

    def _column(self, c: JsonColumn) -> dict[str, Any]:
        col: dict[str, Any] = {"itemOID": f"IT.{self.name}.{c.name}", "name": c.name, "label": c.label,
                               "dataType": c.data_type}
        if c.length is not None:
            col["length"] = c.length
        if c.key_sequence is not None:
            col["keySequence"] = c.key_sequence
        if c.target_data_type is not None:
            col["targetDataType"] = c.target_data_type
        if c.display_format is not None:
            col["displayFormat"] = c.display_format
        return col

    def __enter__(self) -> DatasetJsonWriter:
        self._fh = open(self.path, "wb")
        head = json.dumps(self._head, ensure_ascii=False, separators=(",", ":"))
        self._fh.write(head[:-1].encode("utf-8") + b',"rows":[')
        return self

    def write(self, row: Sequence[Any]) -> None:
        """One row in column order: text for character columns, text/number/None for numeric ones."""
        self.write_many((row,))

    def write_many(self, rows: Iterable[Sequence[Any]], *, fitting: bool = False) -> None:
        """Rows as ``write`` takes them, in one file write (orjson: the same JSON as the standard encoder gives,
        compact, UTF-8; numbers may be spelt differently, e.g. 1e-5 for 1e-05, which is the same number).
        ``fitting``: the caller has checked that every value is text (no None to look for)."""
        assert self._fh is not None
        rows = rows if isinstance(rows, list) else list(rows)
        batch = self._all_text(rows, fitting)
        if batch is not None:
            if batch:
                self._fh.write((b"\n" if self.rows == 0 else b",\n") + batch)
                self.rows += len(rows)
            return
        dumps, number, numeric, dates, width = orjson.dumps, self._number, self._numeric, self._dates, len(self.columns)
        out = []
        for row in rows:
            if len(row) != width:
                raise ValueError(f"{self.name}: {len(row)} values for {width} columns")
            if dates or None in row:
                values = [None if v is None and i in dates else ("" if v is None else v) for i, v in enumerate(row)]
            else:   # the usual case (SDTM: every value as text)
                values = list(row)
            for i, integer in numeric:
                values[i] = number(values[i], integer)
            out.append(dumps(values))
        if out:
            self._fh.write((b"\n" if self.rows == 0 else b",\n") + b",\n".join(out))
            self.rows += len(out)

    def _all_text(self, rows: list[Sequence[Any]], fitting: bool = False) -> bytes | None:
        """The rows as ``write_many`` writes them, for a batch without None and date columns (SDTM: every value
        as text): turned into columns once (the numeric ones converted column by column) and back into rows
        that orjson dumps one by one in C-level loops; None for any other batch (it takes the row-by-row way)."""
        width = len(self.columns)
        if self._dates or not rows:
            return None if self._dates else b""
        if set(map(len, rows)) != {width}:
            return None
        columns: list[Any] = list(zip(*rows, strict=True))
        if not fitting and any(None in column for column in columns):
            return None
        for i, integer in self._numeric:
            columns[i] = list(map(_integer if integer else _double, columns[i]))
        return b",\n".join(map(orjson.dumps, zip(*columns, strict=True)))

    @staticmethod
    def _number(v: Any, integer: bool) -> Any:
        return _integer(v) if integer else _double(v)

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        assert self._fh is not None
        self._fh.write(f'\n],"records":{self.rows}}}\n'.encode("ascii"))
        self._fh.close()


@lru_cache(maxsize=65536)
def _integer(v: Any) -> Any:
    """A value of an integer column: None when missing ("" or None), an int when whole, else the float."""
    if v is None or v == "":
        return None
    f = float(v)
    return int(f) if f.is_integer() else f


@lru_cache(maxsize=65536)
def _double(v: Any) -> Any:
    """A value of a double (or other numeric) column: None when missing ("" or None), else the float."""
    return None if v is None or v == "" else float(v)
