"""Reading a MedDRA release in its ASCII layout, on the synthetic file set (NOT MedDRA: made-up terms and
99xxxxxx codes in MedDRA's $-delimited files), and exact-match auto-coding."""

from __future__ import annotations

import pytest

from server.services.meddra import SYNTHETIC_DICTIONARY
from shared.errors import MeddraFilesInvalid
from shared.meddra import auto_code, parse_release, term_key


def files() -> dict[str, list[str]]:
    return {p.name: p.read_text(encoding="utf-8").splitlines() for p in SYNTHETIC_DICTIONARY.glob("*.asc")}


def test_the_synthetic_set_is_labelled_not_meddra_and_reads_whole() -> None:
    assert "NOT MedDRA" in (SYNTHETIC_DICTIONARY / "README.txt").read_text(encoding="utf-8")
    release = parse_release(files())
    assert release.version == "0.0 SYNTHETIC (NOT MedDRA)"
    assert len(release.llts) == 9 and len(release.pts) == 5
    assert all(str(t.code).startswith("99") for t in release.llts)
    # a PT with two paths is coded along its primary one (primary_soc_fg Y), not the secondary one
    injection = next(p for p in release.pts if p.name.startswith("Injection site reaction"))
    assert injection.soc_name.startswith("Synthetic general disorders") and injection.hlt_code == 99200005


def test_auto_coding_is_an_exact_match_of_the_translation_first_then_the_verbatim_term() -> None:
    release = parse_release(files())
    by_key = {term_key(t.name): t for t in release.llts}
    assert auto_code("发热", "  fever ", by_key).name == "Fever"           # case and spaces do not count
    assert auto_code("Oral  ULCER", None, by_key).name == "Oral ulcer"
    assert auto_code("Feverish", None, by_key) is None                    # no fuzzy matching
    assert auto_code("口腔溃疡", None, by_key) is None


@pytest.mark.parametrize(("name", "change", "field"), [
    ("llt.asc", lambda lines: ["abc$Fever$99300001$$$$$$$Y$$", *lines[1:]], "llt.asc:1:llt_code"),
    ("llt.asc", lambda lines: ["99400001$Fever$99399999$$$$$$$Y$$", *lines[1:]], "llt.asc:1:pt_code"),
    ("mdhier.asc", lambda lines: lines[1:], "mdhier.asc:pt_code:99300001"),
    ("soc.asc", lambda lines: lines[1:], "mdhier.asc:1:soc_code"),
    ("hlt_pt.asc", lambda lines: lines[1:], "hlt_pt.asc"),
    ("pt.asc", lambda lines: ["99300001$Pyrexia"], "pt.asc:1"),
])
def test_a_broken_release_is_refused_naming_file_line_and_field(name, change, field) -> None:
    given = files()
    given[name] = change(given[name])
    with pytest.raises(MeddraFilesInvalid) as refused:
        parse_release(given)
    assert field in [p.field for p in refused.value.problems], refused.value.message
    assert "nothing was stored" in refused.value.message


def test_a_missing_file_is_named() -> None:
    given = files()
    del given["mdhier.asc"]
    with pytest.raises(MeddraFilesInvalid) as refused:
        parse_release(given)
    assert [p.field for p in refused.value.problems] == ["mdhier.asc"]
