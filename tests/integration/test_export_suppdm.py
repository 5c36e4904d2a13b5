"""SUPPDM: a DM value that does not fit its variable (too long, or non-ASCII text replaced by the marker) is split
into SUPPDM like the AE values into SUPPAE (SDTMIG 3.4 §4.5.3.2), with IDVAR and IDVARVAL empty (DM has one record
per subject, §8.4), and export-report.csv lists it. Real files: the export's own SubmissionFiles over the study's
own DM metadata; read back with pyreadstat."""

from __future__ import annotations

import csv
from pathlib import Path

import pyreadstat

from server.exports.sdtm_design import DESIGN, design_widths
from server.exports.sdtm_files import SubmissionFiles
from server.exports.sdtm_model import DOMAINS, LAZY_DATASETS, dataset_widths
from shared.study.loader import load_study
from tests.studies import STUDY_FILES

LONG_TEXT = "Received the comparator for two weeks then the study drug after a dispensing error at the site " * 3
CHINESE = "对照药组"      # an arm named in Chinese in a study file


def _csv(path: Path) -> list[dict[str, str]]:
    with open(path, encoding="utf-8", newline="") as fh:
        return list(csv.DictReader(fh))


def test_a_long_and_a_non_ascii_dm_value_go_to_suppdm_with_empty_idvar(tmp_path: Path) -> None:
    study = load_study(STUDY_FILES["synthetic_two_arm"])
    widths = {**dataset_widths(study), **design_widths(study)}
    dm_vars = DOMAINS["DM"][1]
    values = {"STUDYID": study.study.id, "DOMAIN": "DM", "USUBJID": f"{study.study.id}-S1-001", "SUBJID": "001",
              "SITEID": "S1", "SEX": "F", "COUNTRY": "CHN", "ARMNRS": "UNPLANNED TREATMENT",
              "ACTARMUD": LONG_TEXT, "ARM": CHINESE}
    with SubmissionFiles(tmp_path, study, {**DOMAINS, **DESIGN}, widths, lazy=LAZY_DATASETS) as files:
        files.write("DM", [str(values.get(v.name, "")) for v in dm_vars])
    dm = _csv(tmp_path / "dm.csv")[0]
    supp = _csv(tmp_path / "suppdm.csv")
    assert len(dm["ACTARMUD"]) <= widths[("DM", "ACTARMUD")]
    assert {r["RDOMAIN"] for r in supp} == {"DM"} and {r["USUBJID"] for r in supp} == {values["USUBJID"]}
    assert {(r["IDVAR"], r["IDVARVAL"]) for r in supp} == {("", "")}
    qnams = [r["QNAM"] for r in supp]
    assert qnams == ["ARM1", "ACTARMU1", "ACTARMU2"]          # in DM variable order, then chunk order
    # the parts read back in order give the whole value (trailing blank dropped, as SAS keeps none)
    actarmud = dm["ACTARMUD"] + "".join(r["QVAL"] for r in supp if r["QNAM"].startswith("ACTARMU"))
    assert actarmud == LONG_TEXT.rstrip()
    assert all(len(r["QVAL"].encode()) <= 200 and r["QVAL"].isascii() for r in supp)
    frame, meta = pyreadstat.read_xport(str(tmp_path / "suppdm.xpt"))
    assert list(frame["QNAM"]) == qnams and meta.table_name.upper() == "SUPPDM"
    report = _csv(tmp_path / "export-report.csv")
    assert {(r["dataset"], r["variable"], r["rule"]) for r in report} >= {
        ("DM", "ACTARMUD", "split into SUPPDM"), ("DM", "ARM", "replaced"), ("DM", "ARM", "split into SUPPDM")}
    assert any(r["original_value"] == CHINESE for r in report)
