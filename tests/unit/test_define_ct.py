"""Controlled terminology in define.xml: verified NCI C-codes only, and every term without one is documented."""

from __future__ import annotations

import re
from pathlib import Path

from server.exports.define_meta import CODELISTS

DOCS = Path(__file__).resolve().parents[2] / "docs" / "export-formats.md"


def _documented() -> dict[str, set[str]]:
    text = DOCS.read_text(encoding="utf-8")
    block = text.split("<!-- terms-without-c-code -->")[1].split("<!-- /terms-without-c-code -->")[0]
    out: dict[str, set[str]] = {}
    for item in re.split(r"\n- ", " ".join(block.split("\n  "))):
        m = re.match(r"-? ?(C\d+) [^:]+: (.+)", item.strip())
        if m:
            out.setdefault(m.group(1), set()).update(t.strip() for t in m.group(2).split(", "))
    return out


def test_every_cdisc_term_without_a_c_code_is_listed_in_the_docs_and_nothing_else() -> None:
    missing: dict[str, set[str]] = {}
    for cl in CODELISTS.values():
        if cl.c_code:
            missing.setdefault(cl.c_code, set()).update(
                v for v, (_d, code) in cl.terms.items() if not code and v not in cl.extended)
    assert {k: v for k, v in missing.items() if v} == _documented()


def test_a_term_has_one_c_code_in_every_subset_of_its_cdisc_codelist() -> None:
    codes: dict[tuple[str, str], set[str]] = {}
    for cl in CODELISTS.values():
        for value, (_d, code) in cl.terms.items():
            if cl.c_code:
                codes.setdefault((cl.c_code, value), set()).add(code)
    assert {k: v for k, v in codes.items() if len(v) > 1} == {}      # ORAL in CMROUTE is ORAL in EXROUTE
    assert all(re.fullmatch(r"C\d+", c) for v in codes.values() for c in v if c)


# The CDISC codelist of each variable as the SDTMIG 3.4 specification tables name it (LB, VS, CM, EX, findings).
IG_CODELISTS = {"VSTESTCD": "C66741", "VSTEST": "C67153", "VSORRESU": "C66770", "VSSTRESU": "C66770",
                "VSLOBXFL": "C66742", "VSBLFL": "C66742", "LBORRESU": "C71620", "LBSTRESU": "C71620",
                "LBNRIND": "C78736", "LBSPEC": "C78734", "LBMETHOD": "C85492", "LBLOBXFL": "C66742",
                "LBBLFL": "C66742", "CMDOSU": "C71620", "CMDOSFRQ": "C71113", "EPOCH": "C99079"}


def test_each_variable_uses_the_codelist_its_ig_table_names() -> None:
    from server.exports.define_meta import VARIABLE_CODELIST

    used = {v: CODELISTS[VARIABLE_CODELIST[v]].c_code for v in IG_CODELISTS if v in VARIABLE_CODELIST}
    assert used == IG_CODELISTS


def test_checked_term_codes_are_the_codes_define_xml_writes() -> None:
    from server.exports.define_meta import CHECKED_TERM_CODES

    written = {(cl.c_code, v): c for cl in CODELISTS.values() for v, (_d, c) in cl.terms.items() if cl.c_code}
    assert {k: written.get(k) for k in CHECKED_TERM_CODES if k in written} == {
        k: c for k, c in CHECKED_TERM_CODES.items() if k in written}
    assert ("C66729", "INTRAMUSCULAR") in written and written[("C66729", "INTRAMUSCULAR")] == "C28161"


def test_vstestcd_and_vstest_name_one_nci_concept_per_test() -> None:
    # TEMP / Temperature is C174446 (Body Temperature) in current CT, no longer C25206
    codes = {v: c for v, (_d, c) in CODELISTS["CL.VSTESTCD"].terms.items()}
    names = {d: c for _v, (d, c) in CODELISTS["CL.VSTEST"].terms.items()}
    assert {CODELISTS["CL.VSTESTCD"].terms[v][0]: c for v, c in codes.items()} == names
    assert codes["TEMP"] == "C174446"


def test_dosing_frequencies_are_written_as_cdisc_frequency_terms() -> None:
    # BIW, QW and Q2W are not terms of C71113 (CT 2024-03-29): SDTM writes 2 TIMES PER WEEK, EVERY WEEK, EVERY 2 WEEKS
    from server.exports.define_meta import submission_frequency
    from server.exports.sdtm_ex import FREQUENCY
    from shared.conmed import FREQUENCIES

    written = {submission_frequency(code) for code in FREQUENCIES} | set(FREQUENCY.values())
    assert not written & {"BIW", "QW", "Q2W"}
    assert written <= set(CODELISTS["CL.CMFREQ"].terms) | set(CODELISTS["CL.FREQ"].terms)
    assert all(code for cl in ("CL.FREQ", "CL.CMFREQ") for _d, code in CODELISTS[cl].terms.values())
    assert submission_frequency("BIW") == "2 TIMES PER WEEK" and submission_frequency(None) is None
