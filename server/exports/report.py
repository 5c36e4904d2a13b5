"""The study report (issue 21): PDF and HTML pages drawn with matplotlib (Agg), each page also as a PNG, and
every table as CSV under ``tables/``.

Every table and figure is computed from the ADaM datasets (``server.analysis.build_adam``), so a statistician can
reproduce them in SAS or R: (1) title page with the data cut (``report_cut``) and a summary table; (2) the
participant flow (CONSORT, ``report_flow``; analysed = the full analysis set); (3) baseline characteristics;
(4) the primary endpoint (primary lab test at the primary visit, change from baseline per arm with 95 % t
intervals, per-participant trajectories, exploratory combination-vs-monotherapy differences); (5) secondary
scores over visits; (6) responders (study-file definitions, Wilson intervals) and dosing compliance; (7)
treatment-emergent AEs by term, related AEs per drug, AEs of interest; (8) the SAE listing with flags and lab
shifts. Tables: ``report_tables`` and ``report_safety``; pages: ``report_pages``; labels in en or zh.
compliance.csv and sae_listing.csv (operational listings, per participant / per SAE) are kept beside them.
"""

from __future__ import annotations

import base64
import gc
import html
import io
from collections.abc import Callable
from pathlib import Path
from typing import Any

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
from matplotlib.backends.backend_pdf import PdfPages
from matplotlib.figure import Figure
from sqlalchemy import Connection

from server.analysis.adam import AdamDatasets, build_adam
from server.analysis.adqs import qs_params
from server.analysis.adsl import baseline_covariates
from server.exports.csv_export import write_csv
from server.exports.current import ALL, ExportScope, current_records
from server.exports.dosing import compliance_columns
from server.exports.release_memory import release_free_memory
from server.exports.report_cut import data_cut
from server.exports.report_data import ReportData, gather_with_adam
from server.exports.report_flow import FLOW_COLUMNS, Flow, flow_rows, gather_flow
from server.exports.report_home import home_html, home_table, page_home
from server.exports.report_pages import (
    Context,
    new_page,
    page_baseline,
    page_interest,
    page_primary,
    page_responders,
    page_sae,
    page_safety,
    page_secondary,
    page_title,
)
from server.exports.report_safety import safety_tables
from server.exports.report_tables import (
    Analysis,
    AnalysisRecords,
    Table,
    analysis,
    arm_codes,
    efficacy_tables,
    participant_trajectories,
)
from server.services.ae_review import AeReviewer
from shared.adverse_events import per_drug
from shared.disposition import REASONS
from shared.study.model import Study

FONT = ["Noto Sans CJK SC", "DejaVu Sans"]
LANGUAGES = ("en", "zh")


def _arm_label(study: Study, code: str) -> str:
    arm = study.arm(code)
    return f"{arm.code}\n{arm.name_zh}"


def _box(ax: Any, x: float, y: float, text: str, colour: str = "#f4f4f4") -> None:
    ax.text(x, y, text, ha="center", va="center", fontsize=8.5, transform=ax.transAxes,
            bbox={"boxstyle": "round,pad=0.5", "fc": colour, "ec": "#555"})


def _arrow(ax: Any, start: tuple[float, float], end: tuple[float, float]) -> None:
    ax.annotate("", xy=end, xytext=start, xycoords="axes fraction", arrowprops={"arrowstyle": "->", "color": "#555"})


def _short(text: str, width: int = 48) -> str:
    return text if len(text) <= width else text[:width - 1] + "…"


def page_flow(ctx: Context) -> Figure:
    """CONSORT-style participant flow (``server.exports.report_flow``), boxes and arrows from top to bottom."""
    study = ctx.study
    fig = new_page(ctx, ctx.t("flow"))
    ax = fig.add_axes((0.02, 0.05, 0.96, 0.86))
    ax.axis("off")
    flow: Flow = ctx.extra["flow"]
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


# a page may return several figures: a table continued on the next pages
PAGES = (page_title, page_flow, page_baseline, page_primary, page_secondary, page_responders, page_home,
         page_safety, page_interest, page_sae)


def _scales(study: Study) -> dict[str, tuple[float, float]]:
    """PARAMCD -> (minimum, maximum) of each score's scale, for the y axes."""
    out: dict[str, tuple[float, float]] = {}
    for p in qs_params(study):
        inst = study.instrument(p.instrument_id)
        top = inst.score_maximum()
        if top is not None:
            out[p.paramcd] = (0.0, float(top))
    return out


def report_tables(study: Study, adam: AdamDatasets | Analysis) -> list[Table]:
    """Every table of the report, in page order (tables/<name>.csv)."""
    an = analysis(adam)
    return [*efficacy_tables(study, an), *safety_tables(study, an.adam)]


def _html(ctx: Context, pngs: list[bytes]) -> str:
    study = ctx.study
    imgs = "\n".join(f'<section><img alt="page {i}" src="data:image/png;base64,{base64.b64encode(p).decode()}">'
                     f"</section>" for i, p in enumerate(pngs, start=1))
    grid = {(r[0], r[1]): r[2] for r in ctx.tables["summary"].rows}
    reasons = ctx.extra["reasons"]
    rows = "".join(
        f"<tr><td>{html.escape(a)}</td><td>{grid[('randomised', a)]}</td><td>{grid[('treated', a)]}</td>"
        f"<td>{grid[('fas', a)]}</td><td>{grid[('teae', a)]}</td><td>{grid[('sae', a)]}</td>"
        f"<td>{grid[('completed', a)]}</td><td>{grid[('discontinued', a)]}"
        f"{f' ({html.escape(reasons[a])})' if reasons.get(a) else ''}</td><td>{grid[('ongoing', a)]}</td></tr>"
        for a in arm_codes(study))
    title = study.study.title_zh if ctx.language == "zh" else study.study.title
    heads = "".join(f"<th>{html.escape(h)}</th>" for h in [
        *ctx.headers(["arm"]), *(ctx.t(k) for k in ("randomised", "treated", "fas", "teae", "sae", "completed",
                                                    "discontinued", "ongoing"))])
    return (f"<!doctype html><html lang='{ctx.language}'><head><meta charset='utf-8'><title>"
            f"{html.escape(study.study.id)} {html.escape(ctx.t('report'))}</title><style>body{{font-family:"
            "'Noto Sans CJK SC',sans-serif;margin:2em}img{max-width:100%;border:1px solid #ccc;margin:1em 0}"
            f"td,th{{padding:2px 8px}}</style></head><body><h1>{html.escape(title)}</h1><p>"
            f"{html.escape(study.study.title_zh)} · {html.escape(ctx.cut.line())}</p><table><tr>{heads}</tr>{rows}"
            f"</table>{home_html(ctx)}{imgs}</body></html>")


def _reasons(study: Study, adam: AdamDatasets) -> dict[str, str]:
    """Arm -> "reason n, ..." of its discontinuations (ADSL DCSREAS, in the NCOMPLT order of shared.disposition)."""
    out: dict[str, str] = {}
    for arm in arm_codes(study):
        got = [r["DCSREAS"] for r in adam.adsl if r["ARMCD"] == arm and r["EOSSTT"] == "DISCONTINUED"]
        out[arm] = ", ".join(f"{term.lower()} {got.count(term)}" for term, *_rest in REASONS.values()
                             if got.count(term))
    return out


# The variables the report's tables read (report_tables, report_safety): everything else of ADSL, ADQS and ADLB
# is dropped as each participant is built, so memory does not hold every record of the study (issue 25).
_BDS_KEYS = ("USUBJID", "ARMCD", "PARAMCD", "ANL01FL", "AVISITN", "AVAL", "CHG", "BASE")
_ADLB_KEYS = (*_BDS_KEYS, "ATOXGRN", "BTOXGRN")
_ADSL_KEYS = ("USUBJID", "ARMCD", "RANDFL", "SAFFL", "FASFL", "EOSSTT", "DCSREAS", "COMPLPCT", "AGE", "SEX")


class _BdsRow:
    """One ADQS/ADLB record with only the variables the tables read, in slots: read like a dict row
    (``row["AVAL"]``, at C speed), a third of a dict's memory (250 000 ADQS rows at 10 000 x 12)."""

    __slots__ = _ADLB_KEYS
    __getitem__ = object.__getattribute__

    def __init__(self, row: dict[str, Any]) -> None:
        for k in _ADLB_KEYS:
            setattr(self, k, row.get(k))

    def get(self, key: str, default: Any = None) -> Any:
        return getattr(self, key, default)


def _report_part(adsl_keys: tuple[str, ...],
                 adqs: AnalysisRecords | None = None) -> Callable[[AdamDatasets], AdamDatasets]:
    """One participant's ADaM as the report reads it: ADAE whole; ADSL with ``adsl_keys``; ADLB with the variables
    of its tables; ADQS only its analysis records at a scheduled visit (ANL01FL "Y", AVISITN set: the only ADQS
    rows a table reads), with those variables, or, given ``adqs``, added to it as columns and left out of the
    part (the report's own read: no row kept, issue 25)."""
    def keep(part: AdamDatasets) -> AdamDatasets:
        if adqs is not None:
            adqs.add(part.adqs)
        return AdamDatasets(
            adsl=[{k: r[k] for k in adsl_keys} for r in part.adsl], adae=part.adae,
            adlb=[_BdsRow(r) for r in part.adlb],   # type: ignore[misc]
            adqs=[] if adqs is not None else
            [_BdsRow(r) for r in part.adqs if r["ANL01FL"] == "Y" and r["AVISITN"] is not None])  # type: ignore[misc]
    return keep


def report_adam(conn: Connection, study: Study, scope: ExportScope) -> AdamDatasets:
    """The ADaM datasets as the report reads them (``_report_part``), sorted like ``build_adam``."""
    return build_adam(conn, study, scope=scope, keep=_report_part(_adsl_keys(study)))


def _adsl_keys(study: Study) -> tuple[str, ...]:
    return (*_ADSL_KEYS, *(c.name for c in baseline_covariates(study)))


def report_context(conn: Connection, study: Study, *, scope: ExportScope = ALL,
                   language: str = "en") -> tuple[Context, ReportData]:
    """What the pages are drawn from (the tables from the ADaM datasets, the data cut, the flow) and the
    per-participant compliance listing; the tests draw single pages from it."""
    as_of = scope.as_of(study, scope.site_id)   # the data cut (never after the site's today), as DV judges it
    # one read of the participants gives the ADaM datasets (report_adam's), the compliance listing and the
    # first doses the flow counts as treated
    adqs = AnalysisRecords()     # ADQS as columns, filled as each participant is read
    read = gather_with_adam(conn, study, scope, as_of, _report_part(_adsl_keys(study), adqs))
    data, adam = read.data, read.adam
    tables = {t.name: t for t in report_tables(study, Analysis(adam, adqs, AnalysisRecords(adam.adlb)))}
    fas = {a: sum(1 for r in adam.adsl if r["ARMCD"] == a and r["FASFL"] == "Y") for a in arm_codes(study)}
    ctx = Context(study, tables, data_cut(conn, scope), language, data.demo, scope.site_id,
                  {"flow": gather_flow(conn, study, scope, fas, first_doses=data.first_doses),
                   "trajectories": participant_trajectories(study, adam),
                   "scales": _scales(study), "reasons": _reasons(study, adam),
                   "home_compliance": home_table(data)})
    return ctx, data


def export_report(conn: Connection, study: Study, out_dir: Path, *, scope: ExportScope = ALL,
                  language: str = "en") -> dict[str, int]:
    """Write report.pdf, report.html, page-N.png, tables/*.csv (every table of the report, from the ADaM
    datasets), data_cut.txt, sae_listing.csv and compliance.csv (per participant: first-dose date, dates covered,
    compliance overall and per drug, ``server.exports.dosing``) into ``out_dir``; labels in ``language``."""
    if language not in LANGUAGES:
        raise ValueError(f"language: {language!r} is not one of {LANGUAGES}")
    out_dir.mkdir(parents=True, exist_ok=True)
    ctx, data = report_context(conn, study, scope=scope, language=language)
    tables = ctx.tables
    # the listings first, so the per-participant compliance rows and the AE review go before the pages are drawn,
    # and the data stage's freed heap goes back to the system (issue 25: peak memory)
    written = _write_listings(conn, study, out_dir, scope, data)
    del data
    release_free_memory()
    pngs: list[bytes] = []
    # A closed figure (with its ~5 MB PNG canvas) is a reference cycle, freed only by a full garbage collection,
    # which seldom came: every page added its canvas to the peak (issue 25). The pages' data is frozen out of
    # the collector, so collecting after each page only walks the page's own objects. In a server worker the
    # start-up objects are frozen already (``server.commands.run.tune_collector``): unfreezing at the end would
    # undo that, so there the collector, which skips them anyway, walks the report's data too.
    own_freeze = gc.get_freeze_count() == 0
    if own_freeze:
        gc.freeze()
    try:
        with plt.rc_context({"font.family": "sans-serif", "font.sans-serif": FONT, "axes.unicode_minus": False}), \
                PdfPages(out_dir / "report.pdf") as pdf:
            for make in PAGES:
                _save_pages(make(ctx), pdf, out_dir, pngs)
                release_free_memory()     # gc.collect + malloc_trim: the page's canvas back to the system
    finally:
        if own_freeze:
            gc.unfreeze()
    (out_dir / "report.html").write_text(_html(ctx, pngs), encoding="utf-8")
    (out_dir / "data_cut.txt").write_text("".join(f"{k}={v}\n" for k, v in ctx.cut.as_dict().items()),
                                          encoding="utf-8")
    tables_dir = out_dir / "tables"
    tables_dir.mkdir(exist_ok=True)
    written["tables/flow.csv"] = write_csv(tables_dir / "flow.csv", FLOW_COLUMNS, flow_rows(ctx.extra["flow"]))
    home = ctx.extra["home_compliance"]    # issue 24: daily compliance from the home diary, as drawn and shown
    written["tables/home_compliance.csv"] = write_csv(tables_dir / f"{home.name}.csv", home.columns, home.rows)
    for name, table in tables.items():
        written[f"tables/{name}.csv"] = write_csv(tables_dir / f"{name}.csv", table.columns, table.rows)
    return {"report.pdf": len(pngs), "report.html": len(pngs), **written}


def _save_pages(made: Figure | list[Figure], pdf: PdfPages, out_dir: Path, pngs: list[bytes]) -> None:
    """Each figure of one page into the PDF and as page-N.png (its bytes added to ``pngs``), then closed. A function
    of its own so no name is left bound to the last figure when the memory is released: a loop variable kept
    the page's figure, its canvas and its data (~12 MB of the primary endpoint's at 10 000 participants) alive
    into the next page, whose peak they added to (issue 25)."""
    for fig in made if isinstance(made, list) else [made]:
        pdf.savefig(fig)
        buf = io.BytesIO()
        fig.savefig(buf, format="png", dpi=110)
        pngs.append(buf.getvalue())
        (out_dir / f"page-{len(pngs)}.png").write_bytes(pngs[-1])
        plt.close(fig)


def _write_listings(conn: Connection, study: Study, out_dir: Path, scope: ExportScope,
                    data: ReportData) -> dict[str, int]:
    """sae_listing.csv (every SAE with its review: coding, SUSAR, deadline) and compliance.csv."""
    per_drug_columns = [f"causality_{d}" for d in study.drug_ids]
    # the first doses of the ADaM pass (as its own AE review takes them), not one read per participant with an SAE
    reviewer = AeReviewer(conn, study, site_id=scope.site_id, first_doses=data.first_doses)

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
    return {"sae_listing.csv": saes, "compliance.csv": compliance}
