"""The loudness-over-time picture: short-term loudness of the input and of the master, one PNG.

Producers who would rather look than read see at a glance where a guest was
too quiet or a jingle too hot. Drawn with Pillow (already there for the
artwork), so no plotting library is needed; the same report always gives the
same bytes, so republishing does not upload a new picture.
"""

from __future__ import annotations

import io
from collections.abc import Sequence

from PIL import Image, ImageDraw, ImageFont

from .display import clock
from .model import MasterReport

#: Bump when the picture would come out differently: cached pictures are then drawn again.
PLOT_VERSION = 1
WIDTH, HEIGHT = 1200, 420
LEFT, RIGHT, TOP, BOTTOM = 70, 20, 50, 50
FLOOR, CEILING = -50.0, -5.0
INPUT_COLOUR, OUTPUT_COLOUR, TARGET_COLOUR = (150, 150, 150), (31, 119, 180), (214, 39, 40)
GRID_COLOUR, TEXT_COLOUR = (225, 225, 225), (40, 40, 40)


def loudness_plot(report: MasterReport, title: str) -> bytes:
    """A PNG of short-term loudness (LUFS) over time: input in grey, output in blue, target dashed red."""
    image = Image.new("RGB", (WIDTH, HEIGHT), "white")
    draw = ImageDraw.Draw(image)
    font = ImageFont.load_default()
    seconds = max(len(report.source.short_term), len(report.output.short_term), 1)

    for level in range(int(FLOOR), int(CEILING) + 1, 5):
        y = y_for(level)
        draw.line([(LEFT, y), (WIDTH - RIGHT, y)], fill=GRID_COLOUR)
        draw.text((LEFT - 8, y), f"{level}", fill=TEXT_COLOUR, font=font, anchor="rm")
    step = _tick_step(seconds)
    for second in range(0, seconds + 1, step):
        x = x_for(second, seconds)
        draw.line([(x, TOP), (x, HEIGHT - BOTTOM)], fill=GRID_COLOUR)
        draw.text((x, HEIGHT - BOTTOM + 6), clock(second), fill=TEXT_COLOUR, font=font, anchor="mt")

    target = y_for(report.target_loudness)
    for x in range(LEFT, WIDTH - RIGHT, 12):
        draw.line([(x, target), (min(x + 6, WIDTH - RIGHT), target)], fill=TARGET_COLOUR, width=1)
    _curve(draw, report.source.short_term, seconds, INPUT_COLOUR)
    _curve(draw, report.output.short_term, seconds, OUTPUT_COLOUR)

    draw.text((LEFT, 12), title, fill=TEXT_COLOUR, font=font)
    summary = (
        f"input {report.source.integrated:.1f} LUFS (grey)  ->  output {report.output.integrated:.1f} LUFS (blue), "
        f"true peak {report.output.peak:.1f} dBTP, LRA {report.output.loudness_range:.1f} LU; "
        f"target {report.target_loudness:.1f} LUFS (red)"
    )
    draw.text((LEFT, 28), summary, fill=TEXT_COLOUR, font=font)
    draw.text((12, TOP + (HEIGHT - TOP - BOTTOM) // 2), "LUFS", fill=TEXT_COLOUR, font=font, anchor="lm")
    buffer = io.BytesIO()
    image.save(buffer, format="PNG", compress_level=6)
    return buffer.getvalue()


def y_for(level: float) -> int:
    """The pixel row of a loudness level (clamped to the chart)."""
    clamped = min(max(level, FLOOR), CEILING)
    return round(TOP + (CEILING - clamped) / (CEILING - FLOOR) * (HEIGHT - TOP - BOTTOM))


def x_for(second: float, seconds: int) -> int:
    """The pixel column of a moment in the programme."""
    return round(LEFT + second / seconds * (WIDTH - LEFT - RIGHT))


def _curve(draw: ImageDraw.ImageDraw, values: Sequence[float], seconds: int, colour: tuple[int, int, int]) -> None:
    points = [(x_for(index + 1, seconds), y_for(value)) for index, value in enumerate(values) if value > FLOOR - 20]
    if len(points) > 1:
        draw.line(points, fill=colour, width=2)


def _tick_step(seconds: int) -> int:
    for step in (1, 2, 5, 10, 15, 30, 60, 120, 300, 600, 900, 1800, 3600):
        if seconds / step <= 12:
            return step
    return 7200
