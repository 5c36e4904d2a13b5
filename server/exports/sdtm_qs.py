"""SDTM QS: one row per item and score of each questionnaire response that its instrument file gives a test code.

QS is most of an SDTM export (hundreds of thousands of rows in a large study), so its rows are built as text
lists in the variable order of ``sdtm_model.DOMAINS["QS"]`` straight away (no dict per row): what is the same
for every test of a response (subject, visit, dates, evaluator) is worked out once per response, what is the
same for every response of a test (code, name, category, unit) once per study.
QSEVAL = INVESTIGATOR for clinician-rated instruments, STUDY SUBJECT for the participant's; QSDRVFL = Y for a
score (derived, not answered); QSLOBXFL and QSBLFL = Y on the last non-missing result of each test on or before
the first dose date (RFXSTDTC); a home entry's rows get SUPPQS COLSRC = HOME (issue 24).
"""

from __future__ import annotations

from server.exports.current import ParticipantData
from server.exports.sdtm_ex import source_supp
from server.exports.sdtm_files import Supp
from server.exports.sdtm_model import number_text
from server.exports.sdtm_timing import Timing, site_dtc
from shared.instruments import get_instrument
from shared.instruments.model import Instrument, Score
from shared.study.model import Study

QsTest = tuple[str, str, str, str, str, str]
# the order qs_rows writes its values in: sdtm_model's QS variables (a unit test keeps the two equal)
QS_VARIABLES = ("STUDYID", "DOMAIN", "USUBJID", "QSSEQ", "QSSPID", "QSTESTCD", "QSTEST", "QSCAT", "QSORRES",
                "QSORRESU", "QSSTRESC", "QSSTRESN", "QSSTRESU", "QSLOBXFL", "QSBLFL", "QSDRVFL", "QSEVAL",
                "VISITNUM", "VISIT", "EPOCH", "QSDTC", "QSDY")
_ORRES, _LOBXFL, _BLFL, _DTC = (QS_VARIABLES.index(n) for n in ("QSORRES", "QSLOBXFL", "QSBLFL", "QSDTC"))


def qs_tests(study: Study) -> tuple[QsTest, ...]:
    """QS tests (instrument, item or score name, QSTESTCD, QSTEST, QSCAT, unit): every item and score of the
    study's instruments that its instrument file gives an SDTM test code."""
    out: list[QsTest] = []
    for inst in study.instrument_definitions():
        cat = inst.qs_category or inst.id.upper()
        out += [(inst.id, it.id, it.qs_testcd, it.qs_test or it.qs_testcd, cat, it.qs_unit or "")
                for it in inst.items if it.qs_testcd]
        out += [(inst.id, sc.name, sc.qs_testcd, sc.qs_test or sc.qs_testcd, cat, "")
                for sc in inst.scores if sc.qs_testcd]
    return tuple(out)


_QS_BY_INSTRUMENT: dict[int, tuple[Study, dict[str, list[QsTest]]]] = {}


def _qs_tests_by_instrument(study: Study) -> dict[str, list[QsTest]]:
    """``qs_tests`` by instrument id, worked out once per study object (QS asks for every response)."""
    known = _QS_BY_INSTRUMENT.get(id(study))
    if known is None or known[0] is not study:
        by: dict[str, list[QsTest]] = {}
        for test in qs_tests(study):
            by.setdefault(test[0], []).append(test)
        known = _QS_BY_INSTRUMENT[id(study)] = (study, by)
    return known[1]


def qs_rows(study: Study, pd: ParticipantData, t: Timing, usubjid: str) -> list[tuple[list[str], list[Supp]]]:
    """The QS rows of one participant as text in QS_VARIABLES order, with each row's supplemental qualifiers."""
    by_instrument = _qs_tests_by_instrument(study)
    study_id = study.study.id
    first_dose = t.rfxstdtc.isoformat() if t.rfxstdtc is not None else None
    visits: dict[str | None, tuple[str, str]] = {}
    rows: list[tuple[list[str], list[Supp]]] = []
    last: dict[str, list[str]] = {}          # test code -> its last non-missing row on or before the first dose
    seq = 0
    for rec in pd.records:
        if rec["kind"] != "instrument_response":
            continue
        tests = by_instrument.get(rec["instrument_id"])
        if not tests:
            continue
        inst = get_instrument(rec["instrument_id"], rec.get("instrument_version"))
        data = rec["data"]
        scores = _scores_of(inst)         # computed below only for the tests that ask (Instrument.score's rules)
        visit_id = rec.get("visit_id")
        visit = visits.get(visit_id)
        if visit is None:
            visit = visits[visit_id] = _visit(study, visit_id)
        dtc = site_dtc(rec["collected_at"], study, rec.get("site_id"))
        epoch, day = t.epoch(dtc), number_text(t.study_day(dtc))   # the same for every test of the response
        evaluator = "INVESTIGATOR" if inst.respondent == "clinician" else "STUDY SUBJECT"
        before_dose = bool(first_dose and dtc and dtc[:10] <= first_dose)
        supp = source_supp(rec)                  # never changed by the writer (it copies before adding)
        rid, dtc_text = rec["record_id"], dtc or ""
        for _inst, key, code, test, cat, unit in tests:
            score = scores.get(key)
            v = score.compute(data) if score is not None else data.get(key)
            if v is None:
                continue
            seq += 1
            text = number_text(v)
            row = [study_id, "QS", usubjid, str(seq), rid, code, test, cat, text, unit, text, text, unit, "", "",
                   "Y" if score is not None and key not in data else "", evaluator, visit[0], visit[1], epoch,
                   dtc_text, day]
            rows.append((row, supp))
            if before_dose and text != "":          # rows are in collection order: a later one replaces
                last[code] = row
    for row in last.values():
        row[_LOBXFL] = row[_BLFL] = "Y"
    return rows


_SCORES: dict[int, tuple[Instrument, dict[str, Score]]] = {}


def _scores_of(inst: Instrument) -> dict[str, Score]:
    """The instrument's declared scores by name (what ``Instrument.score`` computes), once per instrument
    object: QS computes only the scores that have a test code, not every score of every response."""
    known = _SCORES.get(id(inst))
    if known is None or known[0] is not inst:
        if len(_SCORES) > 1000:
            _SCORES.clear()
        known = _SCORES[id(inst)] = (inst, {sc.name: sc for sc in inst.scores})
    return known[1]


def _visit(study: Study, visit_id: str | None) -> tuple[str, str]:
    """VISITNUM (as text) and VISIT of a visit id; empty for an unknown one."""
    try:
        v = study.visit(visit_id or "")
    except KeyError:
        return "", ""
    return number_text(v.number), v.label
