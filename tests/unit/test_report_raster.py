"""server.exports.report_raster: a line of many points is drawn on the PNG canvas one horizontal band at a time
(Agg's cells for one band, issue 25) and looks the same; the PDF draws it once, byte for byte as a plain line."""

from __future__ import annotations

import io
import math
import random
from typing import Any

import matplotlib

matplotlib.use("Agg")
import numpy as np
import pytest
from matplotlib.backends.backend_agg import RendererAgg
from matplotlib.figure import Figure
from PIL import Image

from server.exports.report_raster import BAND_POINTS, banded_plot


def _fan(points: int) -> tuple[list[float], list[float]]:
    """Participants' two-visit lines, broken by NaN, like the primary endpoint's trajectories."""
    rng = random.Random(25)
    xs: list[float] = []
    ys: list[float] = []
    while len(xs) < points:
        xs += [0.0, 84.0, math.nan]
        ys += [rng.gauss(5, 1.5), rng.gauss(7, 1.5), math.nan]
    return xs, ys


def _figure(banded: bool, xs: list[float], ys: list[float]) -> Figure:
    fig = Figure(figsize=(6, 4))
    ax = fig.add_axes((0.1, 0.1, 0.8, 0.8))
    style = {"color": "#bbb", "lw": 0.8, "marker": ".", "ms": 3}
    if banded:
        banded_plot(ax, xs, ys, **style)
    else:
        ax.plot(xs, ys, **style)
    ax.plot([0, 84], [5, 7], color="#1f77b4", lw=2)     # the arm's mean, drawn over it
    return fig


def _png(fig: Figure) -> np.ndarray:
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=110)
    return np.asarray(Image.open(buf)).astype(int)


def test_a_long_line_is_drawn_in_bands_that_tile_its_axes_and_looks_the_same(monkeypatch: pytest.MonkeyPatch) -> None:
    xs, ys = _fan(8 * BAND_POINTS)
    clips: list[tuple[float, ...]] = []
    draw = RendererAgg.draw_path

    def recording(self: RendererAgg, gc: Any, path: Any, *args: Any) -> None:
        if len(path.vertices) >= len(xs) and gc.get_linewidth() > 0:
            clips.append(tuple(gc.get_clip_rectangle().bounds))
        draw(self, gc, path, *args)

    plain = _png(_figure(False, xs, ys))
    monkeypatch.setattr(RendererAgg, "draw_path", recording)
    banded = _png(_figure(True, xs, ys))
    assert len(clips) == math.ceil(len(xs) / BAND_POINTS)
    x0 = {c[0] for c in clips}
    assert len(x0) == 1 and len({c[2] for c in clips}) == 1                 # full width every time
    bottoms, tops = [c[1] for c in clips], [c[1] + c[3] for c in clips]
    assert tops[:-1] == bottoms[1:] and all(float(b).is_integer() for b in bottoms[1:])   # meet on whole pixels
    differ = np.abs(plain - banded).max(axis=2)
    assert (differ > 0).sum() < plain.shape[0] * plain.shape[1] / 200      # under 0.5 % of the pixels...
    assert differ.max() <= 1                                                # ...by 1/255 of grey


def test_a_short_line_and_the_pdf_are_drawn_as_a_plain_line() -> None:
    few = _fan(BAND_POINTS // 2)
    assert np.array_equal(_png(_figure(False, *few)), _png(_figure(True, *few)))
    many = _fan(8 * BAND_POINTS)
    pdfs = []
    for banded in (False, True):
        buf = io.BytesIO()
        _figure(banded, *many).savefig(buf, format="pdf", metadata={"CreationDate": None})
        pdfs.append(buf.getvalue())
    assert pdfs[0] == pdfs[1]
