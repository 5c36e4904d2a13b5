"""What pharmacovigilance reads off each adverse event on the server: MedDRA coding (a data manager's choice,
else exact-match auto-coding against the imported release), treatment emergence from the first-dose date,
expectedness per drug of the arm, the SUSAR flag, the 24-hour SAE clock and whether the SAE was reported.

One ``AeReviewer`` per unit of work serves an export or a page: it reads the small tables once and looks up
each distinct verbatim term once. The rules are ``shared/pharmacovigilance.py`` and ``shared/meddra.py``.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import Connection

from server.services.exposure import first_dose_dates
from server.storage import ae_reviews
from server.storage import meddra as meddra_store
from shared import pharmacovigilance as pv
from shared.meddra import term_key
from shared.study.model import Study

CODING_FIELDS = ("llt_code", "llt_name", "pt_code", "pt_name", "hlt_code", "hlt_name", "hlgt_code", "hlgt_name",
                 "soc_code", "soc_name", "soc_abbrev")


@dataclass(frozen=True)
class AeReview:
    """The derived pharmacovigilance facts of one AE (newest revision)."""

    record_id: str
    emergence: str | None                 # pv.PRE_TREATMENT / pv.TREATMENT_EMERGENT / None (onset unknown)
    first_dose: date | None
    coding: dict[str, Any] | None         # CODING_FIELDS + method ("manual" or "auto"); None when not coded
    expected: dict[str, bool]             # drug of the arm -> listed as expected for it
    susar_drugs: tuple[str, ...]          # drugs it is a suspected unexpected serious adverse reaction to
    needs_translation: bool
    missing_translation: bool
    serious: bool
    deadline: datetime | None             # 24 h after the site's awareness
    report: dict[str, Any] | None         # the staff mark that it was reported to the sponsor

    @property
    def susar(self) -> bool:
        return bool(self.susar_drugs)

    @property
    def awaiting_report(self) -> bool:
        """A serious AE not yet marked as reported: its alert stays up."""
        return self.serious and self.report is None

    def overdue(self, now: datetime) -> bool:
        return self.awaiting_report and self.deadline is not None and now > self.deadline


class AeReviewer:
    """Reviews AEs read in one unit of work (``conn``); ``site_id`` narrows the first-dose read to one site."""

    def __init__(self, conn: Connection, study: Study, *, site_id: str | None = None,
                 participant_ids: Iterable[str] | None = None, record_ids: Iterable[str] | None = None,
                 first_doses: Mapping[str, date | None] | None = None) -> None:
        """``participant_ids``: review only AEs of these participants (a page of the AE list), so the first-dose
        dates are read for them alone, up front. ``record_ids``: review only these AE reports, so only their
        codings and SAE report marks are read (not every one of the study). ``first_doses``: the first-dose
        dates by participant where the caller works them out anyway (the SDTM export's reference dates, filled
        in before each participant's AEs). Otherwise (an export's reviewer) a participant's first dose is read
        when one of their AEs is first reviewed, so the dosing diaries of participants without an AE are never
        read (issue 25: that was a whole extra pass over the diaries of the study)."""
        self.conn, self.study, self._site_id = conn, study, site_id
        self.release = meddra_store.release(conn)
        ids = None if record_ids is None else sorted(set(record_ids))
        self.manual = ae_reviews.codings(conn, ids)
        self.reports = ae_reviews.reports(conn, ids)
        self._on_first_use = first_doses is None and participant_ids is None
        self.first_doses: Mapping[str, date | None] | dict[str, date | None] = (
            first_doses if first_doses is not None else {} if participant_ids is None
            else first_dose_dates(conn, study, site_id=site_id, participant_ids=sorted(set(participant_ids))))
        self._by_key: dict[str, dict[str, Any] | None] = {}
        self._by_code = meddra_store.by_codes(conn, [c["llt_code"] for c in self.manual.values()])

    def first_dose(self, participant_id: str) -> date | None:
        """The participant's first-dose date (None: not treated yet), read on first use where not given."""
        if self._on_first_use and participant_id not in self.first_doses:
            assert isinstance(self.first_doses, dict)
            self.first_doses[participant_id] = first_dose_dates(
                self.conn, self.study, site_id=self._site_id, participant_ids=[participant_id]).get(participant_id)
        return self.first_doses.get(participant_id)

    def _lookup(self, key: str) -> dict[str, Any] | None:
        if key not in self._by_key:
            self._by_key[key] = meddra_store.by_keys(self.conn, [key]).get(key) if key else None
        return self._by_key[key]

    def coding(self, record_id: str, data: Mapping[str, Any]) -> dict[str, Any] | None:
        """The AE's coding: the data manager's (``manual``) or the exact match of its English translation, else
        its verbatim term (``auto``); None without a dictionary or a match (AEDECOD then stays empty)."""
        if self.release is None:
            return None
        manual = self.manual.get(record_id)
        if manual is not None and manual["llt_code"] in self._by_code:
            return {**{k: self._by_code[manual["llt_code"]][k] for k in CODING_FIELDS}, "method": "manual",
                    "coded_by": manual["coded_by"], "coded_at": manual["coded_at"]}
        for text in (data.get("term_en"), data.get("term")):
            hit = self._lookup(term_key(text)) if isinstance(text, str) else None
            if hit is not None:
                return {**{k: hit[k] for k in CODING_FIELDS}, "method": "auto"}
        return None

    def review(self, rec: Mapping[str, Any], arm_code: str | None) -> AeReview:
        """The review of one AE record of a participant in ``arm_code`` (None: arm not known, all drugs)."""
        data = rec["data"]
        drugs = self.study.arm(arm_code).drugs if arm_code else frozenset(self.study.drug_ids)
        coding = self.coding(rec["record_id"], data)
        words = [coding["pt_name"], coding["llt_name"]] if coding else []
        first = self.first_dose(rec["participant_id"])
        return AeReview(
            record_id=rec["record_id"], emergence=pv.treatment_emergence(data, first), first_dose=first,
            coding=coding,
            expected={d: pv.is_expected(data, d, self.study, words) for d in self.study.drug_ids if d in drugs},
            susar_drugs=tuple(pv.susar_drugs(data, drugs, self.study, words)),
            needs_translation=pv.needs_translation(data), missing_translation=pv.missing_translation(data),
            serious=data.get("serious") is True, deadline=pv.report_deadline(data),
            report=self.reports.get(rec["record_id"]))
