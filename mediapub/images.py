"""The one module that reads images (Pillow): what the artwork rules need to know about a file."""

from __future__ import annotations

import io
from dataclasses import dataclass
from pathlib import Path

from PIL import Image, UnidentifiedImageError

#: Apple Podcasts: square, 1400 to 3000 pixels a side, JPEG or PNG, RGB.
MIN_SIDE, MAX_SIDE = 1400, 3000
#: A video poster wider than full HD only costs listeners bandwidth.
POSTER_MAX_WIDTH = 1920
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
    problem = image_problem(path, formats="podcast artwork must be JPEG or PNG")
    if problem:
        return problem
    info = read_image_info(path)
    if info.width != info.height:
        return f"must be square, but is {info.width}x{info.height}"
    if not MIN_SIDE <= info.width <= MAX_SIDE:
        return f"must be {MIN_SIDE} to {MAX_SIDE} pixels a side, but is {info.width}x{info.height}"
    if info.mode == "CMYK":
        return "is CMYK; podcast apps need RGB"
    return None


#: The cover inside the audio file: big enough for any player's screen, small enough not to bloat the download.
EMBEDDED_SIDE, EMBEDDED_MAX_BYTES = 600, 200_000
#: A chapter's picture inside the file is smaller still.
CHAPTER_SIDE = 300
#: The artwork on web pages (at most 240 CSS pixels, so 480 for sharp screens) and in the embedded player.
THUMBNAIL_SIDE, THUMBNAIL_MAX_BYTES = 480, 80_000


def feed_artwork(path: Path) -> tuple[bytes, str]:
    """The artwork as the feed links it: the file itself when it already meets the rules, else a converted copy.

    A copy is made only when needed (over 3000 px, or not plain RGB, e.g. a PNG
    with transparency or a palette) so the show's own bytes are served untouched.
    """
    with Image.open(path) as image:
        if image.mode == "RGB" and max(image.size) <= MAX_SIDE:
            return path.read_bytes(), path.suffix.lower()
        converted = _rgb(image)
        converted.thumbnail((MAX_SIDE, MAX_SIDE), Image.Resampling.LANCZOS)
        return _jpeg(converted, quality=90), ".jpg"


def embedded_cover(path: Path, side: int = EMBEDDED_SIDE, max_bytes: int = EMBEDDED_MAX_BYTES) -> bytes:
    """A JPEG at most ``side`` pixels a side for the audio file's own tags, under ``max_bytes``."""
    small = _shrunk(path, side)  # square artwork stays square; others keep their shape
    for quality in (88, 80, 72, 64, 56, 48, 40):
        data = _jpeg(small, quality=quality)
        if len(data) <= max_bytes:
            return data
    return data


def poster_jpeg(data: bytes, *, max_width: int = POSTER_MAX_WIDTH) -> bytes:
    """A video's thumbnail (YouTube serves WebP and JPEG) as a JPEG at most ``max_width`` wide.

    Raises ValueError for data that is not a picture.
    """
    try:
        picture = _shrunk(io.BytesIO(data), max_width)
    except (UnidentifiedImageError, OSError, Image.DecompressionBombError) as exc:
        raise ValueError(f"not an image Pillow can read ({exc.__class__.__name__})") from None
    return _jpeg(picture, quality=85)


def _shrunk(source: Path | io.BytesIO, side: int) -> Image.Image:
    """The picture in plain RGB, scaled down (never up) to fit ``side`` by ``side``."""
    with Image.open(source) as image:
        picture = _rgb(image)
    picture.thumbnail((side, side), Image.Resampling.LANCZOS)
    return picture


def image_problem(path: Path, *, formats: str = "use JPEG or PNG") -> str | None:
    """Why ``path`` cannot be a picture in a feed (chapter images: any size or shape), or None."""
    try:
        info = read_image_info(path)
    except ValueError as exc:
        return str(exc)
    if info.format not in FORMATS:
        return f"is {info.format}; {formats}"
    if path.suffix.lower() not in FORMATS[info.format]:
        return f"is a {info.format} file but named {path.suffix or 'without an extension'}"
    return None


def _rgb(image: Image.Image) -> Image.Image:
    """Plain RGB: transparency is laid on white (as apps would show it), palettes and CMYK converted."""
    if image.mode in ("RGBA", "LA") or (image.mode == "P" and "transparency" in image.info):
        rgba = image.convert("RGBA")
        flat = Image.new("RGB", rgba.size, "white")
        flat.paste(rgba, mask=rgba.getchannel("A"))
        return flat
    return image.convert("RGB")


def _jpeg(image: Image.Image, *, quality: int) -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, format="JPEG", quality=quality, optimize=True)
    return buffer.getvalue()


def width_of(data: bytes) -> int:
    """The width in pixels of an image given as bytes."""
    with Image.open(io.BytesIO(data)) as image:
        return int(image.width)
