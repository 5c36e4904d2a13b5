"""The pages of the study report drawn from the ADaM tables (issue 21 points 3-7): title, baseline, primary
endpoint with per-participant trajectories, secondary endpoints, responders and compliance, safety, SAEs and lab
shifts. Every number drawn is a cell of a ``report_tables`` / ``report_safety`` table (also in tables/*.csv).

Drawing rules: visits are the study file's scheduled visits placed at their planned day (unscheduled visits are
never a timepoint); y axes of scores span the instrument's range; a mean of fewer than 3 values is drawn as a
point without a line, and the panel says so.
"""

from __future__ import annotations

import math
import textwrap
from dataclasses import dataclass, field
from typing import Any

import matplotlib.pyplot as plt
from matplotlib.figure import Figure

from server.exports.report_cut import DataCut
from server.exports.report_raster import banded_plot
from server.exports.report_tables import Table, arm_codes, baseline_labels, primary_visit
from shared.study.model import Study

PAGE = (11.69, 8.27)           # A4 landscape, inches
COLOURS = ["#1f77b4", "#d62728", "#2ca02c", "#9467bd", "#ff7f0e"]
SAFETY_ROWS = 30               # rows of the AE tables on the safety page; more are named on it
INTEREST_ROWS = 26             # rows of the AEs of interest a page; the table continues on the next page
SAE_ROWS = 10                  # SAEs listed on the page; more are named on it and are in tables/sae_listing.csv
MIN_LINE = 3                   # fewer values than this at a visit: a point, never a line through it

TEXT = {  # label -> (en, zh)
    "report": ("Study report", "研究报告"), "flow": ("Participant flow", "受试者流程"),
    "total": ("total", "合计"), "cut": ("Data cut", "数据截止"),
    "summary": ("Summary per arm", "各组概况"),
    "demo": ("synthetic demo data, not results", "合成演示数据，非研究结果"),
    "randomised": ("Randomised", "已随机"), "treated": ("Treated (safety set)", "已给药（安全性人群）"),
    "fas": ("Full analysis set", "全分析集"), "completed": ("Completed", "完成"),
    "discontinued": ("Discontinued", "终止"), "ongoing": ("On study", "在研"),
    "teae": ("With a treatment-emergent AE", "发生治疗期不良事件"), "sae": ("With a serious AE", "发生严重不良事件"),
    "primary_n": ("Primary endpoint evaluable", "主要终点可评价"),
    "baseline": ("Baseline characteristics (randomised)", "基线特征（随机化人群）"),
    "primary": ("Primary endpoint", "主要终点"), "change": ("change from baseline", "较基线变化"),
    "few": ("fewer than 3 values: points only, no line", "少于3个数值：仅画点，不连线"),
    "secondary": ("Secondary endpoints: mean change from baseline and 95 % CI by visit (FAS)",
                  "次要终点：各访视较基线变化均值及95%置信区间（全分析集）"),
    "responders": ("Responders at the primary visit (Wilson 95 % CI)", "主要终点访视应答率（Wilson 95%置信区间）"),
    "compliance": ("Dosing compliance (%)", "用药依从性（%）"), "safety": ("Safety", "安全性"),
    "sae_title": ("Serious adverse events and lab shifts", "严重不良事件及实验室检查转换"),
    "no_data": ("no data yet", "暂无数据"), "visit_day": ("planned day", "计划天数"),
    "set": ("Analysis set: full analysis set (randomised, primary lab at baseline and after it)",
            "分析人群：全分析集（已随机，基线及基线后均有主要实验室指标）"),
    "exploratory": ("Exploratory differences (Welch 95 % CI; Mann-Whitney p)",
                    "探索性组间差异（Welch 95%置信区间；Mann-Whitney p值）"),
    "all_sites": ("all sites", "全部中心"), "any": ("ANY", "任何"),
    "any_teae": ("ANY TREATMENT-EMERGENT AE", "任何治疗期不良事件"),
    "no_sae": ("No serious adverse events.", "无严重不良事件。"),
    "shifts": ("Lab shifts (baseline grade -> worst grade, participants with a worse grade)",
               "实验室检查转换（基线分级→最差分级，分级恶化者）"),
}

# The CSV column names (a contract, unchanged) -> the header drawn on a page, (en, zh).
HEADERS = {
    "arm": ("arm", "组别"), "n": ("n", "n"), "mean": ("mean", "均值"), "sd": ("SD", "标准差"),
    "mean_change": ("mean change", "变化均值"), "sd_change": ("SD", "标准差"),
    "ci_low": ("95 % CI low", "95%CI下限"), "ci_high": ("95 % CI high", "95%CI上限"),
    "min": ("min", "最小值"), "max": ("max", "最大值"),
    "median": ("median", "中位数"), "median_change": ("median", "中位数"), "q1": ("Q1", "Q1"), "q3": ("Q3", "Q3"),
    "reference": ("reference", "对照组"), "n_reference": ("n reference", "对照组n"),
    "difference": ("difference", "差值"), "welch_p": ("Welch p", "Welch p"),
    "mann_whitney_u": ("Mann-Whitney U", "Mann-Whitney U"), "mann_whitney_p": ("Mann-Whitney p", "Mann-Whitney p"),
    "drug": ("drug", "药物"), "term": ("term", "术语"), "term_zh": ("term (zh)", "中文术语"),
    "soc": ("SOC", "系统器官分类"),
    "n_exposed": ("N exposed", "暴露人数"), "n_safety": ("N", "N"), "participants": ("participants", "受试者数"),
    "percent": ("%", "%"), "ci_low_pct": ("95 % CI low %", "95%CI下限%"),
    "ci_high_pct": ("95 % CI high %", "95%CI上限%"),
    "usubjid": ("participant", "受试者"), "aeseq": ("seq", "序号"), "onset": ("onset", "发生日期"),
    "study_day": ("study day", "研究日"), "grade": ("grade", "分级"), "treatment_emergent": ("TEAE", "治疗期"),
    "outcome": ("outcome", "转归"), "flags": ("flags", "提示"), "paramcd": ("test", "检查项"),
    "baseline_grade": ("baseline grade", "基线分级"), "worst_grade": ("worst grade", "最差分级"),
}


@dataclass
class Context:
    """What every page needs: the study, its tables by name, the data cut and the language."""

    study: Study
    tables: dict[str, Table]
    cut: DataCut
    language: str = "en"
    demo: bool = False
    where: str | None = None       # the site of the scope; None: all sites
    extra: dict[str, Any] = field(default_factory=dict)   # trajectories, summary rows

    def t(self, key: str) -> str:
        en, zh = TEXT[key]
        return zh if self.language == "zh" else en

    def headers(self, columns: list[str]) -> list[str]:
        """The drawn headers of CSV columns in the report's language (unknown ones as they are)."""
        pick = 1 if self.language == "zh" else 0
        return [HEADERS[c][pick] if c in HEADERS else c.replace("_", " ") for c in columns]

    def any_ae(self, text: str) -> str:
        """The tables' "any AE" row labels (ANY TREATMENT-EMERGENT AE, ANY) in the report's language."""
        if text in ("ANY TREATMENT-EMERGENT AE", "ANY"):
            return self.t("any_teae" if text != "ANY" else "any")
        return text

    def title(self, table: Table) -> str:
        return table.title_zh if self.language == "zh" else table.title


def _num(value: Any, digits: int = 2) -> str:
    if value is None or value == "":
        return "–"
    if isinstance(value, float):
        return f"{value:.{digits}f}"
    return str(value)


def new_page(ctx: Context, title: str) -> Figure:
    fig = plt.figure(figsize=PAGE)
    fig.suptitle(title, fontsize=14, fontweight="bold", x=0.02, ha="left")
    demo = f" · {ctx.t('demo')}" if ctx.demo else ""
    where = ctx.where or ctx.t("all_sites")
    fig.text(0.02, 0.012, f"{ctx.study.study.id} · {where} · {ctx.cut.line()}{demo}", fontsize=7, color="#555")
    return fig


def draw_table(ax: Any, header: list[str], rows: list[list[Any]], *, font: float = 7.5,
               widths: list[float] | None = None, wrap: dict[int, int] | None = None) -> None:
    """A table in ``ax``; the columns in ``wrap`` (index -> characters a line) are wrapped, never cut, and each
    row is as tall as its most wrapped cell."""
    ax.axis("off")
    if not rows:
        return
    wrap = wrap or {}
    text = [[textwrap.fill(_num(c), wrap[i]) if i in wrap else _num(c) for i, c in enumerate(r)] for r in rows]
    table = ax.table(cellText=text, colLabels=header, loc="upper left", cellLoc="left", colWidths=widths)
    table.auto_set_font_size(False)
    table.set_fontsize(font)
    table.scale(1, 1.15)
    if wrap:
        cells = table.get_celld()
        for r, row in enumerate(text, start=1):
            lines = max(c.count("\n") + 1 for c in row)
            for c in range(len(row)):
                cells[(r, c)].set_height(cells[(r, c)].get_height() * lines)


def left_out(fig: Figure, y: float, shown: int, table: Table) -> None:
    """Say on the page how many rows of a table it leaves out, and where they are."""
    if len(table.rows) > shown:
        fig.text(0.02, y, f"{len(table.rows) - shown} more rows not shown here: tables/{table.name}.csv"
                          f" ({len(table.rows)} rows)", fontsize=7.5, color="#a00")


def page_title(ctx: Context) -> Figure:
    """Title page: the study, the data cut and the summary table (tables/summary.csv)."""
    s = ctx.study.study
    fig = new_page(ctx, f"{s.id} · {ctx.t('report')}")
    fig.text(0.05, 0.84, s.title_zh if ctx.language == "zh" else s.title, fontsize=16)
    fig.text(0.05, 0.79, f"{s.phase} · {s.design} · {s.sponsor}", fontsize=10)
    fig.text(0.05, 0.74, f"{ctx.t('cut')}: {ctx.cut.at}", fontsize=11, fontweight="bold")
    fig.text(0.05, 0.705, f"audit #{ctx.cut.audit_seq} · {ctx.cut.audit_hash or '–'}", fontsize=8, family="monospace")
    summary = ctx.tables["summary"]
    arms = arm_codes(ctx.study)
    grid = {(r[0], r[1]): r[2] for r in summary.rows}
    items = list(dict.fromkeys(r[0] for r in summary.rows))
    ax = fig.add_axes((0.05, 0.08, 0.9, 0.55))
    ax.set_title(ctx.t("summary"), loc="left", fontsize=11)
    draw_table(ax, ["", *arms, ctx.t("total")], [[ctx.t(i), *(grid.get((i, a), 0) for a in [*arms, "total"])]
                                          for i in items], font=9)
    return fig


def page_baseline(ctx: Context) -> Figure:
    """Baseline characteristics: mean (SD) and median [Q1, Q3] of continuous variables, n (%) by sex."""
    fig = new_page(ctx, ctx.t("baseline"))
    table, arms = ctx.tables["baseline"], [*arm_codes(ctx.study), "total"]
    whole = baseline_labels(ctx.study)     # the CSV's labels are the ADSL ones, cut to 40 characters
    cells: dict[tuple[str, str], str] = {}
    labels: dict[str, str] = {}
    for r in table.rows:
        variable, arm, category = r[0], r[2], r[3]
        label = whole.get(variable, r[1])
        key = f"{variable}={category}" if category else variable
        labels[key] = f"{label}: {category}" if category else label
        if category:
            cells[(key, arm)] = f"{r[12]} ({_num(r[13], 0)} %)" if r[4] else "–"
        else:
            cells[(key, arm)] = (f"n={r[4]}  {_num(r[5], 1)} ({_num(r[6], 1)})  [{_num(r[8], 1)}, {_num(r[9], 1)}]"
                                 if r[4] else "–")
    # A table placed "upper left" starts a padding's width into its axes: the columns take 0.96 of the axes so
    # the last (total) column ends inside the page; labels are wrapped, never cut.
    ax = fig.add_axes((0.02, 0.05, 0.94, 0.85))
    draw_table(ax, ["", *arms], [[labels[k], *(cells.get((k, a), "–") for a in arms)] for k in labels], font=7.5,
               widths=[0.26, *([0.70 / len(arms)] * len(arms))], wrap={0: 48})
    fig.text(0.02, 0.04, "continuous: n  mean (SD)  [Q1, Q3]; sex: n (%)", fontsize=7.5)
    return fig


def _means(ax: Any, xs: list[float], means: list[float | None], lows: list[Any], highs: list[Any], ns: list[int],
           colour: str, label: str) -> bool:
    """Arm means with 95 % CI; a line only through visits with n >= 3. Returns whether some n was < 3."""
    few = False
    seg_x: list[float] = []
    seg_y: list[float] = []
    for x, m, lo, hi, n in zip(xs, means, lows, highs, ns, strict=True):
        if m is None:
            continue
        if lo is not None and hi is not None:
            ax.plot([x, x], [lo, hi], color=colour, lw=1.5)
        ax.plot([x], [m], "o", color=colour, ms=5, label=label if not seg_x and not few and x == xs[0] else None)
        ax.annotate(f"n={n}", (x, m), textcoords="offset points", xytext=(4, 4), fontsize=6.5, color=colour)
        if n >= MIN_LINE:
            seg_x.append(x)
            seg_y.append(m)
        else:
            few = True
            if len(seg_x) > 1:
                ax.plot(seg_x, seg_y, color=colour, lw=2)
            seg_x, seg_y = [], []
    if len(seg_x) > 1:
        ax.plot(seg_x, seg_y, color=colour, lw=2)
    return few


def _visit_axis(ax: Any, ctx: Context, visits: list[tuple[str, int]]) -> None:
    labels = {v.id: (v.label_zh if ctx.language == "zh" else v.label) for v in ctx.study.visits}
    # broken before the bracket (en and zh), so adjacent panels' labels never collide
    ax.set_xticks([d for _v, d in visits], [labels[v].replace(" (", "\n(").replace("（", "\n（") for v, _d in visits],
                  fontsize=7)
    ax.grid(alpha=0.3)


def page_primary(ctx: Context) -> Figure:
    """Per arm: each participant's primary lab values (thin lines) under the arm mean with 95 % CI; the
    primary endpoint table and the exploratory differences below."""
    test = ctx.study.primary_lab_test()
    name = (test.name_zh if ctx.language == "zh" else test.name) if test else "–"
    fig = new_page(ctx, f"{ctx.t('primary')}: {name} ({test.unit if test else ''})")
    arms = arm_codes(ctx.study)
    by_visit = [r for r in ctx.tables["primary_by_visit"].rows if r[3] == "AVAL"]
    visits = list(dict.fromkeys((r[1], r[2]) for r in by_visit))
    trajectories = ctx.extra.get("trajectories", {})
    top = max([v for people in trajectories.values() for pts in people.values() for _d, v in pts] or [1.0])
    few = False
    for i, arm in enumerate(arms):
        ax = fig.add_axes((0.05 + i * 0.94 / len(arms), 0.47, 0.94 / len(arms) - 0.04, 0.42))
        xs: list[float] = []
        ys: list[float] = []
        for points in trajectories.get(arm, {}).values():   # one line, broken between participants (NaN):
            xs += [*(d for d, _v in points), math.nan]        # one artist a participant cost seconds and
            ys += [*(v for _d, v in points), math.nan]        # hundreds of MB at 10 000 (issue 25)
        if xs:
            banded_plot(ax, xs, ys, color="#bbb", lw=0.8, marker=".", ms=3)
        rows = [r for r in by_visit if r[0] == arm]
        few |= _means(ax, [r[2] for r in rows], [r[5] for r in rows], [r[7] for r in rows], [r[8] for r in rows],
                      [r[4] for r in rows], COLOURS[i % len(COLOURS)], arm)
        ax.set_ylim(0, (test.maximum if test and top > test.maximum / 2 else top * 1.3))
        ax.set_title(arm, fontsize=9)
        _visit_axis(ax, ctx, visits)
    table = ctx.tables["primary_endpoint"]
    day = primary_visit(ctx.study).day
    iqr = {r[0]: (r[10], r[11]) for r in ctx.tables["primary_by_visit"].rows if r[3] == "CHG" and r[2] == day}
    ax = fig.add_axes((0.05, 0.2, 0.9, 0.2))
    ax.set_title(f"{ctx.title(table)} · {ctx.t('set')}", loc="left", fontsize=8.5)
    draw_table(ax, ctx.headers([*table.columns, "q1", "q3"]),
               [[*r, *iqr.get(r[0], (None, None))] for r in table.rows])
    comp = ctx.tables["primary_comparisons"]
    ax = fig.add_axes((0.05, 0.04, 0.9, 0.13))
    ax.set_title(ctx.t("exploratory"), loc="left", fontsize=8.5)
    draw_table(ax, ctx.headers(comp.columns), comp.rows, font=7)
    if few:
        fig.text(0.6, 0.93, ctx.t("few"), fontsize=8, color="#a00")
    return fig


def page_secondary(ctx: Context) -> Figure:
    """Each secondary score: the arms' mean change from baseline (CHG) with 95 % CI at the scheduled visits after
    baseline, a dashed line at no change; the y axis spans at most the scale's range either side of 0."""
    fig = new_page(ctx, ctx.t("secondary"))
    rows = [r for r in ctx.tables["secondary_by_visit"].rows if r[5] == "CHG"]
    params = list(dict.fromkeys((r[0], r[1]) for r in rows))
    scale = ctx.extra.get("scales", {})
    few = False
    for k, (code, param) in enumerate(params[:4]):
        ax = fig.add_axes((0.06 + (k % 2) * 0.48, 0.52 - (k // 2) * 0.44, 0.42, 0.33))
        mine = [r for r in rows if r[0] == code]
        for i, arm in enumerate(arm_codes(ctx.study)):
            a = [r for r in mine if r[2] == arm]
            few |= _means(ax, [r[4] + (i - 1) * 1.5 for r in a], [r[7] for r in a], [r[9] for r in a],
                          [r[10] for r in a], [r[6] for r in a], COLOURS[i % len(COLOURS)], arm)
        ax.axhline(0, color="#555", lw=0.8, ls="--")
        low, high = scale.get(code, (None, None))
        if low is not None and high is not None:
            bottom, top = ax.get_ylim()
            ax.set_ylim(max(bottom, low - high), min(top, high - low))
        ax.set_title(param, fontsize=9)
        ax.set_ylabel(ctx.t("change"), fontsize=7)
        _visit_axis(ax, ctx, list(dict.fromkeys((r[3], r[4]) for r in mine)))
        if k == 0 and ax.get_legend_handles_labels()[0]:
            ax.legend(fontsize=7, loc="upper right")
    if few:
        fig.text(0.6, 0.93, ctx.t("few"), fontsize=8, color="#a00")
    return fig


def page_responders(ctx: Context) -> Figure:
    """Responder rates per definition and arm with Wilson intervals; dosing compliance per arm."""
    fig = new_page(ctx, ctx.t("responders"))
    table = ctx.tables["responders"]
    ax = fig.add_axes((0.07, 0.45, 0.55, 0.42))
    arms = arm_codes(ctx.study)
    defs = list(dict.fromkeys((r[0], r[1]) for r in table.rows))
    for j, (rid, _label) in enumerate(defs):
        for i, arm in enumerate(arms):
            r = next(x for x in table.rows if x[0] == rid and x[4] == arm)
            x = j + (i - (len(arms) - 1) / 2) * 0.2
            if r[6]:
                ax.errorbar([x], [100 * r[7]], yerr=[[100 * (r[7] - r[8])], [100 * (r[9] - r[7])]], fmt="o",
                            color=COLOURS[i % len(COLOURS)], capsize=3, label=arm if j == 0 else None)
                ax.annotate(f"{r[5]}/{r[6]}", (x, 100 * r[7]), textcoords="offset points", xytext=(4, 0), fontsize=7)
    ax.set_xticks(range(len(defs)), [label for _r, label in defs], fontsize=8)
    ax.set_ylim(-2, 102)
    ax.set_ylabel("%")
    if ax.get_legend_handles_labels()[0]:
        ax.legend(fontsize=8)
    ax.grid(alpha=0.3)
    comp = ctx.tables["compliance_summary"]
    ax = fig.add_axes((0.05, 0.05, 0.9, 0.3))
    ax.set_title(ctx.t("compliance"), loc="left", fontsize=9)
    draw_table(ax, ctx.headers(comp.columns), comp.rows)
    return fig


def page_safety(ctx: Context) -> Figure:
    """Treatment-emergent AEs by term x arm (participants, worst grade); terms are wrapped, never cut, and rows
    that do not fit are named on the page (all are in tables/ae_by_term.csv)."""
    fig = new_page(ctx, ctx.t("safety"))
    terms = ctx.tables["ae_by_term"]
    ax = fig.add_axes((0.02, 0.1, 0.96, 0.8))
    ax.set_title(ctx.title(terms), loc="left", fontsize=9)
    with_people = [r for r in terms.rows if r[4]]
    shown = with_people[:SAFETY_ROWS]
    draw_table(ax, [*ctx.headers(["soc", "term", "arm", "n_safety", "participants", "percent"]),
                    "G1", "G2", "G3", "G4", "G5"], [[ctx.any_ae(r[0]), ctx.any_ae(r[1]), *r[2:]] for r in shown],
               font=6.5, widths=[0.2, 0.2, *([0.6 / 9] * 9)], wrap={0: 45, 1: 45})
    if len(with_people) > len(shown):
        fig.text(0.02, 0.04, f"{len(with_people) - len(shown)} more rows not shown here: tables/ae_by_term.csv",
                 fontsize=7.5, color="#a00")
    return fig


def table_pages(ctx: Context, table: Table, columns: list[str], rows: list[list[Any]],
                wrap: dict[int, int]) -> list[Figure]:
    """One table on as many pages as it needs (INTEREST_ROWS rows a page), "(k/n)" in the title when continued."""
    chunks = [rows[i:i + INTEREST_ROWS] for i in range(0, len(rows), INTEREST_ROWS)] or [[]]
    figs = []
    for k, chunk in enumerate(chunks, start=1):
        more = f" ({k}/{len(chunks)})" if len(chunks) > 1 else ""
        fig = new_page(ctx, f"{ctx.t('safety')}: {ctx.title(table)}{more}")
        ax = fig.add_axes((0.02, 0.06, 0.96, 0.84))
        draw_table(ax, ctx.headers(columns), chunk, font=7.5, wrap=wrap)
        figs.append(fig)
    return figs


def page_interest(ctx: Context) -> list[Figure]:
    """The related AEs per drug (ae_related), then the registry's AEs of interest per drug and arm with the Wilson
    95 % CI in per cent beside the per cent; each table continues on further pages when one page cannot hold it."""
    related = ctx.tables["ae_related"]
    figs = table_pages(ctx, related, related.columns, [[r[0], ctx.any_ae(r[1]), *r[2:]] for r in related.rows],
                       {1: 30})
    interest = ctx.tables["ae_of_interest"]
    rows = [[*r[:-2], *(None if c is None else 100 * c for c in r[-2:])] for r in interest.rows]
    return [*figs, *table_pages(ctx, interest, [*interest.columns[:-2], "ci_low_pct", "ci_high_pct"],
                                [[_num(c, 1) for c in r] for r in rows], {1: 18, 2: 18})]


def page_sae(ctx: Context) -> Figure:
    """The SAE listing with its flags, and the lab shifts to a worse CTCAE grade."""
    fig = new_page(ctx, ctx.t("sae_title"))
    sae = ctx.tables["sae_listing"]
    ax = fig.add_axes((0.02, 0.5, 0.96, 0.4))
    ax.set_title(ctx.title(sae), loc="left", fontsize=9)
    if sae.rows:
        shown = sae.rows[:SAE_ROWS]
        drugs = len(sae.columns) - 11
        widths = [0.15, 0.06, 0.03, 0.1, 0.1, 0.065, 0.04, 0.035, 0.035, *([0.075] * drugs), 0.09]
        draw_table(ax, ctx.headers(sae.columns), [["" if c is None else c for c in r] for r in shown], font=6,
                   widths=[*widths, max(0.05, 1 - sum(widths))],
                   wrap={3: 20, 4: 20, **{9 + d: 14 for d in range(drugs)}, 9 + drugs: 16, 10 + drugs: 22})
        left_out(fig, 0.46, len(shown), sae)
    else:
        ax.text(0, 0.8, ctx.t("no_sae"), fontsize=9)
    shifts = [r for r in ctx.tables["lab_shift"].rows if r[4] and r[2] != "missing" and r[3] > r[2]]
    ax = fig.add_axes((0.02, 0.05, 0.6, 0.38))
    ax.set_title(ctx.t("shifts"), loc="left", fontsize=9)
    draw_table(ax, ctx.headers(ctx.tables["lab_shift"].columns), shifts[:16], font=7)
    return fig



