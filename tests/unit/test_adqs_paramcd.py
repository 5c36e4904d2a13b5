"""ADQS: one PARAMCD is one parameter, even when two instruments name a score alike (the clinic's symptom
checklist and its home version both count ``symptoms_present``; before, both became SYMPTOMS and the ADaM
export and the study report stopped with a KeyError on the demo)."""

from pathlib import Path

import pytest

from server.analysis.adqs import qs_params
from shared.study.loader import load_study

ROOT = Path(__file__).resolve().parents[2]
STUDIES = [ROOT / "shared/study/studies/nct05605665.toml", ROOT / "tests/studies/synthetic_two_arm.toml"]


@pytest.mark.parametrize("path", STUDIES, ids=lambda p: p.stem)
def test_every_adqs_parameter_has_a_paramcd_of_its_own(path: Path) -> None:
    params = qs_params(load_study(path))
    codes = [p.paramcd for p in params]
    assert len(codes) == len(set(codes)), codes
    assert all(1 <= len(c) <= 8 and c.isalnum() and c.upper() == c for c in codes), codes


def test_a_score_named_like_another_instruments_keeps_the_first_code_and_the_second_names_its_instrument() -> None:
    study = load_study(STUDIES[0])
    by_instrument = {(p.instrument_id, p.score): p.paramcd for p in qs_params(study)}
    shared_names = [k for k in by_instrument if k[1] == "symptoms_present"]
    assert len(shared_names) == 2, shared_names
    first, second = sorted(shared_names, key=lambda k: [p.instrument_id for p in qs_params(study)].index(k[0]))
    assert by_instrument[first] == "SYMPTOMS"
    assert by_instrument[second] != "SYMPTOMS"
    assert by_instrument[second].startswith(second[0].upper().replace("_", "")[:4])
