"""What the study report's pages draw (issue 21 review): each page is drawn from the demo's tables and its
figure is read back (plotted points, table cells), so a number on a page is checked against its CSV table."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import matplotlib.pyplot as plt
import pytest

from server.app import open_context
from server.config import ServerConfig
from server.exports.report import report_context
from server.exports.report_pages import page_primary, page_sae, page_secondary
from server.exports.report_tables import arm_codes, primary_visit
from server.services.demo import seed_demo
from tests.studies import STUDY_FILES


@pytest.fixture(scope="module", params=["sqlite"])
def demo(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    """The demo of NCT05605665 on SQLite."""
    folder: Path = tmp_path_factory.mktemp("report-pages")
    ctx = open_context(ServerConfig(data_dir=folder / "server", testing=True, study_file=STUDY_FILES["nct05605665"]))
    with ctx.engine.begin() as conn:
        seed_demo(conn, ctx.study, admin_password="synthetic-demo-pass")
    yield ctx
    ctx.engine.dispose()


def _page(demo: Any, make: Any, language: str = "en") -> tuple[Any, Any]:
    with demo.engine.connect() as conn:
        ctx, _data = report_context(conn, demo.study, language=language)
    fig = make(ctx)
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
