"""The shape of a study file, checked field by field when the file is loaded."""

from __future__ import annotations

import re
from datetime import date
from functools import cached_property
from typing import Literal, get_args

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from shared.edit_checks import EditCheck, QuerySettings
from shared.errors import UnknownInstrument
from shared.instruments import export_items, export_score_names, get_instrument
from shared.instruments.model import Instrument
from shared.monitoring import MonitoringSettings
from shared.study.clinical_record import COMPUTED_CHECKS, ClinicalRecord
from shared.study.home_settings import HomeSettings
from shared.study.lab_panel import LabSettings, LabTest
from shared.study.report_settings import ReportSettings

VisitRole = Literal["screening", "eligibility", "randomisation", "baseline", "lab", "primary_endpoint",
                    "end_of_treatment", "unscheduled"]
InstrumentRole = Literal["patient_global", "patient_index", "symptoms", "dosing", "clinician_index",
                         "clinician_global", "eligibility", "primary_endpoint",
                         "home_dosing",    # issue 24: the daily dosing diary of the participant's phone
                         "home_symptoms"]  # issue 24: symptoms on a day at home, reported on the phone
VISIT_ROLES: tuple[str, ...] = get_args(VisitRole)
INSTRUMENT_ROLES: tuple[str, ...] = get_args(InstrumentRole)


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, strict=True)


class StudyInfo(_Strict):
    id: str = Field(pattern=r"^[A-Z0-9]{3,20}$")
    version: str = Field(pattern=r"^[0-9]+\.[0-9]+\.[0-9]+$")
    title: str = Field(min_length=1)
    title_zh: str = Field(min_length=1)
    phase: str
    design: str
    sponsor: str
    sponsor_zh: str = Field(min_length=1)      # issue 23: the Chinese SAE form names the sponsor in Chinese
    duration_weeks: int = Field(gt=0, le=520)
    target_enrolment: int = Field(gt=0)
    min_age: int = Field(ge=0, le=120)
    max_age: int = Field(ge=0, le=120)
    start_date: date  # no record, consent or AE onset of the study may be dated earlier (shared/record_times.py)


class Randomisation(_Strict):
    ratio: list[int] = Field(min_length=1)
    block_sizes: list[int] = Field(min_length=1)


class Site(_Strict):
    id: str = Field(pattern=r"^[A-Z]{2,8}$")
    name: str
    name_zh: str
    country: str = Field(pattern=r"^[A-Z]{3}$")
    timezone: str  # IANA name, e.g. Asia/Shanghai: the offset every collected_at_local of the site must carry

    @field_validator("timezone")
    @classmethod
    def _known_zone(cls, value: str) -> str:
        from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError):
            raise ValueError(f"{value!r} is not an IANA time zone name such as Asia/Shanghai") from None
        return value


class Drug(_Strict):
    """A study drug: its id (the key of per-drug adverse-event fields), names, and how the diary reports it."""

    id: str = Field(pattern=r"^[a-z][a-z0-9_]*$")
    name: str = Field(min_length=1)
    label: str = Field(min_length=1)
    label_zh: str = Field(min_length=1)
    diary_item: str | None = None                            # dosing-diary item reporting this drug
    diary_counts: Literal["doses", "days"] = "doses"         # doses (injections) or days taken


class Treatment(_Strict):
    drug: str
    name: str
    name_zh: str = Field(min_length=1)       # issue 23: the zh SAE form and pages name the treatment in Chinese
    dose: float = Field(gt=0)
    unit: str
    route: str
    route_zh: str = Field(min_length=1)
    frequency: str
    frequency_zh: str = Field(min_length=1)
    doses_per_week: float = Field(gt=0)


class Arm(_Strict):
    code: str = Field(pattern=r"^[A-Z0-9]{1,20}$")
    name: str
    name_zh: str
    target: int = Field(gt=0)
    demo_effect: float = Field(default=0.5, ge=0, le=2)      # synthetic demo data only
    demo_lab_gain: float = Field(default=0.0, ge=0, le=20)   # synthetic demo data only
    treatments: list[Treatment] = Field(min_length=1)

    @property
    def drugs(self) -> frozenset[str]:
        return frozenset(t.drug for t in self.treatments)


class Visit(_Strict):
    id: str = Field(pattern=r"^[a-z][a-z0-9_]*$")
    number: int = Field(ge=0)
    label: str
    label_zh: str
    scheduled: bool = True
    roles: list[VisitRole] = []
    day: int | None = None
    window_before: int = Field(default=0, ge=0)
    window_after: int = Field(default=0, ge=0)
    instruments: list[str]

    @property
    def is_timepoint(self) -> bool:
        """Whether results of this visit are plotted as a timepoint (unscheduled visits never are)."""
        return self.scheduled and "unscheduled" not in self.roles

    @model_validator(mode="after")
    def _day_when_scheduled(self) -> Visit:
        if self.scheduled and self.day is None:
            raise ValueError("a scheduled visit needs a 'day' relative to baseline")
        return self


class StudyInstrument(_Strict):
    """An instrument the study uses: id and version in the installed library, and the roles it plays."""

    id: str = Field(pattern=r"^[a-z][a-z0-9_]*$")
    version: str = Field(pattern=r"^[0-9]+(\.[0-9]+)*$")
    roles: list[InstrumentRole] = []

    @model_validator(mode="after")
    def _installed(self) -> StudyInstrument:
        try:
            get_instrument(self.id, self.version)
        except UnknownInstrument as exc:
            raise ValueError(exc.message) from None
        return self

    @property
    def definition(self) -> Instrument:
        return get_instrument(self.id, self.version)


class Criterion(_Strict):
    """One eligibility criterion: ticked by staff ("attest") or computed from entered data.

    A "score" criterion needs the score of ``instrument`` to be at least ``minimum``; staff enter it in the
    enrolment record's ``field``.
    """

    id: str
    check: Literal["attest", "age", "score", "consent", "medication", "pregnancy_test"]  # the last two: issue 18
    text: str
    text_zh: str
    instrument: str | None = None
    minimum: int | float | None = None
    field: str | None = Field(default=None, pattern=r"^[a-z][a-z0-9_]*$")

    @model_validator(mode="after")
    def _score_fields(self) -> Criterion:
        given = (self.instrument, self.minimum, self.field)
        if self.check == "score" and None in given:
            raise ValueError("a 'score' criterion needs 'instrument', 'minimum' and 'field'")
        if self.check != "score" and given != (None, None, None):
            raise ValueError("only a 'score' criterion has 'instrument', 'minimum' and 'field'")
        return self


class ExpectedEvent(_Strict):
    """An adverse event the reference safety information lists as expected for one study drug (issue 17).

    ``term``/``term_zh`` name it; ``matches`` are further words (MedDRA preferred or lowest-level term names,
    usual verbatim wordings) that count as the same event: an AE is expected for the drug when its verbatim
    term, English translation or coded term equals one of them, ignoring case and surrounding spaces.
    """

    drug: str
    term: str = Field(min_length=1)
    term_zh: str = Field(min_length=1)
    matches: list[str] = []


class Study(_Strict):
    """A whole study definition; see shared/study/studies/*.toml."""

    study: StudyInfo
    randomisation: Randomisation
    sites: list[Site] = Field(min_length=1)
    drugs: list[Drug] = Field(min_length=1)
    arms: list[Arm] = Field(min_length=1)
    instruments: list[StudyInstrument] = Field(min_length=1)
    visits: list[Visit] = Field(min_length=1)
    inclusion: list[Criterion] = Field(min_length=1)
    exclusion: list[Criterion] = Field(min_length=0)
    # SDTM Trial Summary parameters the rest of the file cannot give (TSPARMCD -> value, CDISC CT wording)
    trial_summary: dict[str, str] = {}
    clinical_record: ClinicalRecord | None = None   # conmed classes, vital-sign and pregnancy-test visits
    expected_events: list[ExpectedEvent] = []   # expectedness per drug (issue 17)
    # --- laboratory panel (issue 18): tests, units, LOINC, normal ranges by sex, visits, CTCAE criteria
    labs: LabSettings = LabSettings()
    # --- edit checks (issue 19): plausibility rules on one record; a failing one raises a data query
    edit_checks: list[EditCheck] = []
    queries: QuerySettings = QuerySettings()
    # --- monitoring (issue 23): when the dashboard flags a kiosk as silent
    monitoring: MonitoringSettings = MonitoringSettings()
    # --- report (issue 21): responder definitions of the study report
    report: ReportSettings = ReportSettings()
    # --- home diary (issue 24): activation-code lifetime and the diaries kept on the participant's phone
    home: HomeSettings = HomeSettings()

    @model_validator(mode="after")
    def _home_known(self) -> Study:
        declared = {i.id: i for i in self.instruments}
        for n, d in enumerate(self.home.diaries):
            used = declared.get(d.instrument)
            if used is None or used.version != d.version:
                raise ValueError(f"home.diaries[{n}]: {d.instrument} {d.version} is not one of the study's "
                                 f"instruments {sorted(f'{i.id} {i.version}' for i in self.instruments)}")
            if used.definition.respondent != "participant":
                raise ValueError(f"home.diaries[{n}]: {d.instrument} is answered by a clinician, not at home")
        return self

    @model_validator(mode="after")
    def _report_known(self) -> Study:
        declared = {i.id: i for i in self.instruments}
        for n, r in enumerate(self.report.responders):
            if r.instrument not in declared:
                raise ValueError(f"report.responders[{n}].instrument: {r.instrument!r} is not one of the study's "
                                 f"instruments {sorted(declared)}")
            scores = [s.name for s in declared[r.instrument].definition.scores]
            if (r.score is not None and r.score not in scores) or not scores:
                raise ValueError(f"report.responders[{n}].score: {r.score!r} is not a score of {r.instrument} "
                                 f"(it has {scores})")
        return self

    @model_validator(mode="after")
    def _edit_checks_known(self) -> Study:
        declared = {i.id: i for i in self.instruments}
        ids = [c.id for c in self.edit_checks]
        if len(ids) != len(set(ids)):
            raise ValueError(f"edit_checks: duplicate id(s) {sorted({x for x in ids if ids.count(x) > 1})}")
        for n, c in enumerate(self.edit_checks):
            if c.instrument not in declared:
                raise ValueError(f"edit_checks[{n}].instrument: {c.instrument!r} is not one of the study's "
                                 f"instruments {sorted(declared)}")
            inst = declared[c.instrument].definition
            # any installed version's items: records stored under an earlier version are still checked
            names = {it.id for it in export_items(inst)} | set(export_score_names(inst))
            for f in c.fields():
                if f not in names:
                    raise ValueError(f"edit_checks[{n}]: {f!r} is neither an item nor a score of "
                                     f"{c.instrument} {inst.version} (or its other versions); it has "
                                     f"{sorted(names)}")
        return self

    @model_validator(mode="after")
    def _consistent(self) -> Study:
        if sum(a.target for a in self.arms) != self.study.target_enrolment:
            raise ValueError(f"arms[*].target adds up to {sum(a.target for a in self.arms)} but "
                             f"study.target_enrolment is {self.study.target_enrolment}")
        if len(self.randomisation.ratio) != len(self.arms):
            raise ValueError(f"randomisation.ratio has {len(self.randomisation.ratio)} entries "
                             f"for {len(self.arms)} arms")
        unit = sum(self.randomisation.ratio)
        bad = [b for b in self.randomisation.block_sizes if b % unit]
        if bad:
            raise ValueError(f"randomisation.block_sizes {bad} are not multiples of the ratio sum {unit}")
        for name, items in (("arms", [a.code for a in self.arms]), ("visits", [v.id for v in self.visits]),
                            ("drugs", [d.id for d in self.drugs]),
                            ("sites", [s.id for s in self.sites]),
                            ("instruments", [i.id for i in self.instruments]),
                            ("inclusion/exclusion", [c.id for c in self.inclusion + self.exclusion])):
            dupes = sorted({x for x in items if items.count(x) > 1})
            if dupes:
                raise ValueError(f"{name}: duplicate id(s) {dupes}")
        declared = {i.id for i in self.instruments}
        for n, v in enumerate(self.visits):
            unknown = [i for i in v.instruments if i not in declared]
            if unknown:
                raise ValueError(f"visits[{n}].instruments: unknown instrument(s) {unknown}; "
                                 f"the study's instruments are {sorted(declared)}")
        drug_ids = [d.id for d in self.drugs]
        for a, arm in enumerate(self.arms):
            for t, treatment in enumerate(arm.treatments):
                if treatment.drug not in drug_ids:
                    raise ValueError(f"arms[{a}].treatments[{t}].drug: {treatment.drug!r} is not one of the "
                                     f"study's drugs {drug_ids}")
        for n, e in enumerate(self.expected_events):
            if e.drug not in drug_ids:
                raise ValueError(f"expected_events[{n}].drug: {e.drug!r} is not one of the study's drugs {drug_ids}")
        for n, c in enumerate(self.inclusion):
            if c.check == "score" and c.instrument not in declared:
                raise ValueError(f"inclusion[{n}].instrument: {c.instrument!r} is not one of the study's "
                                 f"instruments {sorted(declared)}")
        for role in ("baseline", "screening"):
            if len([v for v in self.visits if role in v.roles]) > 1:
                raise ValueError(f"visits: more than one visit has the role {role!r}")
        if not any("baseline" in v.roles for v in self.visits):
            raise ValueError("visits: one visit needs the role 'baseline' (day 0 of the schedule)")
        computed = {c.id: c.check for c in self.inclusion + self.exclusion if c.check in COMPUTED_CHECKS}
        if computed or self.clinical_record:
            bad = (self.clinical_record or ClinicalRecord.none()).problems_with(
                [v.id for v in self.visits], {c.id for c in self.inclusion}, {c.id for c in self.exclusion},
                computed)
            if bad:
                raise ValueError("; ".join(bad))
        for n, panel in enumerate(self.labs.panels):
            unknown = [v for v in panel.visits if v not in {x.id for x in self.scheduled_visits}]
            if unknown:
                raise ValueError(f"labs.panels[{n}].visits: {unknown} are not scheduled visits of the study")
        if self.study.min_age > self.study.max_age:
            raise ValueError("study.min_age is greater than study.max_age")
        return self

    # ---- look-ups used everywhere -------------------------------------------------
    def arm(self, code: str) -> Arm:
        for a in self.arms:
            if a.code == code:
                return a
        raise KeyError(code)

    def visit(self, visit_id: str) -> Visit:
        try:
            return self._visits_by_id[visit_id]
        except (KeyError, TypeError):   # TypeError: an unhashable id sent in a record
            raise KeyError(visit_id) from None

    @cached_property
    def _visits_by_id(self) -> dict[str, Visit]:
        """The visits by id, made once (the study is frozen): every synced record's visit is looked up."""
        return {v.id: v for v in reversed(self.visits)}   # reversed: the first of a repeated id wins, as before

    def site(self, site_id: str) -> Site:
        for s in self.sites:
            if s.id == site_id:
                return s
        raise KeyError(site_id)

    def instrument(self, instrument_id: str) -> Instrument:
        """The definition of the study's instrument ``instrument_id`` (KeyError when the study has none)."""
        for i in self.instruments:
            if i.id == instrument_id:
                return i.definition
        raise KeyError(instrument_id)

    def instrument_definitions(self) -> tuple[Instrument, ...]:
        """The study's instruments, in study-file order, at the versions it names."""
        return tuple(i.definition for i in self.instruments)

    def drug(self, drug_id: str) -> Drug:
        for d in self.drugs:
            if d.id == drug_id:
                return d
        raise KeyError(drug_id)

    def expected_events_of(self, drug_id: str) -> list[ExpectedEvent]:
        """The events listed as expected for ``drug_id`` (empty when the study file lists none)."""
        return [e for e in self.expected_events if e.drug == drug_id]

    @property
    def drug_ids(self) -> tuple[str, ...]:
        """The study's drug ids in file order: the keys of every per-drug field."""
        return tuple(d.id for d in self.drugs)

    def visits_with_role(self, role: str) -> list[Visit]:
        """Every visit declaring ``role``, in file order (ValueError for a role that is not in the vocabulary)."""
        if role not in VISIT_ROLES:
            raise ValueError(f"{role!r} is not a visit role; roles are {', '.join(VISIT_ROLES)}")
        return [v for v in self.visits if role in v.roles]

    def visit_with_role(self, role: str) -> Visit | None:
        """The first visit declaring ``role``, or None when the study has none."""
        found = self.visits_with_role(role)
        return found[0] if found else None

    def instruments_with_role(self, role: str) -> list[Instrument]:
        """Every study instrument declaring ``role``, in file order."""
        if role not in INSTRUMENT_ROLES:
            raise ValueError(f"{role!r} is not an instrument role; roles are {', '.join(INSTRUMENT_ROLES)}")
        return list(self._instruments_by_role.get(role, ()))

    @cached_property
    def _instruments_by_role(self) -> dict[str, tuple[Instrument, ...]]:
        """The instruments of each role in file order, made once (the study is frozen): exports ask for every
        record whether it is a dosing diary."""
        out: dict[str, list[Instrument]] = {}
        for i in self.instruments:
            for role in dict.fromkeys(i.roles):
                out.setdefault(role, []).append(i.definition)
        return {role: tuple(found) for role, found in out.items()}

    def instrument_with_role(self, role: str) -> Instrument | None:
        """The study instrument declaring ``role``, or None when the study has none."""
        found = self.instruments_with_role(role)
        return found[0] if found else None

    def score_criterion(self) -> Criterion | None:
        """The inclusion criterion computed from a score staff enter at enrolment, if the study has one."""
        return next((c for c in self.inclusion if c.check == "score"), None)

    @property
    def lab_tests(self) -> dict[str, LabTest]:
        """Every lab test of the study's panels by its code (LBTESTCD), in file order."""
        return {t.code: t for p in self.labs.panels for t in p.tests}

    def primary_lab_test(self) -> LabTest | None:
        """The test marked primary (what a lab file without a test_code column holds), if any."""
        return next((t for t in self.lab_tests.values() if t.primary), None)

    def lab_panel_of(self, code: str) -> str | None:
        """The id of the panel holding test ``code``."""
        return next((p.id for p in self.labs.panels for t in p.tests if t.code == code), None)

    def lab_visits(self, code: str) -> list[str]:
        """The scheduled visits test ``code`` is drawn at (unscheduled draws are always allowed)."""
        return next((list(p.visits) for p in self.labs.panels for t in p.tests if t.code == code), [])

    @property
    def scheduled_visits(self) -> list[Visit]:
        return [v for v in self.visits if v.scheduled]


PARTICIPANT_ID = re.compile(r"^(?P<site>[A-Z]{2,8})-(?P<number>[0-9]{3,6})$")
