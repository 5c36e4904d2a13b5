"""The streaming SAS XPORT v5 writer: values read back exactly with pyreadstat; what does not fit is refused."""

from __future__ import annotations

import math
import random
from pathlib import Path

import pyreadstat
import pytest

from server.exports.xport import XportVariable, XportWriter, ibm_double
from shared.errors import XportLimit


def test_numbers_and_text_read_back_exactly(tmp_path: Path) -> None:
    rng = random.Random(1)
    numbers: list[float | None] = [0.0, 1.5, -0.01, 123456.789, 1e-30, -7.25e20, 2.5e-58, None]
    numbers += [rng.uniform(-1e9, 1e9) for _ in range(300)] + [rng.random() for _ in range(300)]
    words = ["NCT05605665", "", "低剂量IL-2", "x" * 20] * (len(numbers) // 4 + 1)
    variables = [XportVariable("TEXT", "Some text", False, 20), XportVariable("NUM", "A number", True)]
    with XportWriter(tmp_path / "t.xpt", "TT", "Test data", variables) as w:
        for n, word in zip(numbers, words, strict=False):
            w.write([word, n])
    df, meta = pyreadstat.read_xport(str(tmp_path / "t.xpt"), encoding="utf-8")
    assert meta.table_name == "TT" and meta.column_labels == ["Some text", "A number"] and len(df) == len(numbers)
    for i, n in enumerate(numbers):
        got = df["NUM"][i]
        assert (n is None and math.isnan(got)) or got == n, (n, got)
        assert df["TEXT"][i] == words[i]


def test_ibm_double_matches_known_bytes() -> None:
    assert ibm_double(1.5) == bytes.fromhex("4118000000000000")
    assert ibm_double(-1.0) == bytes.fromhex("C110000000000000")
    assert ibm_double(0.0) == bytes(8) and ibm_double(None) == b"." + bytes(7)


def test_what_does_not_fit_is_refused_never_cut(tmp_path: Path) -> None:
    with pytest.raises(XportLimit, match="longer than 8 bytes"):
        with XportWriter(tmp_path / "a.xpt", "AE", "Adverse Events", [XportVariable("AETERM", "Term", False, 8)]) as w:
            w.write(["Injection site reaction"])
    with pytest.raises(XportLimit, match="name must be 1-8"):
        XportWriter(tmp_path / "b.xpt", "AE", "x", [XportVariable("TOOLONGNAME", "x", False, 8)])
    with pytest.raises(XportLimit, match="longer than 40"):
        with XportWriter(tmp_path / "c.xpt", "AE", "x", [XportVariable("A", "L" * 41, False, 8)]):
            pass
