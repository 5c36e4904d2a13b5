"""The study report: PDF and HTML pages drawn with matplotlib (Agg), plus each page as a PNG.

Pages: (1) the participant flow (CONSORT: screened, screen failures by failed criterion, randomised, treated,
discontinued by reason, completed and analysed per arm, ``report_flow``; also written as tables/flow.csv);
(2) enrolment and compliance per arm; (3) Treg % (primary endpoint) at the visits with the role lab
per arm; (4) the patient global and patient index scores over time per arm; (5) change from baseline of the
clinician index and clinician global scores (instruments found by their roles in the study file); (6) AE
incidence per arm with Wilson 95 % intervals and the SAE listing. Bars and points show mean +/- SD with n.
Numbers come from one streaming pass (report_data.gather); the full SAE listing is also written as
sae_listing.csv.
"""

from __future__ import annotations

import base64
import html
import io
from pathlib import Path
from typing import Any

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
from matplotlib.backends.backend_pdf import PdfPages
from matplotlib.figure import Figure
from sqlalchemy import Connection

from server.exports.csv_export import write_csv
from server.exports.current import ALL, ExportScope, current_records
from server.exports.dosing import compliance_columns
from server.exports.report_data import ReportData, gather, lab_visits, wilson_interval
from server.exports.report_flow import FLOW_COLUMNS, Flow, flow_rows, gather_flow
from server.services.ae_review import AeReviewer
from shared.adverse_events import per_drug
from shared.disposition import REASONS
from shared.study.model import Study

FONT = ["Noto Sans CJK SC", "DejaVu Sans"]
PAGE = (11.69, 8.27)           # A4 landscape, inches
COLOURS = ["#1f77b4", "#d62728", "#2ca02c", "#9467bd", "#ff7f0e"]


def _arm_label(study: Study, code: str) -> str:
    arm = study.arm(code)
    return f"{arm.code}\n{arm.name_zh}"


def _page(title: str, study: Study, data: ReportData, scope: ExportScope) -> Figure:
    fig = plt.figure(figsize=PAGE)
    fig.suptitle(title, fontsize=15, fontweight="bold", x=0.02, ha="left")
    where = scope.site_id or "all sites"
    span = f"from {scope.date_from or 'the first'} to {scope.date_to or data.as_of}"
    demo = " · synthetic demo data, not results" if data.demo else ""
    fig.text(0.02, 0.015, f"{study.study.id} · {study.study.title} · {where} · records {span} · "
             f"data as of {data.as_of}{demo}", fontsize=7.5, color="#555")
    return fig


def _series_plot(ax: Any, study: Study, data: ReportData, measure: str, visits: list[str], ylabel: str) -> None:
    """Mean +/- SD per visit, one line per arm, offset a little so error bars do not overlap."""
    for k, arm in enumerate(data.arms):
        xs, ys, es, ns = [], [], [], []
        for i, v in enumerate(visits):
            r = data.get(measure, arm, v)
            if r.n:
                xs.append(i + (k - 1) * 0.08)
                ys.append(r.mean)
                es.append(r.sd)
                ns.append(r.n)
        if xs:
            ax.errorbar(xs, ys, yerr=es, marker="o", capsize=3, color=COLOURS[k], label=f"{arm} (n at each visit)")
            for x, y, n in zip(xs, ys, ns, strict=True):
                ax.annotate(f"n={n}", (x, y), textcoords="offset points", xytext=(4, 4), fontsize=7, color=COLOURS[k])
    ax.set_xticks(range(len(visits)), [study.visit(v).label.replace(" (", "\n(") for v in visits], fontsize=8)
    ax.set_xlim(-0.5, max(len(visits), 1) - 0.5)       # a single visit stays a narrow cluster, not the full width
    ax.set_ylabel(ylabel)
    ax.grid(alpha=0.3)
    if not ax.get_lines():
        ax.text(0.5, 0.5, "no data yet", transform=ax.transAxes, ha="center", color="#888")
    else:
        ax.legend(fontsize=8)


def _visits_with(data: ReportData, measure: str, study: Study) -> list[str]:
    present = {v for (m, _a, v), r in data.series.items() if m == measure and r.n}
    return [v.id for v in study.visits if v.id in present]


def _box(ax: Any, x: float, y: float, text: str, colour: str = "#f4f4f4") -> None:
    ax.text(x, y, text, ha="center", va="center", fontsize=8.5, transform=ax.transAxes,
            bbox={"boxstyle": "round,pad=0.5", "fc": colour, "ec": "#555"})


def _arrow(ax: Any, start: tuple[float, float], end: tuple[float, float]) -> None:
    ax.annotate("", xy=end, xytext=start, xycoords="axes fraction", arrowprops={"arrowstyle": "->", "color": "#555"})


def _short(text: str, width: int = 48) -> str:
    return text if len(text) <= width else text[:width - 1] + "…"


def page_flow(study: Study, data: ReportData, scope: ExportScope) -> Figure:
    """CONSORT-style participant flow (``server.exports.report_flow``), boxes and arrows from top to bottom."""
    fig = _page("Participant flow 受试者流程", study, data, scope)
    ax = fig.add_axes((0.02, 0.05, 0.96, 0.86))
    ax.axis("off")
    flow: Flow | None = data.flow
    if flow is None:
        return fig
    s, texts = flow.screening, {c.id: c for c in (*study.inclusion, *study.exclusion)}
    _box(ax, 0.3, 0.95, f"Screened 已筛选\nn = {s.screened}")
    failed = [f"{c}: {_short(texts[c].text) if c in texts else c}  n = {n}"
              for c, n in flow.failed_by_criterion.items() if n]
    _box(ax, 0.75, 0.86, f"Screen failures 筛选失败  n = {s.screen_failures}\n" + "\n".join(failed or ["—"]),
         "#fde0dd")
    _box(ax, 0.3, 0.80, f"Pending 待定  n = {s.pending}\nEligible, not randomised 合格未随机  "
                        f"n = {s.eligible_not_randomised}")
    _box(ax, 0.3, 0.66, f"Randomised 已随机\nn = {s.randomised}", "#deebf7")
    _arrow(ax, (0.3, 0.92), (0.3, 0.83))
    _arrow(ax, (0.36, 0.94), (0.56, 0.88))
    _arrow(ax, (0.3, 0.77), (0.3, 0.69))
    arms = list(flow.randomised)
    for i, arm in enumerate(arms):
        x, d = (i + 0.5) / max(1, len(arms)), flow.disposition[arm]
        _arrow(ax, (0.3, 0.63), (x, 0.56))
        _box(ax, x, 0.51, f"{_arm_label(study, arm)}\nRandomised 已随机 n = {flow.randomised[arm]}\n"
                          f"Treated 已给药 n = {flow.treated[arm]}", "#deebf7")
        reasons = [f"{REASONS[r][2].en} {REASONS[r][2].zh}: {n}" for r, n in d.discontinued.items() if n]
        _box(ax, x, 0.30, f"Discontinued 终止  n = {d.total_discontinued}\n" + "\n".join(reasons or ["—"]))
        _box(ax, x, 0.09, f"Completed 完成 n = {d.completed}\nOn study 在研 n = {d.on_study}\n"
                          f"Analysed 分析 n = {flow.analysed[arm]}", "#e5f5e0")
        _arrow(ax, (x, 0.45), (x, 0.36))
        _arrow(ax, (x, 0.24), (x, 0.15))
    return fig


def page_overview(study: Study, data: ReportData, scope: ExportScope) -> Figure:
    fig = _page("Enrolment and compliance per arm", study, data, scope)
    ax1, ax2 = fig.subplots(1, 2)
    fig.subplots_adjust(top=0.85, bottom=0.15, wspace=0.3)
    labels = [_arm_label(study, a) for a in data.arms]
    enrolled = [data.enrolled[a] for a in data.arms]
    targets = [study.arm(a).target for a in data.arms]
    ax1.bar(labels, targets, color="#ddd", label="target")
    bars = ax1.bar(labels, enrolled, color=COLOURS[:len(labels)], width=0.5, label="enrolled")
    ax1.bar_label(bars, padding=2)
    ax1.set_title(f"Enrolment: {sum(enrolled)} of {study.study.target_enrolment} (target)")
    ax1.set_ylabel("participants")
    ax1.legend(fontsize=8)
    rates = [100 * data.forms_done[a] / data.forms_due[a] if data.forms_due[a] else 0 for a in data.arms]
    bars = ax2.bar(labels, rates, color=COLOURS[:len(labels)], width=0.5)
    ax2.bar_label(bars, labels=[f"{data.forms_done[a]} / {data.forms_due[a]}" for a in data.arms], padding=2)
    ax2.set_ylim(0, 110)
    ax2.set_ylabel("forms done / forms due (%)")
    ax2.set_title("Compliance: forms done of forms due\n(visits whose window has closed)")
    return fig


def page_treg(study: Study, data: ReportData, scope: ExportScope) -> Figure:
    fig = _page("Primary endpoint: Treg cells, % of CD4+ (flow cytometry)", study, data, scope)
    ax = fig.subplots()
    fig.subplots_adjust(top=0.85, bottom=0.15)
    visits = lab_visits(study)
    width = 0.8 / max(1, len(visits))
    primary = study.primary_lab_test()
    measure = f"lab_{primary.code}" if primary else ""
    for j, visit in enumerate(visits):
        runs = [data.get(measure, a, visit) for a in data.arms]
        xs = [i + (j - 1) * width for i in range(len(data.arms))]
        bars = ax.bar(xs, [r.mean for r in runs], width, yerr=[r.sd for r in runs], capsize=3,
                      color=["#9ecae1", "#4292c6", "#08519c", "#08306b"][j % 4], label=study.visit(visit).label)
        ax.bar_label(bars, labels=[f"{r.mean:.1f}\nn={r.n}" if r.n else "no data" for r in runs], fontsize=7,
                     padding=2)
    ax.set_xticks(range(len(data.arms)), [_arm_label(study, a) for a in data.arms])
    ax.set_ylabel("Treg % of CD4+ (mean ± SD)")
    ax.legend(fontsize=8)
    ax.grid(axis="y", alpha=0.3)
    return fig


def page_pro(study: Study, data: ReportData, scope: ExportScope) -> Figure:
    fig = _page("Patient-reported outcomes over time per arm (mean ± SD)", study, data, scope)
    ax1, ax2 = fig.subplots(1, 2)
    fig.subplots_adjust(top=0.85, bottom=0.18, wspace=0.25)
    for ax, role in ((ax1, "patient_global"), (ax2, "patient_index")):
        inst = study.instrument_with_role(role)
        if inst is None:
            ax.set_axis_off()
            continue
        _series_plot(ax, study, data, role, _visits_with(data, role, study), f"{inst.short.en} ({_range(inst)})")
        ax.set_title(f"{inst.short.en} {inst.short.zh}" if inst.short.zh != inst.short.en else inst.short.en)
    return fig


def _range(inst: Any) -> str:
    top = inst.score_maximum()
    unit = inst.items[0].unit if len(inst.items) == 1 and inst.items[0].unit else ""
    return f"{unit + ', ' if unit else ''}0-{top:g}" if top is not None else "score"


def page_clinician(study: Study, data: ReportData, scope: ExportScope) -> Figure:
    fig = _page("Clinician-rated change from baseline per arm (mean ± SD)", study, data, scope)
    ax1, ax2 = fig.subplots(1, 2)
    fig.subplots_adjust(top=0.85, bottom=0.18, wspace=0.25)
    for ax, role in ((ax1, "clinician_index"), (ax2, "clinician_global")):
        inst = study.instrument_with_role(role)
        if inst is None:
            ax.set_axis_off()
            continue
        measure = f"{role}_change"
        _series_plot(ax, study, data, measure, _visits_with(data, measure, study),
                     f"{inst.short.en} change from baseline ({_range(inst)} scale)")
        mcii = inst.scores[0].mcii if inst.scores else None
        if mcii is not None:
            ax.axhline(mcii, color="#888", ls="--", lw=0.8)
            ax.set_title(f"{inst.short.en} (dashed: minimal clinically important improvement, {mcii:g})")
        else:
            ax.set_title(inst.short.en)
        ax.axhline(0, color="#444", lw=0.6)
    return fig


def page_safety(study: Study, data: ReportData, scope: ExportScope) -> Figure:
    fig = _page("Safety: adverse events per arm and serious adverse events", study, data, scope)
    ax = fig.add_axes((0.07, 0.52, 0.55, 0.33))
    labels = [_arm_label(study, a) for a in data.arms]
    for i, arm in enumerate(data.arms):
        n = data.enrolled[arm]
        for off, count, colour, name in ((-0.12, data.with_ae[arm], COLOURS[i], "any AE"),
                                         (0.12, data.with_sae[arm], "#555", "serious AE")):
            p = count / n if n else 0.0
            lo, hi = wilson_interval(count, n)
            err = [[100 * max(0.0, p - lo)], [100 * max(0.0, hi - p)]]
            ax.errorbar([i + off], [100 * p], yerr=err, fmt="o" if off < 0 else "s", color=colour,
                        capsize=4, label=name if i == 0 else None)
            ax.annotate(f"{count}/{n}", (i + off, 100 * p), textcoords="offset points", xytext=(5, 0), fontsize=7)
    ax.set_xticks(range(len(labels)), labels)
    ax.set_xlim(-0.6, len(labels) - 0.4)
    ax.set_ylim(-2, 102)
    ax.set_ylabel("participants with event (%)")
    ax.set_title("Incidence per arm with 95 % Wilson score intervals", fontsize=10)
    ax.legend(fontsize=8, loc="upper right")
    fig.text(0.66, 0.80, "Participants with ≥ 1 event / participants\nenrolled in the arm. Wilson score interval\n"
             "(z = 1.96), computed with the standard library.", fontsize=8, va="top")
    tab = fig.add_axes((0.04, 0.06, 0.92, 0.38))
    tab.axis("off")
    tab.set_title(f"Serious adverse events: {data.sae_total} (listing shows up to {len(data.saes)}; "
                  "full listing in sae_listing.csv)", fontsize=10, loc="left")
    cols = ["participant", "arm", "term", "onset", "grade", "criteria", "causality", "outcome"]
    if data.saes:
        table = tab.table(cellText=[[str(s[c]) for c in cols] for s in data.saes], colLabels=cols,
                          loc="upper left", cellLoc="left",
                          colWidths=[0.09, 0.07, 0.2, 0.09, 0.05, 0.16, 0.22, 0.12])
        table.auto_set_font_size(False)
        table.set_fontsize(7)
        table.scale(1, 1.2)
    else:
        tab.text(0.0, 0.8, "No serious adverse events.", fontsize=9)
    return fig


PAGES = (page_flow, page_overview, page_treg, page_pro, page_clinician, page_safety)


def _html(study: Study, data: ReportData, pngs: list[bytes]) -> str:
    imgs = "\n".join(f'<section><img alt="page {i}" src="data:image/png;base64,{base64.b64encode(p).decode()}">'
                     f"</section>" for i, p in enumerate(pngs, start=1))
    rows = "".join(f"<tr><td>{html.escape(a)}</td><td>{data.enrolled[a]}</td><td>{data.forms_done[a]}</td>"
                   f"<td>{data.forms_due[a]}</td><td>{data.with_ae[a]}</td><td>{data.with_sae[a]}</td>"
                   f"<td>{_compliance_cell(data, a)}</td>{_disposition_cells(data, a)}</tr>" for a in data.arms)
    return (f"<!doctype html><html lang='en'><head><meta charset='utf-8'><title>{html.escape(study.study.id)} "
            "study report</title><style>body{font-family:'Noto Sans CJK SC',sans-serif;margin:2em}"
            "img{max-width:100%;border:1px solid #ccc;margin:1em 0}td,th{padding:2px 8px}</style></head><body>"
            f"<h1>{html.escape(study.study.title)}</h1><p>{html.escape(study.study.title_zh)} · data as of "
            f"{data.as_of}</p><table><tr><th>arm</th><th>enrolled</th><th>forms done</th><th>forms due</th>"
            f"<th>with AE</th><th>with SAE</th><th>dosing compliance</th><th>completed</th><th>discontinued</th>"
            f"<th>on study</th></tr>{rows}</table>{imgs}</body></html>")


def _disposition_cells(data: ReportData, arm: str) -> str:
    """Completed, discontinued (with each NCOMPLT reason that occurred) and still on study."""
    c = data.dispositions(arm)
    reasons = ", ".join(f"{html.escape(REASONS[r][0].lower())} {n}" for r, n in c.discontinued.items() if n)
    return (f"<td>{c.completed}</td><td>{c.total_discontinued}{f' ({reasons})' if reasons else ''}</td>"
            f"<td>{c.on_study}</td>")


def _compliance_cell(data: ReportData, arm: str) -> str:
    """Mean (SD) of the arm's participants' compliance %, and how many have any diary."""
    r = data.compliance.get(arm)
    return f"{r.mean:.1f} % (SD {r.sd:.1f}, n={r.n})" if r and r.n else "–"


def export_report(conn: Connection, study: Study, out_dir: Path, *, scope: ExportScope = ALL) -> dict[str, int]:
    """Write report.pdf, report.html, page-N.png, sae_listing.csv and compliance.csv (per participant: first-dose
    date, dates covered, compliance overall and per drug, ``server.exports.dosing``) into ``out_dir``."""
    out_dir.mkdir(parents=True, exist_ok=True)
    as_of = scope.as_of(study, scope.site_id)   # the data cut (never after the site's today), as DV judges it
    data = gather(conn, study, scope, as_of)
    data.flow = gather_flow(conn, study, scope, data.enrolled)
    pngs: list[bytes] = []
    with plt.rc_context({"font.family": "sans-serif", "font.sans-serif": FONT, "axes.unicode_minus": False}), \
            PdfPages(out_dir / "report.pdf") as pdf:
        for n, make in enumerate(PAGES, start=1):
            fig = make(study, data, scope)
            pdf.savefig(fig)
            buf = io.BytesIO()
            fig.savefig(buf, format="png", dpi=110)
            pngs.append(buf.getvalue())
            (out_dir / f"page-{n}.png").write_bytes(buf.getvalue())
            plt.close(fig)
    (out_dir / "report.html").write_text(_html(study, data, pngs), encoding="utf-8")
    per_drug_columns = [f"causality_{d}" for d in study.drug_ids]
    reviewer = AeReviewer(conn, study, site_id=scope.site_id)

    def sae_row(r: dict[str, Any]) -> list[Any]:
        d, review = r["data"], reviewer.review(r, r.get("arm"))
        return [r["record_id"], r["participant_id"], r["site_id"], d["term"], d.get("term_en"), d["onset_date"],
                d["grade"], ",".join(d.get("serious_criteria") or []),
                *(per_drug(d, "causality", drug) for drug in study.drug_ids), d.get("outcome"),
                (review.coding or {}).get("pt_name"), review.susar, d.get("awareness_at"),
                review.deadline.isoformat() if review.deadline else None, (review.report or {}).get("reported_at")]

    saes = write_csv(out_dir / "sae_listing.csv", ["record_id", "participant_id", "site_id", "term", "term_en",
                                                    "onset_date", "grade", "serious_criteria", *per_drug_columns,
                                                    "outcome", "meddra_pt", "susar", "awareness_at", "report_due",
                                                    "reported_at"],
                     (sae_row(r) for r in current_records(conn, kind="adverse_event", scope=scope, with_arm=True)
                      if r["data"].get("serious")))
    compliance = write_csv(out_dir / "compliance.csv", compliance_columns(study), data.compliance_rows)
    (out_dir / "tables").mkdir(exist_ok=True)
    flow = write_csv(out_dir / "tables" / "flow.csv", FLOW_COLUMNS, flow_rows(data.flow))
    return {"report.pdf": len(PAGES), "report.html": len(PAGES), "sae_listing.csv": saes,
            "compliance.csv": compliance, "tables/flow.csv": flow}
