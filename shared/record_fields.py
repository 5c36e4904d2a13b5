"""What the fields of a record are (issue 23): label, type, choices, range and unit, for every kind of record
that has a definition, so pages show a value by its name and the correction form is built, not typed as JSON.

An instrument response takes its fields from the instrument file (``Item``); the staff-entered kinds from the
vocabularies of their rule modules (``shared/adverse_events.py``, ``conmed.py``, ``vital_signs.py`` ...), with the
field labels kept here in both languages. Fields a correction may never change are ``locked`` with the rule
that says why (a randomisation's arm, number, allocation list and the eligibility record it rests on);
``computed`` fields are recomputed by the rules, never typed. ``record_fields`` returns None for a kind without
a definition (callers say so; they never fall back to raw JSON). Pure: no Flask, Qt or database.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from shared import conmed, medical_history, pregnancy, vital_signs
from shared.adverse_events import ACTIONS, CAUSALITY, CTCAE_GRADES, OUTCOMES, SERIOUSNESS_CRITERIA
from shared.deviations import CATEGORIES, MAJOR, MINOR
from shared.disposition import COMPLETED, DISCONTINUED, REASONS
from shared.eligibility import OUTCOMES as SCREENING_OUTCOMES
from shared.errors import UnknownInstrument
from shared.instruments import get_instrument
from shared.instruments.model import Instrument, Item, ResponseType, Text
from shared.study.model import Study

# field types: how a value is read from a form and shown
CHOICE, CHOICES, INTEGER, NUMBER, DATE, PARTIAL_DATE, DATETIME, BOOLEAN, TEXT = (
    "choice", "choices", "integer", "number", "date", "partial_date", "datetime", "boolean", "text")
PER_KEY = "per_key"          # an object of key -> choice (an AE's causality and action per drug)
STRUCTURED = "structured"    # a value with its own rules and screen (a dose calendar): shown, never typed here

RANDOMISATION_RULE = Text(
    en="the randomisation (arm, randomisation number, allocation list) and the eligibility record it rests on "
       "are fixed once given; a wrong one is a protocol deviation to record, not a correction",
    zh="随机化结果（组别、随机号、分配表）及其所依据的合格性记录一经产生即不可更改；如有错误应记录为方案偏离，而非更正")
COMPUTED_RULE = Text(en="computed by the rules from the other answers", zh="由其他答案按规则计算得出")
STRUCTURED_RULE = Text(en="kept as recorded here: this answer is corrected on its own screen at the kiosk",
                       zh="此处保持原样：该答案需在设备上相应界面更正")


@dataclass(frozen=True)
class FieldSpec:
    """One field of a record's ``data``: how it is labelled, typed, bounded and shown."""

    name: str
    label: Text
    type: str
    choices: tuple[tuple[Any, Text], ...] = ()
    minimum: float | None = None
    maximum: float | None = None
    decimals: int = 0
    unit: str | None = None
    required: bool = False
    keys: tuple[tuple[str, Text], ...] = ()     # PER_KEY: the keys (drug ids) and their labels
    locked: Text | None = None                  # the rule that forbids a correction to change it
    computed: bool = False                      # recomputed from the other fields, never typed

    def choice_label(self, code: Any) -> Text | None:
        """The label of one choice code (None when ``code`` is not one of them)."""
        for c, label in self.choices:
            if c == code and type(c) is type(code):
                return label
        return None


@dataclass(frozen=True)
class RecordFields:
    """The title and fields of one record (instrument title, or the kind's name)."""

    title: Text
    fields: tuple[FieldSpec, ...]
    instrument: Instrument | None = None

    def field(self, name: str) -> FieldSpec | None:
        return next((f for f in self.fields if f.name == name), None)


def _t(en: str, zh: str) -> Text:
    return Text(en=en, zh=zh)


# issue 24: the site-local date a home diary entry is about (``data.diary_date``, ``shared.home``); part of the
# entry's identity (one daily entry per date), so a correction never moves it to another day
DIARY_DATE_FIELD = FieldSpec("diary_date", _t("Diary date", "日志日期"), DATE, required=True,
                             locked=_t("the date a home diary entry is about is fixed; another day is another entry",
                                       "居家日志条目所记录的日期不可更改；其他日期应另建条目"))


def _choices(vocabulary: Mapping[Any, Any]) -> tuple[tuple[Any, Text], ...]:
    """Choices from a vocabulary of code -> Text (or a tuple whose last element is the Text)."""
    return tuple((code, v if isinstance(v, Text) else v[-1]) for code, v in vocabulary.items())


KIND_TITLES: dict[str, Text] = {
    "instrument_response": _t("Questionnaire", "量表"),
    "enrolment": _t("Enrolment (first release)", "入组（早期版本）"),
    "adverse_event": _t("Adverse event", "不良事件"),
    conmed.KIND: _t("Concomitant medication", "合并用药"),
    medical_history.KIND: _t("Medical history", "既往病史"),
    vital_signs.KIND: _t("Vital signs", "生命体征"),
    pregnancy.KIND: _t("Pregnancy test", "妊娠试验"),
    "screening": _t("Screening", "筛选"),
    "randomisation": _t("Randomisation", "随机化"),
    "query_response": _t("Answer to a data query", "质疑回复"),
    "disposition": _t("Disposition", "研究结束状态"),
    "protocol_deviation": _t("Protocol deviation", "方案偏离"),
    "visit_missed": _t("Missed visit", "缺失访视"),
}


def item_field(item: Item) -> FieldSpec:
    """The field of one instrument item."""
    kind = {ResponseType.VAS_MM: INTEGER, ResponseType.INTEGER: INTEGER, ResponseType.NUMBER: NUMBER,
            ResponseType.CHOICE: CHOICE, ResponseType.BOOLEAN: BOOLEAN, ResponseType.TEXT: TEXT,
            ResponseType.DOSE_CALENDAR: STRUCTURED, ResponseType.DRUG_DOSES: STRUCTURED}[item.response]
    unit = item.unit or ("mm" if item.response is ResponseType.VAS_MM else None)
    return FieldSpec(item.id, item.label, kind, tuple((c.code, c.label) for c in item.choices), item.minimum,
                     item.maximum, item.decimals, unit, item.required)


def _adverse_event(study: Study, drugs: frozenset[str] | None) -> tuple[FieldSpec, ...]:
    asked = [d for d in study.drugs if drugs is None or d.id in drugs]
    keys = tuple((d.id, _t(d.label, d.label_zh)) for d in asked)
    causality = tuple((c, t) for c, t in CAUSALITY.items() if c != "not_applicable")
    return (
        FieldSpec("term", _t("Adverse event (verbatim)", "不良事件名称（原文）"), TEXT, required=True),
        FieldSpec("term_en", _t("Term in English", "英文名称"), TEXT),
        FieldSpec("onset_date", _t("Onset date", "开始日期"), DATE, required=True),
        FieldSpec("end_date", _t("End date", "结束日期"), DATE),
        FieldSpec("grade", _t("CTCAE grade", "CTCAE分级"), CHOICE, _choices(CTCAE_GRADES), required=True),
        FieldSpec("serious", _t("Serious", "严重"), BOOLEAN, required=True),
        FieldSpec("serious_criteria", _t("Seriousness criteria (ICH E2A)", "严重性标准（ICH E2A）"), CHOICES,
                  _choices(SERIOUSNESS_CRITERIA)),
        FieldSpec("awareness_at", _t("Site became aware", "研究中心获知时间"), DATETIME),
        FieldSpec("causality", _t("Causality (WHO-UMC)", "因果关系（WHO-UMC）"), PER_KEY, causality, keys=keys),
        FieldSpec("action", _t("Action taken with the drug", "对研究药物采取的措施"), PER_KEY, _choices(ACTIONS),
                  keys=keys),
        FieldSpec("outcome", _t("Outcome", "转归"), CHOICE, _choices(OUTCOMES), required=True),
        FieldSpec("death_date", _t("Date of death", "死亡日期"), DATE),
        FieldSpec("nonserious_reason", _t("Why grade 4 or more is not serious", "4级及以上判为非严重的理由"),
                  TEXT),
        FieldSpec("source_symptom", _t("Reported as symptom", "来源症状"), TEXT),
        FieldSpec("visit_id", _t("Visit", "访视"), CHOICE, tuple((v.id, _t(v.label, v.label_zh))
                                                                   for v in study.visits)),
    )


def _conmed(study: Study) -> tuple[FieldSpec, ...]:
    classes = study.clinical_record.atc_classes if study.clinical_record else []
    return (
        FieldSpec("name", _t("Medication", "药物名称"), TEXT, required=True),
        FieldSpec("atc_class", _t("Drug class (ATC)", "药物类别（ATC）"), CHOICE,
                  tuple((c.code, _t(f"{c.code} {c.name}", f"{c.code} {c.name_zh}")) for c in classes)),
        FieldSpec("dose", _t("Dose", "剂量"), NUMBER, minimum=0, maximum=100000, decimals=3),
        FieldSpec("dose_unit", _t("Dose unit", "剂量单位"), CHOICE, _choices(conmed.DOSE_UNITS)),
        FieldSpec("route", _t("Route", "给药途径"), CHOICE, _choices(conmed.ROUTES)),
        FieldSpec("frequency", _t("Frequency", "频次"), CHOICE, _choices(conmed.FREQUENCIES)),
        FieldSpec("start_date", _t("Start date (YYYY, YYYY-MM or YYYY-MM-DD)", "开始日期（年、年-月或年-月-日）"),
                  PARTIAL_DATE),
        FieldSpec("end_date", _t("End date (YYYY, YYYY-MM or YYYY-MM-DD)", "结束日期（年、年-月或年-月-日）"),
                  PARTIAL_DATE),
        FieldSpec("ongoing", _t("Ongoing", "仍在使用"), BOOLEAN),
        FieldSpec("indication", _t("Indication", "用药原因"), TEXT),
    )


def _kind_fields(kind: str, study: Study, drugs: frozenset[str] | None) -> tuple[FieldSpec, ...] | None:
    if kind == "adverse_event":
        return _adverse_event(study, drugs)
    if kind == conmed.KIND:
        return _conmed(study)
    if kind == medical_history.KIND:
        return (FieldSpec("condition", _t("Condition", "疾病"), TEXT, required=True),
                FieldSpec("start_date", _t("Start date (YYYY, YYYY-MM or YYYY-MM-DD)",
                                           "开始日期（年、年-月或年-月-日）"), PARTIAL_DATE),
                FieldSpec("ongoing", _t("Ongoing", "仍存在"), BOOLEAN))
    if kind == vital_signs.KIND:
        # the study's labels carry the unit in each language ("Heart rate (beats/min)", "心率（次/分）")
        return tuple(FieldSpec(v.field, v.label, NUMBER if v.decimals else INTEGER, minimum=v.minimum,
                               maximum=v.maximum, decimals=v.decimals)
                     for v in vital_signs.VITAL_SIGNS)
    if kind == pregnancy.KIND:
        return (FieldSpec("test_date", _t("Test date", "检测日期"), DATE, required=True),
                FieldSpec("method", _t("Method", "方法"), CHOICE, _choices(pregnancy.METHODS), required=True),
                FieldSpec("result", _t("Result", "结果"), CHOICE, _choices(pregnancy.RESULTS), required=True))
    if kind == "disposition":
        return (FieldSpec("status", _t("Status", "状态"), CHOICE,
                          ((COMPLETED, _t("Completed", "完成研究")), (DISCONTINUED, _t("Discontinued", "退出研究"))),
                          required=True),
                FieldSpec("date", _t("Date", "日期"), DATE, required=True),
                FieldSpec("reason", _t("Reason (CDISC NCOMPLT)", "原因（CDISC NCOMPLT）"), CHOICE, _choices(REASONS)),
                FieldSpec("reason_text", _t("Reason in words", "原因说明"), TEXT))
    if kind == "protocol_deviation":
        return (FieldSpec("category", _t("Category", "类别"), CHOICE, _choices(CATEGORIES), required=True),
                FieldSpec("severity", _t("Severity", "严重程度"), CHOICE,
                          ((MAJOR, _t("major", "重大")), (MINOR, _t("minor", "轻微"))), required=True),
                FieldSpec("date", _t("Date", "日期"), DATE, required=True),
                FieldSpec("description", _t("Description", "描述"), TEXT, required=True))
    if kind == "visit_missed":
        return (FieldSpec("reason", _t("Why the visit was missed", "缺失访视原因"), TEXT, required=True),)
    if kind == "randomisation":
        fixed = RANDOMISATION_RULE
        return (FieldSpec("arm", _t("Arm", "组别"), CHOICE, tuple((a.code, _t(a.name, a.name_zh)) for a in study.arms),
                          locked=fixed),
                FieldSpec("randomisation_number", _t("Randomisation number", "随机号"), INTEGER, locked=fixed),
                FieldSpec("allocation_list_id", _t("Allocation list", "分配表"), TEXT, locked=fixed),
                FieldSpec("eligibility_record_id", _t("Eligibility record", "合格性记录"), TEXT, locked=fixed),
                FieldSpec("eligibility_score", _t("Eligibility score", "合格性评分"), NUMBER, locked=fixed))
    if kind == "screening":
        return _screening(study)
    if kind == "enrolment":
        return _enrolment(study)
    return None


def _enrolment(study: Study) -> tuple[FieldSpec, ...]:
    """The one-step enrolment of the first release: still correctable, its arm and allocation never."""
    score = study.score_criterion()
    fixed = RANDOMISATION_RULE
    screening = {f.name: f for f in _screening(study)}
    return (
        FieldSpec("year_of_birth", _t("Year of birth", "出生年份"), INTEGER, minimum=1900, maximum=2100,
                  required=True),
        screening["sex"], screening["screening_date"], screening["consent_date"], screening["criteria"],
        *((FieldSpec(score.field, _t("Eligibility score", "合格性评分"), NUMBER),) if score and score.field else ()),
        FieldSpec("arm", _t("Arm", "组别"), CHOICE, tuple((a.code, _t(a.name, a.name_zh)) for a in study.arms),
                  locked=fixed),
        FieldSpec("allocation_number", _t("Randomisation number", "随机号"), INTEGER, locked=fixed),
        FieldSpec("allocation_list_id", _t("Allocation list", "分配表"), TEXT, locked=fixed),
    )


def _screening(study: Study) -> tuple[FieldSpec, ...]:
    return (
        FieldSpec("consent_date", _t("Consent date", "知情同意日期"), DATE, required=True),
        FieldSpec("screening_date", _t("Screening date", "筛选日期"), DATE, required=True),
        FieldSpec("sex", _t("Sex", "性别"), CHOICE, (("F", _t("female", "女")), ("M", _t("male", "男")),
                                                    ("U", _t("unknown", "未知"))), required=True),
        FieldSpec("birth_year_month", _t("Born (YYYY-MM)", "出生年月（YYYY-MM）"), TEXT, required=True),
        FieldSpec("age_at_consent", _t("Age at consent (years)", "知情同意时年龄（岁）"), INTEGER, minimum=0,
                  maximum=130),
        FieldSpec("childbearing_potential", _t("Of childbearing potential", "有生育能力"), BOOLEAN),
        FieldSpec("criteria", _t("Criteria ticked by staff", "工作人员确认的标准"), PER_KEY,
                  ((True, _t("met", "符合")), (False, _t("not met", "不符合"))),
                  keys=tuple((c.id, _t(c.text, c.text_zh)) for c in study.inclusion + study.exclusion
                             if c.check == "attest")),
        FieldSpec("screening_score", _t("Screening score", "筛选评分"), NUMBER),
        FieldSpec("outcome", _t("Outcome", "结果"), CHOICE, tuple((o, _t(o.replace("_", " "), _SCREENING_ZH[o]))
                                                                 for o in SCREENING_OUTCOMES), computed=True),
        FieldSpec("failed_criteria", _t("Criteria not met", "未符合的标准"), CHOICES,
                  tuple((c.id, _t(c.text, c.text_zh)) for c in study.inclusion + study.exclusion), computed=True),
    )


_SCREENING_ZH = {"eligible": "合格", "screen_failure": "筛选失败", "pending": "待定"}


def record_fields(record: Mapping[str, Any], study: Study, drugs: frozenset[str] | None = None) -> RecordFields | None:
    """The title and fields of ``record`` (an envelope with kind, instrument id and version); None when its
    kind has no definition. ``drugs``: the participant's study drugs (items and causality asked per drug)."""
    kind = record.get("kind")
    if kind == "instrument_response":
        try:
            inst = get_instrument(str(record.get("instrument_id")), str(record.get("instrument_version")))
        except UnknownInstrument:   # an instrument this server does not have: no definition to build on
            return None
        dated = (DIARY_DATE_FIELD,) if study.home.diary(inst.id) is not None else ()   # issue 24: a home entry
        return RecordFields(inst.title, dated + tuple(item_field(i) for i in inst.items_for(drugs)), inst)
    fields = _kind_fields(str(kind), study, drugs)
    title = KIND_TITLES.get(str(kind))
    return None if fields is None or title is None else RecordFields(title, fields)


def record_title(record: Mapping[str, Any], study: Study) -> Text:
    """What a record is called on every page: its instrument's title, else its kind's name."""
    found = record_fields(record, study)
    if found is not None:
        return found.title
    kind = str(record.get("kind"))
    return KIND_TITLES.get(kind) or _t(kind, kind)
