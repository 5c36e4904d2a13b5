"""Serious adverse events on the server: the alert until staff mark an SAE reported to the sponsor (audited
``sae.reported``), and the SAE form with the fields of a CIOMS I / ICH E2B(R3) individual case safety report,
shown as a page and printed as a PDF (``sae_pdf``).

The 24-hour clock runs from the site's awareness (``awareness_at`` on the AE), never from the first save.
"""

from __future__ import annotations

import io
from collections.abc import Iterable
from datetime import datetime
from typing import Any

from sqlalchemy import Connection

from server.services import dashboard as board
from server.services.ae_causality import confirmation
from server.services.ae_review import AeReview, AeReviewer
from server.services.audit import AuditEntry, append
from server.storage import ae_reviews
from server.storage import participants as participant_store
from shared.adverse_events import ACTIONS, CAUSALITY, OUTCOMES, SERIOUSNESS_CRITERIA, per_drug
from shared.conmed import KIND as CONMED
from shared.errors import FieldProblem, SaeReportRefused
from shared.grading import criterion_by_term
from shared.instruments.model import Text
from shared.medical_history import KIND as HISTORY
from shared.pharmacovigilance import PRE_TREATMENT, TREATMENT_EMERGENT, awareness, submission_term
from shared.records import utc_now
from shared.site_time import site_local_text
from shared.study.model import Study


def alerts(conn: Connection, study: Study, sites: Iterable[str], now: datetime) -> list[dict[str, Any]]:
    """Every serious AE of these sites not yet marked reported, oldest deadline first, each with its review
    (``review``), deadline and whether it is overdue: the alert stays until staff mark it reported."""
    events = board.serious_adverse_events(conn, sites, unreported_only=True)
    reviewer = AeReviewer(conn, study, participant_ids=[ae["participant_id"] for ae in events],
                          record_ids=[ae["record_id"] for ae in events])
    out = []
    for ae in events:
        review = reviewer.review(ae, ae.get("arm"))
        if review.awaiting_report:
            out.append({**ae, "review": review, "deadline": review.deadline, "overdue": review.overdue(now)})
    return sorted(out, key=lambda a: (a["deadline"] is None, a["deadline"] or now))


def alerts_and_susars(conn: Connection, study: Study, sites: Iterable[str],
                      now: datetime) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """(``alerts``, ``susars``) from one read of the sites' serious AEs and one reviewer: the dashboard shows
    both, and an alert is a serious AE whose review awaits its report (no report mark: the mark the SQL of
    ``unreported_only`` looks for), so reading and reviewing the serious AEs twice gave the same reviews."""
    events = board.serious_adverse_events(conn, sites)
    reviewer = AeReviewer(conn, study, participant_ids=[ae["participant_id"] for ae in events],
                          record_ids=[ae["record_id"] for ae in events])
    waiting, found = [], []
    for ae in events:
        review = reviewer.review(ae, ae.get("arm"))
        if review.awaiting_report:
            waiting.append({**ae, "review": review, "deadline": review.deadline, "overdue": review.overdue(now)})
        if review.susar:
            found.append({**ae, "review": review})
    return sorted(waiting, key=lambda a: (a["deadline"] is None, a["deadline"] or now)), found


def susars(conn: Connection, study: Study, sites: Iterable[str]) -> list[dict[str, Any]]:
    """Every suspected unexpected serious adverse reaction of these sites (serious, related to a drug of the arm
    and not in that drug's expected events), reported or not, each with its review (``review``)."""
    events = board.serious_adverse_events(conn, sites)
    reviewer = AeReviewer(conn, study, participant_ids=[ae["participant_id"] for ae in events],
                          record_ids=[ae["record_id"] for ae in events])
    out = []
    for ae in events:
        review = reviewer.review(ae, ae.get("arm"))
        if review.susar:
            out.append({**ae, "review": review})
    return out


def mark_reported(conn: Connection, study: Study, record_id: str, *, reported_at: Any, reference: Any, actor: str,
                  sites: Iterable[str]) -> dict[str, Any]:
    """Record that an SAE was sent to the sponsor at ``reported_at`` (ISO 8601 with offset) under ``reference``;
    its alert ends. Audited ``sae.reported``. Raises NotFound or SaeReportRefused (not serious, already marked,
    a time that is not a time, in the future or before the site became aware)."""
    ae = board.current_record(conn, record_id, sites)
    if ae["kind"] != "adverse_event" or ae["data"].get("serious") is not True:
        raise SaeReportRefused(f"Record {record_id} is not a serious adverse event: only SAEs are reported.")
    if ae_reviews.reports(conn, [record_id]):
        raise SaeReportRefused(f"SAE {record_id} is already marked as reported.")
    try:
        when = datetime.fromisoformat(reported_at) if isinstance(reported_at, str) else None
    except ValueError:
        when = None
    if when is None or when.tzinfo is None:
        raise _refused("reported_at", reported_at, "sae.reported_at_invalid",
                       "a date and time with UTC offset (like 2026-03-02T08:30:00+08:00)",
                       f"reported_at: {reported_at!r} is not a date and time with UTC offset "
                       "(like 2026-03-02T08:30:00+08:00).")
    aware = awareness(ae["data"])
    if when > datetime.now(when.tzinfo) or (aware is not None and when < aware):
        since = ae["data"].get("awareness_at")
        raise _refused("reported_at", reported_at, "sae.reported_at_outside",
                       f"between the site's awareness ({since}) and now",
                       f"reported_at: {reported_at} must lie between the site's awareness ({since}) and now.",
                       awareness=since or "")
    text = reference.strip() if isinstance(reference, str) else ""
    if not text or len(text) > 200:
        raise _refused("reference", reference, "sae.reference_invalid", "1-200 characters",
                       "reference: give the sponsor's case number or the form's reference (1-200 characters).")
    ae_reviews.mark_reported(conn, record_id, reported_at=when.isoformat(timespec="minutes"), reference=text,
                             marked_by=actor, marked_at=utc_now())
    append(conn, AuditEntry(actor=actor, action="sae.reported", entity_type="record", entity_id=record_id,
                            new={"reported_at": when.isoformat(timespec="minutes"), "reference": text}))
    return ae


def _refused(name: str, value: Any, code: str, allowed: str, message: str, **params: Any) -> SaeReportRefused:
    """A refusal of one field of the mark, with the field problem (code, value, rule) a page words beside it."""
    value = value[:80] if isinstance(value, str) else value
    problem = FieldProblem(field=name, value=value, allowed=allowed, message=message, code=code, params=params)
    return SaeReportRefused(message, details=problem.as_dict())


Row = tuple[str, str, bool]                       # label, value, whether the value is data as stored/typed
Form = list[tuple[str, list[Row]]]               # sections of rows
EMERGENCE = {TREATMENT_EMERGENT: Text(en="treatment-emergent", zh="治疗中出现"),
             PRE_TREATMENT: Text(en="pre-treatment", zh="治疗前出现")}


class _Words:
    """The form's words in one language ("en" or "zh"): ``w(en, zh)``; yes/no; a vocabulary's Text."""

    def __init__(self, language: str) -> None:
        self.zh = language == "zh"

    def w(self, en: str, zh: str) -> str:
        return zh if self.zh else en

    def yes(self, flag: bool) -> str:
        return self.w("Yes", "是") if flag else self.w("No", "否")

    def text(self, t: Text | None) -> str:
        return "" if t is None else t.in_language("zh" if self.zh else "en")


def sae_form(conn: Connection, study: Study, record_id: str, sites: Iterable[str], language: str = "en") -> Form:
    """The SAE form of one serious AE: CIOMS I sections (reaction, suspect drugs, concomitant drugs and history,
    sponsor information) with the ICH E2B(R3) element of each field where there is one, labels in ``language``
    (the E2B element codes stay as the standard names them). Raises NotFound."""
    ae = board.current_record(conn, record_id, sites)
    if ae["kind"] != "adverse_event":
        raise SaeReportRefused(f"Record {record_id} is not an adverse event.")
    pid = ae["participant_id"]
    detail = board.participant_detail(conn, study, pid, sites, datetime.now().date())
    person = detail["participant"]
    enrolled = participant_store.enrolled(conn, [pid]).get(pid)
    arm = study.arm(enrolled.arm) if enrolled and enrolled.arm else None
    review = AeReviewer(conn, study).review(ae, arm.code if arm else None)
    w = _Words(language)
    return [_reaction(w, study, ae, person, review), _suspects(w, study, ae, arm, review, confirmation(conn, ae)),
            _history(w, detail["records"]), _sponsor(w, study, ae, review)]


def _reaction(w: _Words, study: Study, ae: dict[str, Any], person: dict[str, Any], review: AeReview
              ) -> tuple[str, list[Row]]:
    d = ae["data"]
    c = review.coding or {}
    criteria = d.get("serious_criteria") or []
    sex = {"F": w.w("female", "女"), "M": w.w("male", "男"), "U": w.w("unknown", "未知")}
    not_coded = w.w("not coded", "未编码")
    return (w.w("I. Reaction information", "一、不良反应信息"), [
        (w.w("1. Patient (pseudonymous id) [E2B D.1]", "1. 患者（化名编号）[E2B D.1]"), ae["participant_id"], True),
        (w.w("1a. Country [E2B C.2.r.3]", "1a. 国家 [E2B C.2.r.3]"), study.site(ae["site_id"]).country, True),
        (w.w("2. Year of birth [E2B D.2.1]", "2. 出生年份 [E2B D.2.1]"), str(person.get("year_of_birth") or ""), False),
        (w.w("3. Sex [E2B D.5]", "3. 性别 [E2B D.5]"), sex.get(str(person.get("sex")), str(person.get("sex") or "")),
         False),
        (w.w("4-6. Reaction onset [E2B E.i.4]", "4-6. 反应开始日期 [E2B E.i.4]"), d.get("onset_date") or "", False),
        (w.w("7. Reaction as reported (verbatim) [E2B E.i.1.1a]", "7. 报告的反应（原文）[E2B E.i.1.1a]"),
         d.get("term") or "", True),
        (w.w("7. Reaction in English [E2B E.i.1.2]", "7. 反应英文名称 [E2B E.i.1.2]"), submission_term(d), True),
        *([(w.w("7. CTCAE v5.0 term", "7. CTCAE v5.0 术语"), w.w(crit.term, crit.term_zh), False)]
          if (crit := criterion_by_term(submission_term(d) or d.get("term") or "")) else []),
        (w.w("7. MedDRA LLT / PT [E2B E.i.2.1b]", "7. MedDRA LLT / PT [E2B E.i.2.1b]"),
         f"{c['llt_code']} {c['llt_name']} / {c['pt_code']} {c['pt_name']}" if c else not_coded, bool(c)),
        (w.w("7. MedDRA primary SOC", "7. MedDRA 主要SOC"), f"{c['soc_code']} {c['soc_name']}" if c else not_coded,
         bool(c)),
        (w.w("7. CTCAE v5.0 grade", "7. CTCAE v5.0 分级"), str(d.get("grade")), False),
        (w.w("7. Treatment emergence", "7. 与治疗的时间关系"),
         w.text(EMERGENCE.get(review.emergence or "")) or w.w("unknown", "未知"), False),
        (w.w("7. End date [E2B E.i.5]", "7. 结束日期 [E2B E.i.5]"), d.get("end_date") or "", False),
        (w.w("7. Outcome [E2B E.i.7]", "7. 转归 [E2B E.i.7]"), w.text(OUTCOMES.get(d.get("outcome"))), False),
        *[(f"8-12. {w.text(text)} [E2B E.i.3.2]", w.yes(code in criteria), False)
          for code, text in SERIOUSNESS_CRITERIA.items()],
        (w.w("8. Date of death [E2B D.9.1]", "8. 死亡日期 [E2B D.9.1]"), d.get("death_date") or "", False),
    ])


def _suspects(w: _Words, study: Study, ae: dict[str, Any], arm: Any, review: AeReview,
              confirmed: dict[str, Any] | None) -> tuple[str, list[Row]]:
    d = ae["data"]
    rows: list[Row] = []
    for t in arm.treatments if arm else []:
        drug = study.drug(t.drug)
        name = w.w(drug.name, drug.label_zh)
        causality, action = per_drug(d, "causality", t.drug), per_drug(d, "action", t.drug)
        stopped = action in ("withdrawn", "interrupted")
        rows += [
            (w.w(f"14. Suspect drug [E2B G.k.2.2] ({name})", f"14. 可疑药物 [E2B G.k.2.2]（{name}）"),
             w.w(t.name, t.name_zh), False),                       # the study file's texts, in both languages
            (w.w("15. Dose [E2B G.k.4.r]", "15. 剂量 [E2B G.k.4.r]"),
             f"{t.dose:g} {t.unit}, {w.w(t.frequency, t.frequency_zh)}", False),
            (w.w("16. Route [E2B G.k.4.r.10]", "16. 给药途径 [E2B G.k.4.r.10]"), w.w(t.route, t.route_zh), False),
            (w.w("17. Indication [E2B G.k.7]", "17. 适应证 [E2B G.k.7]"),
             w.w(study.study.title, study.study.title_zh), False),
            (w.w("18. Therapy from (first dose) [E2B G.k.4.r.4]", "18. 治疗开始日期（首次给药）[E2B G.k.4.r.4]"),
             review.first_dose.isoformat() if review.first_dose else w.w("not yet dosed", "尚未给药"), False),
            (w.w("Causality, WHO-UMC, as entered [E2B G.k.9.i.2]", "因果关系（WHO-UMC，录入值）[E2B G.k.9.i.2]"),
             w.text(CAUSALITY.get(causality)) if causality in CAUSALITY else "", False),
            (w.w("Action taken [E2B G.k.8]", "对药物采取的措施 [E2B G.k.8]"),
             w.text(ACTIONS.get(action)) if action in ACTIONS else "", False),
            (w.w("Expected (study reference safety information)", "预期事件（研究参考安全性信息）"),
             w.yes(review.expected.get(t.drug, False)), False),
            (w.w("20. Reaction abated after stopping?", "20. 停药后反应是否减轻？"),
             w.w("see outcome", "见转归") if stopped else w.w("not applicable (not stopped)", "不适用（未停药）"),
             False),
        ]
    rows.append((w.w("Causality confirmed by the investigator [E2B G.k.9.i.2.r.1]",
                     "研究者已确认因果关系 [E2B G.k.9.i.2.r.1]"),
                 w.w(f"Yes: {confirmed['by']} at {confirmed['at']} (revision {ae['revision']})",
                     f"是：{confirmed['by']}，{confirmed['at']}（第{ae['revision']}版）") if confirmed
                 else w.w("No: awaiting the investigator's confirmation", "否：等待研究者确认"), bool(confirmed)))
    rows.append((w.w("SUSAR (serious, related and unexpected)", "SUSAR（严重、相关且非预期）"),
                 "、".join(w.w(study.drug(x).name, study.drug(x).label_zh) for x in review.susar_drugs)
                 if review.susar else w.yes(False), False))
    return (w.w("II. Suspect drug information", "二、可疑药物信息"), rows)


def _history(w: _Words, records: list[dict[str, Any]]) -> tuple[str, list[Row]]:
    meds = [r["data"] for r in records if r["kind"] == CONMED]
    history = [r["data"] for r in records if r["kind"] == HISTORY]
    none = w.w("none recorded", "暂无记录")
    return (w.w("III. Concomitant drugs and history", "三、合并用药及病史"), [
        (w.w("22. Concomitant drugs [E2B G.k (concomitant)]", "22. 合并用药 [E2B G.k（合并用药）]"),
         "; ".join(f"{m.get('name')} ({m.get('start_date') or '?'} – {m.get('end_date') or w.w('ongoing', '仍在使用')})"
                   for m in meds) or none, bool(meds)),
        (w.w("23. Other relevant history [E2B D.7.1]", "23. 其他相关病史 [E2B D.7.1]"),
         "; ".join(f"{h.get('condition')} ({w.w('from', '始于')} {h.get('start_date') or '?'})" for h in history)
         or none, bool(history)),
    ])


def _sponsor(w: _Words, study: Study, ae: dict[str, Any], review: AeReview) -> tuple[str, list[Row]]:
    d = ae["data"]
    report = review.report or {}
    rev = ae["revision"]

    def when(moment: Any) -> str:     # a moment as people at the site read it, with its zone
        text = site_local_text(moment, study, ae["site_id"])
        return f"{text} ({study.site(ae['site_id']).timezone})" if text else ""
    return (w.w("IV. Sponsor and report information", "四、申办方及报告信息"), [
        (w.w("24a. Sponsor [E2B C.3]", "24a. 申办方 [E2B C.3]"), w.w(study.study.sponsor, study.study.sponsor_zh),
         False),
        (w.w("24b. Case id (study-site-record) [E2B C.1.1]", "24b. 病例编号（研究-中心-记录）[E2B C.1.1]"),
         f"{study.study.id}-{ae['site_id']}-{ae['record_id']}", True),
        (w.w("24b. Study [E2B C.5.3]", "24b. 研究 [E2B C.5.3]"),
         f"{study.study.id}: {w.w(study.study.title, study.study.title_zh)}", False),
        (w.w("Site became aware [E2B C.1.4]", "研究中心获知时间 [E2B C.1.4]"), when(d.get("awareness_at")), False),
        (w.w("Report due (24 h after awareness)", "报告截止时间（获知后24小时）"),
         when(review.deadline), False),
        (w.w("24c. Reported to sponsor", "24c. 已报告申办方"),
         when(report.get("reported_at")) or w.w("AWAITING REPORT", "等待报告"), False),
        (w.w("Sponsor reference", "申办方编号"), report.get("reference") or "", True),
        (w.w("24d. Report source [E2B C.1.3]", "24d. 报告来源 [E2B C.1.3]"),
         w.w("Report from study (2)", "来自研究的报告（2）"), False),
        (w.w("25a. Report type", "25a. 报告类型"),
         w.w("Initial", "首次报告") if rev == 1 else w.w(f"Follow-up (revision {rev})", f"随访报告（第{rev}版）"),
         False),
        (w.w("Date of this information [E2B C.1.5]", "本信息日期 [E2B C.1.5]"), when(ae["collected_at"]), False),
    ])


def sae_pdf(form: Form, title: str) -> bytes:
    """The SAE form as a PDF (matplotlib, as the study report), one A4 page per ~45 lines."""
    import matplotlib

    matplotlib.use("Agg")
    from matplotlib import rc_context
    from matplotlib.backends.backend_pdf import PdfPages
    from matplotlib.figure import Figure

    lines: list[tuple[str, str, bool]] = []
    for section, fields in form:
        lines.append((section, "", True))
        lines += [(label, value, False) for label, value, _data in fields]
    buffer = io.BytesIO()
    per_page = 46
    with rc_context({"font.family": "sans-serif", "font.sans-serif": ["Noto Sans CJK SC", "DejaVu Sans"]}), \
            PdfPages(buffer) as pdf:
        for start in range(0, len(lines), per_page):
            fig = Figure(figsize=(8.27, 11.69))
            fig.text(0.06, 0.96, title, fontsize=12, weight="bold")
            y = 0.93
            for label, value, head in lines[start:start + per_page]:
                if head:
                    y -= 0.006
                    fig.text(0.06, y, label, fontsize=10, weight="bold")
                else:
                    fig.text(0.06, y, label[:62], fontsize=7.5)
                    fig.text(0.52, y, value[:85], fontsize=7.5)
                y -= 0.0195
            fig.text(0.06, 0.02, "Synthetic or pseudonymous data only; see the casebook for the full record.",
                     fontsize=6)
            pdf.savefig(fig)
    return buffer.getvalue()
