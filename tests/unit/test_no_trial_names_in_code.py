"""The code knows no trial by name: drugs, arms, visits and instruments come from the study and instrument files.

Every drug, arm, visit and instrument id of the shipped study (NCT05605665, read from its file now) is looked
for, as a whole word in any case, in every ``.py`` file under server/, desktop_client/ and shared/ (comments
and docstrings included). A word counts as whole when no letter or digit touches it, so ``causality_<drug>``
or ``<instrument>_total`` are found too. Code that needs a particular visit or instrument asks the study for
a declared role instead (``study.visit_with_role("baseline")``); the role names are the vocabulary every
study shares, so an id that is also a role name (a visit called "baseline") is not a trial name.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from shared.study import default_study
from shared.study.model import INSTRUMENT_ROLES, VISIT_ROLES

ROOT = Path(__file__).resolve().parents[2]
PACKAGES = ("server", "desktop_client", "shared")


def trial_names() -> dict[str, str]:
    """Each id of the shipped study that code must not name -> what it is."""
    study = default_study()
    names = {d.id: "drug" for d in study.drugs}
    names |= {t.drug: "drug" for a in study.arms for t in a.treatments}
    names |= {a.code: "arm" for a in study.arms}
    names |= {v.id: "visit" for v in study.visits}
    names |= {i.id: "instrument" for i in study.instruments}
    shared_words = set(VISIT_ROLES) | set(INSTRUMENT_ROLES)
    return {n: kind for n, kind in names.items() if n.lower() not in shared_words}


def _pattern(names: dict[str, str]) -> re.Pattern[str]:
    alternatives = "|".join(re.escape(n) for n in sorted(names, key=len, reverse=True))
    return re.compile(rf"(?<![A-Za-z0-9])({alternatives})(?![A-Za-z0-9])", re.IGNORECASE)


def test_the_shipped_study_has_names_to_look_for() -> None:
    names = trial_names()
    assert {"drug", "arm", "visit", "instrument"} <= set(names.values()), names
    assert len(names) >= 10


@pytest.mark.parametrize("package", PACKAGES)
def test_no_drug_arm_visit_or_instrument_id_of_the_trial_appears_in_code(package: str) -> None:
    names = trial_names()
    pattern = _pattern(names)
    found = []
    for path in sorted((ROOT / package).rglob("*.py")):
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
            for match in pattern.finditer(line):
                word = match.group(1)
                kind = next(k for n, k in names.items() if n.lower() == word.lower())
                found.append(f"{path.relative_to(ROOT)}:{number}: {kind} {word!r}: {line.strip()[:100]}")
    assert found == [], "code names this trial; read it from the study file or ask for a role:\n" + "\n".join(found)


def test_the_check_finds_a_name_hidden_in_an_identifier_or_a_comment(tmp_path: Path) -> None:
    pattern = _pattern(trial_names())
    study = default_study()
    drug, arm = study.drugs[0].id, study.arms[0].code
    instrument = study.instruments[0].id
    for line in (f"x = data['causality_{drug}']", f"# the {arm.lower()} arm", f'"""{instrument.upper()}."""'):
        assert pattern.search(line), line
    assert not pattern.search(f"x = {drug}x + y{drug}")  # letters or digits touching: another word
