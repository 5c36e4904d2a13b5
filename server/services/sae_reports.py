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
from shared.errors import SaeReportRefused
from shared.medical_history import KIND as HISTORY
from shared.pharmacovigilance import awareness, submission_term
from shared.records import utc_now
from shared.study.model import Study

Form = list[tuple[str, list[tuple[str, str]]]]   # sections of (label, value)


def alerts(conn: Connection, study: Study, sites: Iterable[str], now: datetime) -> list[dict[str, Any]]:
    """Every serious AE of these sites not yet marked reported, oldest deadline first, each with its review
    (``review``), deadline and whether it is overdue: the alert stays until staff mark it reported."""
    events = board.serious_adverse_events(conn, sites, unreported_only=True)
    reviewer = AeReviewer(conn, study, participant_ids=[ae["participant_id"] for ae in events])
    out = []
    for ae in events:
        review = reviewer.review(ae, ae.get("arm"))
        if review.awaiting_report:
            out.append({**ae, "review": review, "deadline": review.deadline, "overdue": review.overdue(now)})
    return sorted(out, key=lambda a: (a["deadline"] is None, a["deadline"] or now))


def susars(conn: Connection, study: Study, sites: Iterable[str]) -> list[dict[str, Any]]:
    """Every suspected unexpected serious adverse reaction of these sites (serious, related to a drug of the arm
    and not in that drug's expected events), reported or not, each with its review (``review``)."""
    events = board.serious_adverse_events(conn, sites)
    reviewer = AeReviewer(conn, study, participant_ids=[ae["participant_id"] for ae in events])
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
        raise SaeReportRefused(f"reported_at: {reported_at!r} is not a date and time with UTC offset "
                               "(like 2026-03-02T08:30:00+08:00).")
    aware = awareness(ae["data"])
    if when > datetime.now(when.tzinfo) or (aware is not None and when < aware):
        raise SaeReportRefused(f"reported_at: {reported_at} must lie between the site's awareness "
                               f"({ae['data'].get('awareness_at')}) and now.")
    text = reference.strip() if isinstance(reference, str) else ""
    if not text or len(text) > 200:
        raise SaeReportRefused("reference: give the sponsor's case number or the form's reference (1-200 "
                               "characters).")
    ae_reviews.mark_reported(conn, record_id, reported_at=when.isoformat(timespec="minutes"), reference=text,
                             marked_by=actor, marked_at=utc_now())
    append(conn, AuditEntry(actor=actor, action="sae.reported", entity_type="record", entity_id=record_id,
                            new={"reported_at": when.isoformat(timespec="minutes"), "reference": text}))
    return ae


def _yes(flag: bool) -> str:
    return "Yes" if flag else "No"


def sae_form(conn: Connection, study: Study, record_id: str, sites: Iterable[str]) -> Form:
    """The SAE form of one serious AE: CIOMS I sections (reaction, suspect drugs, concomitant drugs and history,
    sponsor information) with the ICH E2B(R3) element of each field where there is one. Raises NotFound."""
    ae = board.current_record(conn, record_id, sites)
    if ae["kind"] != "adverse_event":
        raise SaeReportRefused(f"Record {record_id} is not an adverse event.")
    pid = ae["participant_id"]
    detail = board.participant_detail(conn, study, pid, sites, datetime.now().date())
    person = detail["participant"]
    enrolled = participant_store.enrolled(conn, [pid]).get(pid)
    arm = study.arm(enrolled.arm) if enrolled and enrolled.arm else None
    review = AeReviewer(conn, study).review(ae, arm.code if arm else None)
    return [_reaction(study, ae, person, review), _suspects(study, ae, arm, review, confirmation(conn, ae)),
            _history(detail["records"]), _sponsor(study, ae, review)]


def _reaction(study: Study, ae: dict[str, Any], person: dict[str, Any], review: AeReview) -> tuple[str, list]:
    d = ae["data"]
    c = review.coding or {}
    criteria = d.get("serious_criteria") or []
    return ("I. Reaction information", [
        ("1. Patient (pseudonymous id) [E2B D.1]", ae["participant_id"]),
        ("1a. Country [E2B C.2.r.3]", study.site(ae["site_id"]).country),
        ("2. Year of birth [E2B D.2.1]", str(person.get("year_of_birth") or "")),
        ("3. Sex [E2B D.5]", str(person.get("sex") or "")),
        ("4-6. Reaction onset [E2B E.i.4]", d.get("onset_date") or ""),
        ("7. Reaction as reported (verbatim) [E2B E.i.1.1a]", d.get("term") or ""),
        ("7. Reaction in English [E2B E.i.1.2]", submission_term(d)),
        ("7. MedDRA LLT / PT [E2B E.i.2.1b]", f"{c['llt_code']} {c['llt_name']} / {c['pt_code']} {c['pt_name']}"
         if c else "not coded"),
        ("7. MedDRA primary SOC", f"{c['soc_code']} {c['soc_name']}" if c else "not coded"),
        ("7. CTCAE v5.0 grade", str(d.get("grade"))),
        ("7. Treatment emergence", (review.emergence or "unknown").replace("_", "-")),
        ("7. End date [E2B E.i.5]", d.get("end_date") or ""),
        ("7. Outcome [E2B E.i.7]", OUTCOMES[d["outcome"]].en if d.get("outcome") in OUTCOMES else ""),
        *[(f"8-12. {text.en} [E2B E.i.3.2]", _yes(code in criteria)) for code, text in SERIOUSNESS_CRITERIA.items()],
        ("8. Date of death [E2B D.9.1]", d.get("death_date") or ""),
    ])


def _suspects(study: Study, ae: dict[str, Any], arm: Any, review: AeReview,
              confirmed: dict[str, Any] | None) -> tuple[str, list]:
    d = ae["data"]
    rows: list[tuple[str, str]] = []
    for t in arm.treatments if arm else []:
        name = study.drug(t.drug).name
        causality, action = per_drug(d, "causality", t.drug), per_drug(d, "action", t.drug)
        rows += [
            (f"14. Suspect drug [E2B G.k.2.2] ({name})", t.name),
            ("15. Dose [E2B G.k.4.r]", f"{t.dose:g} {t.unit}, {t.frequency}"),
            ("16. Route [E2B G.k.4.r.10]", t.route),
            ("17. Indication [E2B G.k.7]", study.study.title),
            ("18. Therapy from (first dose) [E2B G.k.4.r.4]",
             review.first_dose.isoformat() if review.first_dose else "not yet dosed"),
            ("Causality, WHO-UMC, as entered [E2B G.k.9.i.2]",
             CAUSALITY[causality].en if causality in CAUSALITY else ""),
            ("Action taken [E2B G.k.8]", ACTIONS[action].en if action in ACTIONS else ""),
            ("Expected (study reference safety information)", _yes(review.expected.get(t.drug, False))),
            ("20. Reaction abated after stopping?", "see outcome" if action in ("withdrawn", "interrupted")
             else "not applicable (not stopped)"),
        ]
    rows.append(("Causality confirmed by the investigator [E2B G.k.9.i.2.r.1]",
                 f"Yes: {confirmed['by']} at {confirmed['at']} (revision {ae['revision']})" if confirmed
                 else "No: awaiting the investigator's confirmation"))
    rows.append(("SUSAR (serious, related and unexpected)",
                 ", ".join(study.drug(x).name for x in review.susar_drugs) if review.susar else "No"))
    return ("II. Suspect drug information", rows)


def _history(records: list[dict[str, Any]]) -> tuple[str, list]:
    meds = [r["data"] for r in records if r["kind"] == CONMED]
    history = [r["data"] for r in records if r["kind"] == HISTORY]
    return ("III. Concomitant drugs and history", [
        ("22. Concomitant drugs [E2B G.k (concomitant)]",
         "; ".join(f"{m.get('name')} ({m.get('start_date') or '?'} to {m.get('end_date') or 'ongoing'})"
                   for m in meds) or "none recorded"),
        ("23. Other relevant history [E2B D.7.1]",
         "; ".join(f"{h.get('condition')} (from {h.get('start_date') or '?'})" for h in history) or "none recorded"),
    ])


def _sponsor(study: Study, ae: dict[str, Any], review: AeReview) -> tuple[str, list]:
    d = ae["data"]
    report = review.report or {}
    return ("IV. Sponsor and report information", [
        ("24a. Sponsor [E2B C.3]", study.study.sponsor),
        ("24b. Case id (study-site-record) [E2B C.1.1]", f"{study.study.id}-{ae['site_id']}-{ae['record_id']}"),
        ("24b. Study [E2B C.5.3]", f"{study.study.id}: {study.study.title}"),
        ("Site became aware [E2B C.1.4]", d.get("awareness_at") or ""),
        ("Report due (24 h after awareness)", review.deadline.isoformat() if review.deadline else ""),
        ("24c. Reported to sponsor", report.get("reported_at") or "AWAITING REPORT"),
        ("Sponsor reference", report.get("reference") or ""),
        ("24d. Report source [E2B C.1.3]", "Report from study (2)"),
        ("25a. Report type", "Initial" if ae["revision"] == 1 else f"Follow-up (revision {ae['revision']})"),
        ("Date of this information [E2B C.1.5]", ae["collected_at"]),
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
        lines += [(label, value, False) for label, value in fields]
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
