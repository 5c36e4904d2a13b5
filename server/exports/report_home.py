"""The report's "daily compliance (home diary)" table (issue 24): per arm, what the participants' daily home
dosing entries say was taken against the doses due over the days they cover (``shared.home_compliance``, via
``server.exports.dosing.home_compliance_rows``). The same rows are written as ``tables/home_compliance.csv``,
drawn on a PDF page and shown in report.html, so the three never disagree."""

from __future__ import annotations

import html

from matplotlib.figure import Figure

from server.exports.dosing import HOME_COMPLIANCE_COLUMNS, home_compliance_rows
from server.exports.report_data import ReportData
from server.exports.report_pages import Context, draw_table, new_page
from server.exports.report_tables import Table

TITLE = ("Daily compliance (home diary)", "每日依从性（居家日志）")
NOTE = ("Doses taken on the days of the participants' phone entries against the doses due on them: a day answered "
        "'no dose was due' expects none; a weekly schedule allows at most its doses per week. Over 100 %: more "
        "doses taken than the schedule allows (shown as reported, flagged).",
        "按受试者手机日志所记录的日期统计实际用药次数与应用药次数：回答“这一天不需要用药”的日期不计应用药；"
        "按周给药的药物每周最多计其每周剂次。超过100%：用药次数多于方案规定（按实际显示并标记）。")
FLAG = ("over schedule", "超出方案")
HEADERS = {
    "arm": ("arm", "组别"), "participants": ("participants", "受试者数"),
    "days_recorded": ("days recorded", "记录天数"),
    "doses_taken": ("doses taken", "实际用药次数"), "doses_expected": ("doses due", "应用药次数"),
    "compliance_pct": ("compliance %", "依从性%"), "mean_participant_pct": ("mean of participants %", "受试者均值%"),
    "participants_over_schedule": ("participants over schedule", "超出方案人数"),
}


def home_table(data: ReportData) -> Table:
    """tables/home_compliance.csv: one line per arm (``server.exports.dosing.home_compliance_rows``)."""
    return Table("home_compliance", TITLE[0], TITLE[1], list(HOME_COMPLIANCE_COLUMNS),
                 home_compliance_rows(data.arms, data.home_compliance))


def _pick(ctx: Context, pair: tuple[str, str]) -> str:
    return pair[1] if ctx.language == "zh" else pair[0]


def _cells(ctx: Context, table: Table) -> list[list[object]]:
    """The rows as shown: a % over 100 keeps its value and gets the flag (never clipped)."""
    out = []
    for row in table.rows:
        shown = list(row)
        for i in (table.columns.index("compliance_pct"), table.columns.index("mean_participant_pct")):
            if isinstance(row[i], int | float) and row[i] > 100:
                shown[i] = f"{row[i]} ({_pick(ctx, FLAG)})"
        out.append(shown)
    return out


def page_home(ctx: Context) -> Figure:
    """The daily compliance (home diary) page: the table of tables/home_compliance.csv and how it is counted."""
    table: Table = ctx.extra["home_compliance"]
    fig = new_page(ctx, _pick(ctx, TITLE))
    ax = fig.add_axes((0.03, 0.45, 0.9, 0.45))
    n = len(table.columns)
    draw_table(ax, [_pick(ctx, HEADERS[c]) for c in table.columns], _cells(ctx, table), font=7.5,
               widths=[1 / n] * n)
    fig.text(0.03, 0.90 - 0.035 * (len(table.rows) + 2), _pick(ctx, NOTE), fontsize=7.5, wrap=True, color="#333")
    return fig


def home_html(ctx: Context) -> str:
    """The same table as an HTML section of report.html."""
    table: Table = ctx.extra["home_compliance"]
    heads = "".join(f"<th>{html.escape(_pick(ctx, HEADERS[c]))}</th>" for c in table.columns)
    rows = "".join("<tr>" + "".join(f"<td>{html.escape('–' if c is None else str(c))}</td>" for c in row) + "</tr>"
                   for row in _cells(ctx, table))
    return (f"<section id='home-compliance'><h2>{html.escape(_pick(ctx, TITLE))}</h2><table><tr>{heads}</tr>"
            f"{rows}</table><p>{html.escape(_pick(ctx, NOTE))}</p></section>")
