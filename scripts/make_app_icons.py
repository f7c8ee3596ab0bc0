#!/usr/bin/env python3
"""Draw the installable app's icons: community/notifications/static/notifications/icons/*.png.

The logo of the favicon (community/static/img/favicon.svg: a white house on a rounded square)
in the brand colour, at the sizes a web app manifest wants: 192 and 512 pixels ("any": the
rounded square on transparency), and a 512 "maskable" one (full-bleed colour, the house inside
the middle 80% circle that every launcher's mask keeps). Drawn four times larger and scaled down,
for smooth edges.

    python scripts/make_app_icons.py        # after changing the logo or the brand colour
"""

from __future__ import annotations

from pathlib import Path

from PIL import Image, ImageDraw

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "community" / "notifications" / "static" / "notifications" / "icons"
BRAND = (0x0F, 0x6E, 0x6E, 255)  # --pico-primary in community/static/css/site.css
WHITE = (255, 255, 255, 255)
# The favicon's house on its 32-unit grid: M8 22V12l8-5 8 5v10h-5v-6h-6v6z
HOUSE = [(8, 22), (8, 12), (16, 7), (24, 12), (24, 22), (19, 22), (19, 16), (13, 16), (13, 22)]
SUPERSAMPLE = 4


def icon(size: int, *, maskable: bool) -> Image.Image:
    big = size * SUPERSAMPLE
    image = Image.new("RGBA", (big, big), (0, 0, 0, 0))
    draw = ImageDraw.Draw(image)
    if maskable:
        draw.rectangle((0, 0, big, big), fill=BRAND)
        scale = big * 0.8 / 32  # the house (16 of 32 units wide) stays well inside the safe circle
    else:
        draw.rounded_rectangle((0, 0, big - 1, big - 1), radius=big * 7 / 32, fill=BRAND)
        scale = big / 32
    offset = (big - 32 * scale) / 2
    # The house spans y 7 to 22 of its grid: 1.5 units lower, it sits in the middle.
    draw.polygon([(offset + x * scale, offset + (y + 1.5) * scale) for x, y in HOUSE], fill=WHITE)
    return image.resize((size, size), Image.Resampling.LANCZOS)


def main() -> int:
    OUT.mkdir(parents=True, exist_ok=True)
    for name, size, maskable in (
        ("icon-192.png", 192, False),
        ("icon-512.png", 512, False),
        ("icon-maskable-512.png", 512, True),
    ):
        icon(size, maskable=maskable).save(OUT / name, optimize=True)
        print(OUT.relative_to(ROOT) / name)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
