"""Draw the home app's icons (server/web/app_static/icons/icon-192.png, icon-512.png): a diary page with a tick
on the app's theme colour, inside the maskable safe zone. Run once when the design changes; the PNGs are
committed (the app needs no build step)."""

from __future__ import annotations

from pathlib import Path

from PIL import Image, ImageDraw

THEME = (11, 92, 138)
OUT = Path(__file__).resolve().parent.parent / "server" / "web" / "app_static" / "icons"


def icon(size: int) -> Image.Image:
    scale = 4  # draw large, then shrink: smooth edges without an anti-aliasing library
    s = size * scale
    img = Image.new("RGB", (s, s), THEME)
    d = ImageDraw.Draw(img)
    u = s / 100  # the page sits within the central 60 % (maskable icons may be cut to a circle of 80 %)
    d.rounded_rectangle((28 * u, 22 * u, 72 * u, 78 * u), radius=5 * u, fill="white")
    for y in (34, 44):
        d.rounded_rectangle((35 * u, y * u, 65 * u, (y + 4) * u), radius=2 * u, fill=THEME)
    d.line([(37 * u, 62 * u), (46 * u, 70 * u), (63 * u, 52 * u)], fill=(27, 107, 47), width=int(6 * u),
           joint="curve")
    return img.resize((size, size), Image.LANCZOS)


def main() -> None:
    OUT.mkdir(parents=True, exist_ok=True)
    for size in (192, 512):
        icon(size).save(OUT / f"icon-{size}.png", optimize=True)


if __name__ == "__main__":
    main()
