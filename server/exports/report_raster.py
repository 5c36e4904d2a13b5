"""Drawing many points on the report's PNG pages within its memory budget (issue 25).

Agg, matplotlib's raster canvas, keeps a cell for every pixel every edge of a path crosses until the whole path is
swept: the primary endpoint's trajectories (one grey line through thousands of participants' values) held ~60 MB
of cells at 10 000 participants, for a split second, on top of the export's peak. ``BandedLine`` draws such a line
on a raster canvas in horizontal bands, one band's cells at a time; each pixel is drawn in exactly one band (the
bands meet on whole pixels), so the page looks the same: a pixel's coverage can round differently where a band
cuts the path (a few hundred of a page's million pixels, by 1/255 of grey). The markers are drawn once over the
whole line. Vector canvases (the PDF) draw the line once, as before.
"""

from __future__ import annotations

import itertools
import math
from typing import Any

from matplotlib.backends.backend_agg import RendererAgg
from matplotlib.lines import Line2D
from matplotlib.markers import MarkerStyle
from matplotlib.transforms import Bbox

BAND_POINTS = 100       # points of a line per band (an arm's line at 10 000 participants, ~10 000 points and
                        # breaks, in ~100 bands: the page's peak 5 MB under 250 points a band, for ~0.3 CPU s
                        # more; ~60 MB of cells drawn whole); a line of fewer points (the demo's) is drawn whole


class BandedLine(Line2D):
    """A solid Line2D drawn on an Agg canvas in ``ceil(points / BAND_POINTS)`` horizontal bands of its clip box,
    then its markers over it in one pass (as a plain line draws them: the line, then the markers)."""

    def draw(self, renderer: Any) -> None:
        bands = math.ceil(len(self.get_xdata(orig=False)) / BAND_POINTS)
        box = self.clipbox
        if bands <= 1 or box is None or not isinstance(renderer, RendererAgg):
            super().draw(renderer)
            return
        x0, y0, x1, y1 = box.extents
        edges = [y0, *(round(y0 + (y1 - y0) * k / bands) for k in range(1, bands)), y1]
        marker, linestyle = MarkerStyle(self.get_marker(), self.get_fillstyle()), self.get_linestyle()
        try:
            self.set_marker("None")
            for low, high in itertools.pairwise(edges):
                self.clipbox = Bbox.from_extents(x0, low, x1, high)   # the attribute: no "changed" callbacks
                super().draw(renderer)
            self.clipbox = box
            self.set_marker(marker)
            self.set_linestyle("None")
            super().draw(renderer)
        finally:
            self.clipbox = box
            self.set_marker(marker)
            self.set_linestyle(linestyle)
            self.stale = False      # drawn as it is: restoring the style changed nothing to draw again


def banded_plot(ax: Any, xs: list[float], ys: list[float], **style: Any) -> BandedLine:
    """``ax.plot(xs, ys, **style)`` for one line, drawn in bands on raster canvases (``BandedLine``)."""
    line = BandedLine(xs, ys, **style)
    ax.add_line(line)
    ax.autoscale_view()
    return line
