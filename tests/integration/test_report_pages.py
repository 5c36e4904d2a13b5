"""What the study report's pages draw (issue 21 review): each page is drawn from the demo's tables and its
figure is read back (plotted points, table cells), so a number on a page is checked against its CSV table."""

from __future__ import annotations

import math
import statistics
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import matplotlib.pyplot as plt
import pytest

from server.analysis.adqs import qs_params
from server.analysis.adsl import baseline_covariates
from server.exports.report import FONT, _html, page_flow, report_context
from server.exports.report_data import Running
from server.exports.report_pages import (
    page_baseline,
    page_interest,
    page_primary,
    page_responders,
    page_sae,
    page_safety,
    page_secondary,
)
from server.exports.report_tables import arm_codes, primary_visit
from tests.demo_template import DemoTemplates
from tests.studies import STUDY_FILES


@pytest.fixture(scope="module", params=["sqlite"])
def demo(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory,
         demo_templates: DemoTemplates) -> Iterator[Any]:
    """A copy of the seeded demo of NCT05605665 on SQLite."""
    folder: Path = tmp_path_factory.mktemp("report-pages")
    ctx = demo_templates.context(folder / "server", admin_password="synthetic-demo-pass",
                                 study_file=STUDY_FILES["nct05605665"])
    yield ctx
    ctx.engine.dispose()


def _page(demo: Any, make: Any, language: str = "en") -> tuple[Any, Any]:
    with demo.engine.connect() as conn:
        ctx, _data = report_context(conn, demo.study, language=language)
    with plt.rc_context({"font.family": "sans-serif", "font.sans-serif": FONT, "axes.unicode_minus": False}):
        fig = make(ctx)
        for f in fig if isinstance(fig, list) else [fig]:
            f.canvas.draw()   # laid out in the report's fonts
    return ctx, fig


def _cells(fig: Any) -> list[list[str]]:
    """Every drawn table's rows of cell texts (the header row first), tables in drawing order."""
    out = []
    for ax in fig.axes:
        for table in ax.tables:
            cells = table.get_celld()
            rows = sorted({r for r, _c in cells})
            cols = sorted({c for _r, c in cells})
            out.append([[cells[(r, c)].get_text().get_text() for c in cols if (r, c) in cells] for r in rows])
    return out


def test_the_secondary_figure_plots_the_mean_change_from_baseline_with_its_ci(demo: Any) -> None:
    ctx, fig = _page(demo, page_secondary)
    rows = ctx.tables["secondary_by_visit"].rows
    checked = 0
    for ax in fig.axes:
        mine = [r for r in rows if r[1] == ax.get_title() and r[5] == "CHG" and r[6]]
        if not mine:
            continue
        points = sorted(round(float(line.get_ydata()[0]), 6) for line in ax.lines
                        if line.get_marker() == "o" and len(line.get_ydata()) == 1)
        assert points == sorted(round(r[7], 6) for r in mine), ax.get_title()
        bars = {tuple(round(float(y), 6) for y in line.get_ydata()) for line in ax.lines
                if len(line.get_xdata()) == 2 and line.get_xdata()[0] == line.get_xdata()[1]}
        assert {(round(r[9], 6), round(r[10], 6)) for r in mine if r[9] is not None} <= bars
        assert any(line.get_ydata()[0] == 0 for line in ax.lines if len(set(line.get_ydata())) == 1
                   and len(line.get_ydata()) == 2 and line.get_linestyle() == "--")   # the no-change line
        checked += 1
    assert checked >= 2
    plt.close(fig)


def test_the_primary_page_table_shows_n_mean_sd_ci_median_and_iqr_of_the_change(demo: Any) -> None:
    ctx, fig = _page(demo, page_primary)
    day = primary_visit(ctx.study).day
    chg = {r[0]: r for r in ctx.tables["primary_by_visit"].rows if r[3] == "CHG" and r[2] == day}
    table = _cells(fig)[0]
    assert [h.lower() for h in table[0][-2:]] == ["q1", "q3"] and "median" in table[0][-3].lower()
    for arm in arm_codes(ctx.study):
        row = next(r for r in table[1:] if r[0] == arm)
        s = chg[arm]
        assert row[1] == str(s[4]) and row[-2:] == [f"{s[10]:.2f}", f"{s[11]:.2f}"], arm
    plt.close(fig)


def test_the_primary_page_draws_every_trajectory_as_one_grey_line_per_arm(demo: Any) -> None:
    """Each arm's participants are one line broken between them (issue 25: one artist a participant cost
    seconds and hundreds of MB at 10 000), and its points are exactly the trajectories' points."""
    ctx, fig = _page(demo, page_primary)
    trajectories = ctx.extra["trajectories"]
    for arm in arm_codes(ctx.study):
        ax = next(a for a in fig.axes if a.get_title() == arm)
        grey = [line for line in ax.lines if line.get_color() == "#bbb"]
        assert len(grey) == 1, arm
        drawn = [(float(x), float(y)) for x, y in zip(grey[0].get_xdata(), grey[0].get_ydata(), strict=True)
                 if not math.isnan(x)]
        assert drawn == [(float(d), v) for points in trajectories[arm].values() for d, v in points], arm
        assert sum(math.isnan(x) for x in grey[0].get_xdata()) == len(trajectories[arm]), arm
    plt.close(fig)


def test_the_baseline_page_shows_every_label_whole_and_its_table_within_the_page_margins(demo: Any) -> None:
    """The labels of baseline.csv are ADSL's, cut to 40 characters ("…Disease Activi", "…/CD4+ cel"): the page
    shows each parameter's whole name, wrapped, and the total column ends inside the page's margin."""
    ctx, fig = _page(demo, page_baseline)
    text = " ".join(c.replace("\n", " ") for row in _cells(fig)[0] for c in row)
    names = {p.paramcd: p.param for p in qs_params(ctx.study)}
    names.update({code: test.name for code, test in ctx.study.lab_tests.items()})
    covariates = baseline_covariates(ctx.study)
    assert any(len(f"Baseline {names[c.paramcd]}") > 40 for c in covariates)   # the cut ones are among them
    for c in covariates:
        assert f"Baseline {names[c.paramcd]}" in text, c.name
    renderer = fig.canvas.get_renderer()
    page = fig.bbox
    margin = 0.02 * page.width                   # the footer's and the title's left margin, on both sides
    table = next(t for ax in fig.axes for t in ax.tables)
    for (row, col), cell in table.get_celld().items():
        box = cell.get_window_extent(renderer)
        assert page.x0 + margin - 1 <= box.x0 and box.x1 <= page.x1 - margin + 1, (row, col)
        assert page.y0 <= box.y0 and box.y1 <= page.y1, (row, col)
        words = cell.get_text().get_window_extent(renderer)
        assert words.x1 <= box.x1 + 1, (row, col, cell.get_text().get_text())   # no text runs out of its cell
    plt.close(fig)


def test_the_sae_listing_page_shows_whole_participant_ids_and_terms(demo: Any) -> None:
    ctx, fig = _page(demo, page_sae)
    sae = ctx.tables["sae_listing"]
    assert sae.rows
    text = "\n".join(c for row in _cells(fig)[0] for c in row)
    flat = text.replace("\n", " ")
    for r in sae.rows:
        assert r[0] in flat.replace(" ", "") or r[0] in text, r[0]
        assert " ".join(str(r[3]).split()) in flat, r[3]
    plt.close(fig)


def test_related_aes_per_drug_are_on_a_page_and_ae_terms_are_never_cut(demo: Any) -> None:
    ctx, fig = _page(demo, page_safety)
    terms = [r for r in ctx.tables["ae_by_term"].rows if r[4]]
    assert [" ".join(r[1].split()) for r in _cells(fig)[0][1:]] == [str(r[1]) for r in terms]
    plt.close(fig)
    figs = page_interest(ctx)
    related = ctx.tables["ae_related"]
    first = _cells(figs[0])[0]
    assert figs[0]._suptitle.get_text().endswith(related.title) and len(first) - 1 == len(related.rows)
    assert [r[0] for r in first[1:]] == [r[0] for r in related.rows]
    for f in figs:
        plt.close(f)


def test_aes_of_interest_show_their_ci_in_per_cent_and_continue_on_a_next_page(demo: Any) -> None:
    ctx, figs = _page(demo, page_interest)
    interest = ctx.tables["ae_of_interest"]
    figs = [f for f in figs if f._suptitle.get_text().endswith(interest.title)]
    rows = [r for f in figs for t in _cells(f) for r in t[1:]]
    assert len(rows) == len(interest.rows)
    for shown, r in zip(rows, interest.rows, strict=True):
        assert shown[-3:] == [f"{r[6]:.1f}", f"{100 * r[7]:.1f}", f"{100 * r[8]:.1f}"]
    ctx.tables["ae_of_interest"].rows = interest.rows * 3   # longer than a page holds
    figs = [f for f in page_interest(ctx) if f._suptitle.get_text().endswith(f"{interest.title} (2/3)")]
    assert len(figs) == 1 and len(_cells(figs[0])[0]) - 1 == 26
    for f in figs:
        plt.close(f)


def test_in_chinese_the_drawn_headers_and_any_ae_rows_are_chinese(demo: Any) -> None:
    ctx, fig = _page(demo, page_safety, "zh")
    text = [c for t in _cells(fig) for row in t for c in row]
    assert "ANY TREATMENT-EMERGENT AE" not in text and "任何治疗期不良事件" in text
    assert not {"arm", "drug", "term", "participants", "mean_change", "n_exposed"} & set(text)
    plt.close(fig)
    ctx, fig = _page(demo, page_primary, "zh")
    assert not {"arm", "mean_change", "sd_change", "reference"} & {c for t in _cells(fig) for c in t[0]}
    footer = next(t.get_text() for t in fig.texts if t.get_text().startswith(ctx.study.study.id))
    assert "all sites" not in footer and "全部中心" in footer
    plt.close(fig)
    _ctx, page = _page(demo, page_responders, "zh")
    assert not {"arm", "mean", "sd", "min", "max"} & {c for t in _cells(page) for c in t[0]}
    plt.close(page)


def test_in_chinese_the_html_title_summary_headers_and_flow_title_are_chinese_only(demo: Any) -> None:
    ctx, fig = _page(demo, page_flow, "zh")
    assert fig._suptitle.get_text() == "受试者流程"
    plt.close(fig)
    page = _html(ctx, [])
    assert f"<title>{ctx.study.study.id} 研究报告</title>" in page and "<th>已随机</th>" in page
    assert "<th>randomised</th>" not in page and "<th>arm</th>" not in page
    _en, fig = _page(demo, page_flow)
    assert fig._suptitle.get_text() == "Participant flow"
    plt.close(fig)


@pytest.mark.parametrize("make", [page_primary, page_secondary])
def test_in_chinese_the_visit_labels_of_adjacent_panels_never_collide(demo: Any, make: Any) -> None:
    _ctx, fig = _page(demo, make, "zh")
    renderer = fig.canvas.get_renderer()
    boxes = [(i, label.get_window_extent(renderer)) for i, ax in enumerate(fig.axes)
             for label in ax.get_xticklabels() if label.get_text()]
    clashes = [(a, b) for n, (i, a) in enumerate(boxes) for j, b in boxes[n + 1:] if i != j and a.overlaps(b)]
    assert not clashes
    plt.close(fig)


def test_the_report_figures_mean_and_sd_are_the_library_s_not_a_hand_written_formula() -> None:
    values = [4.1, 5.3, 2.2, 8.9, 1.1, 3.3]
    run = Running()
    for v in values:
        run.add(v)
    assert (run.n, run.mean, run.sd) == (6, statistics.fmean(values), statistics.stdev(values))
    assert (Running().n, Running().mean, Running().sd) == (0, 0.0, 0.0)
