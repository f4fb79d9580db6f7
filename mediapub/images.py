"""The one module that reads images (Pillow): what the artwork rules need to know about a file."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from PIL import Image, UnidentifiedImageError

#: Apple Podcasts: square, 1400 to 3000 pixels a side, JPEG or PNG, RGB.
MIN_SIDE, MAX_SIDE = 1400, 3000
FORMATS = {"JPEG": (".jpg", ".jpeg"), "PNG": (".png",)}


@dataclass(frozen=True, slots=True)
class ImageInfo:
    format: str
    width: int
    height: int
    mode: str


def read_image_info(path: Path) -> ImageInfo:
    """Format, size and colour mode from the file's header; raises ValueError for a non-image."""
    try:
        with Image.open(path) as image:
            return ImageInfo(format=image.format or "unknown", width=image.width, height=image.height, mode=image.mode)
    except (UnidentifiedImageError, OSError) as exc:
        raise ValueError(f"not an image Pillow can read ({exc.__class__.__name__})") from None


def artwork_problem(path: Path) -> str | None:
    """Why ``path`` would be refused as podcast artwork, or None when it is acceptable."""
    try:
        info = read_image_info(path)
    except ValueError as exc:
        return str(exc)
    if info.format not in FORMATS:
        return f"is {info.format}; podcast artwork must be JPEG or PNG"
    if path.suffix.lower() not in FORMATS[info.format]:
        return f"is a {info.format} file but named {path.suffix or 'without an extension'}"
    if info.width != info.height:
        return f"must be square, but is {info.width}x{info.height}"
    if not MIN_SIDE <= info.width <= MAX_SIDE:
        return f"must be {MIN_SIDE} to {MAX_SIDE} pixels a side, but is {info.width}x{info.height}"
    if info.mode == "CMYK":
        return "is CMYK; podcast apps need RGB"
    return None
