"""The ADaM datasets of one export scope, built in one pass over the participants: what the report reads.

``build_adam(conn, study, scope=...)`` -> ``AdamDatasets(adsl, adqs, adlb, adae)``, each a list of dicts keyed
by ADaM variable names, sorted by USUBJID then (BDS) PARAMN, ADT, or (ADAE) AESEQ; ``participant_datasets`` yields
the same rows one participant at a time (what ``export adam`` streams). Values: character variables
are str ("" when empty), numeric ones int/float or None, dates ``datetime.date`` or None.

What the report reads (a stable interface; the rules are in each module's docstring):
- ADSL  (adsl.py)  USUBJID SUBJID SITEID AGE AGEU SEX ARM ARMCD (= participants.csv ``arm``) TRT01P TRT01PN
        TRT01A TRT01AN RANDFL SAFFL FASFL COMPLFL (Y/N) RFICDT RANDDT TRTSDT TRTEDT TRTDURD COMPLPCT (dosing
        compliance %) EOSSTT (COMPLETED/DISCONTINUED/ONGOING) DCSREAS DCSREASP EOSDT, and the baseline
        covariates ``<PARAMCD[:6]>BL`` of ``adsl.baseline_covariates(study)`` (e.g. ESSDAIBL, TREGPCBL).
- ADQS  (adqs.py)  and ADLB (adlb.py), BDS: USUBJID SITEID ARMCD TRTP TRTPN TRTA TRTAN SAFFL FASFL PARAMCD PARAM
        PARAMN PARCAT1 AVISIT AVISITN (planned day; None for unscheduled) ADT ADY AVAL BASE CHG PCHG ABLFL ANL01FL
        ("Y" or ""); QSSPID / LBSPID the source record; ADLB also ANRLO ANRHI ANRIND BNRIND ATOXGR ATOXGRN
        BTOXGR BTOXGRN. Parameters: ``adqs.qs_params(study)``, ``study.lab_tests`` (primary:
        ``study.primary_lab_test()``). An analysis value at a visit: ANL01FL == "Y" and AVISITN == visit.day.
- ADAE  (adae.py)  USUBJID SITEID ARMCD TRTA SAFFL AESEQ AESPID AETERM AEDECOD AEPTCD AEBODSYS AEBDSYCD ASTDT
        AENDT ASTDY AENDY TRTEMFL AESEV AETOXGR ATOXGR ATOXGRN AESER AESDTH AOUT AESUSAR ARELFL ARELINC and per
        drug n of ``adae.drug_variables(study)``: AREL<n> AREL<n>FL AEXP<n>.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy import Connection

from server.analysis.adae import adae_rows
from server.analysis.adlb import adlb_rows
from server.analysis.adqs import adqs_rows, qs_params
from server.analysis.adsl import adsl_row, baseline_covariates, full_analysis, randomisation_day, subject_ids
from server.exports.current import ALL, ExportScope, ParticipantData, participants_with_data
from server.exports.sdtm import diary_id
from server.exports.sdtm_timing import Timing, timing
from server.services.ae_review import AeReviewer
from shared.compliance import Compliance, compliance_of
from shared.study.model import Study

Rows = list[dict[str, Any]]


@dataclass(frozen=True)
class AdamDatasets:
    """The four analysis datasets of one scope (see the module docstring for their variables)."""

    adsl: Rows
    adqs: Rows
    adlb: Rows
    adae: Rows


@dataclass(frozen=True)
class ParticipantAnalysis:
    """One participant's datasets and what they were derived from, for a caller that needs more of the
    participant than the datasets (the report's compliance listing and flow): worked out once, not again."""

    datasets: AdamDatasets
    timing: Timing              # TRTSDT = ``timing.rfxstdtc``, the first-dose date
    compliance: Compliance      # ``shared.compliance.compliance`` of the participant's diaries (none: all zero)


def participant_analyser(conn: Connection, study: Study, *,
                         scope: ExportScope = ALL) -> Callable[[ParticipantData], ParticipantAnalysis | None]:
    """A function from one participant of ``participants_with_data(conn, scope)`` to their analysis, None when
    they are not in the datasets (no arm, or randomised after the scope's ``--to``). Call it on the
    participants in participant id order, inside the caller's unit of work (``reading()``)."""
    diary = diary_id(study)
    # TRTSDT, worked out below from every record of the participant, is the first dose the AE review needs (as in
    # the SDTM export); with a date range the records are cut, so the reviewer reads the first doses itself
    whole = scope.date_from is None and scope.date_to is None
    first_doses: dict[str, date | None] | None = {} if whole else None
    reviewer = AeReviewer(conn, study, site_id=scope.site_id, first_doses=first_doses)
    primary = study.primary_lab_test()
    params, covariates = qs_params(study), baseline_covariates(study)   # once per export, not per participant

    def analyse(pd: ParticipantData) -> ParticipantAnalysis | None:
        p = pd.participant
        if not p.get("arm"):
            return None
        randomised = randomisation_day(study, p)
        if scope.date_to is not None and randomised is not None and randomised > scope.date_to:
            return None
        t = timing(study, pd, diary, as_of=scope.as_of(study, p["site_id"]))
        if first_doses is not None:
            first_doses[p["participant_id"]] = t.rfxstdtc
        exposure = t.exposure_of(study, pd, diary)    # the diaries as timing read them (read once)
        base_day = exposure.baseline                  # shared.exposure.baseline_date of the records
        subject = subject_ids(study, pd, t.rfxstdtc is not None)
        labs = adlb_rows(study, pd, subject, first_dose=t.rfxstdtc, baseline_day=base_day)
        scores = adqs_rows(study, pd, subject, first_dose=t.rfxstdtc, baseline_day=base_day, params=params)
        fas = "Y" if full_analysis(labs, primary and primary.code) else "N"
        for row in (*labs, *scores):
            row["FASFL"] = fas
        c = compliance_of(exposure, study, p["arm"])   # a home entry wins its date
        pct = c.compliance_pct if exposure.reads else None
        return ParticipantAnalysis(
            AdamDatasets(adsl=[adsl_row(study, pd, t, compliance_pct=pct, adqs=scores, adlb=labs,
                                        covariates=covariates)], adqs=scores,
                         adlb=labs, adae=adae_rows(study, pd, {**subject, "FASFL": fas}, reviewer,
                                                   first_dose=t.rfxstdtc)), t, c)
    return analyse


def participant_datasets(conn: Connection, study: Study, *, scope: ExportScope = ALL) -> Iterator[AdamDatasets]:
    """The datasets of each participant randomised in ``scope`` in turn (participant id order; rows within one
    participant in dataset order), so a writer can stream them: memory holds one participant at a time.

    Runs inside the caller's unit of work (``reading()``)."""
    analyse = participant_analyser(conn, study, scope=scope)
    for pd in participants_with_data(conn, scope):
        found = analyse(pd)
        if found is not None:
            yield found.datasets


def build_adam(conn: Connection, study: Study, *, scope: ExportScope = ALL,
               keep: Callable[[AdamDatasets], AdamDatasets] | None = None) -> AdamDatasets:
    """ADSL, ADQS, ADLB and ADAE of the participants randomised in ``scope`` (site; ``--to``: randomised by
    then), from the current revisions of their records and lab results within the scope's dates.

    ``keep`` cuts each participant's datasets down as they are built (the report keeps only what its tables
    read, so memory does not hold every score record of the study). Runs inside the caller's unit of work
    (``reading()``); the same data and scope give equal datasets."""
    parts = participant_datasets(conn, study, scope=scope)
    return combined(parts if keep is None else map(keep, parts))


def combined(parts: Iterable[AdamDatasets]) -> AdamDatasets:
    """One dataset of each kind from the participants' datasets, sorted like ``build_adam``'s."""
    adsl: Rows = []
    adqs: Rows = []
    adlb: Rows = []
    adae: Rows = []
    for part in parts:
        adsl += part.adsl
        adqs += part.adqs
        adlb += part.adlb
        adae += part.adae
    key = by_usubjid
    return AdamDatasets(adsl=sorted(adsl, key=key), adqs=sorted(adqs, key=key), adlb=sorted(adlb, key=key),
                        adae=sorted(adae, key=key))


def by_usubjid(row: dict[str, Any]) -> str:
    """The sort key of every dataset (a stable sort keeps each participant's rows in their order)."""
    return str(row["USUBJID"])
