"""Small inline SVG line charts (no JavaScript, no styles: presentation attributes only, so the CSP holds)."""

from __future__ import annotations

from collections.abc import Sequence

from markupsafe import Markup, escape

WIDTH, HEIGHT, PAD_L, PAD_R, PAD_T, PAD_B, INSET = 520, 200, 40, 16, 16, 36, 24


def line_chart(points: Sequence[tuple[str, float]], *, y_max: float, label: str, colour: str = "#1f5fa8") -> Markup:
    """A line over ``points`` (x label, value) on a 0..y_max axis; one labelled dot per point."""
    plot_w, plot_h = WIDTH - PAD_L - PAD_R, HEIGHT - PAD_T - PAD_B
    n = len(points)

    def x(i: int) -> float:
        inner = plot_w - 2 * INSET      # keep the first and last dot (and their labels) off the axes
        return PAD_L + INSET + (inner / 2 if n == 1 else i * inner / (n - 1))

    def y(v: float) -> float:
        return PAD_T + plot_h * (1 - max(0.0, min(v, y_max)) / y_max)

    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {WIDTH} {HEIGHT}" width="{WIDTH}" '
             f'height="{HEIGHT}" class="chart" role="img" aria-label="{escape(label)}">']
    for frac in (0, 0.25, 0.5, 0.75, 1):
        v = y_max * frac
        parts.append(f'<line x1="{PAD_L}" x2="{WIDTH - PAD_R}" y1="{y(v):.1f}" y2="{y(v):.1f}" stroke="#ddd"/>'
                     f'<text x="{PAD_L - 6}" y="{y(v) + 4:.1f}" font-size="11" text-anchor="end" '
                     f'fill="#555">{v:g}</text>')
    if n:
        path = " ".join(f"{'M' if i == 0 else 'L'}{x(i):.1f},{y(v):.1f}" for i, (_, v) in enumerate(points))
        parts.append(f'<path d="{path}" fill="none" stroke="{colour}" stroke-width="2"/>')
        for i, (xl, v) in enumerate(points):
            parts.append(f'<circle cx="{x(i):.1f}" cy="{y(v):.1f}" r="4" fill="{colour}"/>'
                         f'<text x="{x(i):.1f}" y="{y(v) - 8:.1f}" font-size="11" text-anchor="middle" '
                         f'fill="#222">{round(v, 1):g}</text>'
                         f'<text x="{x(i):.1f}" y="{HEIGHT - PAD_B + 16}" font-size="10" text-anchor="middle" '
                         f'fill="#555">{escape(xl)}</text>')
    parts.append("</svg>")
    return Markup("".join(parts))  # noqa: S704 - labels are escaped above, every other value is a number
