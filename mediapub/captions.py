"""Captions as transcripts: read WebVTT or SubRip, tidy them, write both.

Podcast apps take transcripts as WebVTT or SRT (``podcast:transcript``), and
different apps prefer different ones, so an ingested video's captions are kept
in both. YouTube's automatic captions are written for a rolling two-line
display: every line appears twice (once as it is spoken, word by word, and
again as the upper line of the next cue) and carries per-word timing tags.
Read as a transcript that is every sentence twice, so the rolling repeats and
the tags are removed here; cues people wrote are kept as they are.
webvtt-py does the parsing and the SRT writing.
"""

from __future__ import annotations

import html
import io
from dataclasses import dataclass

import webvtt
from webvtt.errors import MalformedFileError

from .errors import MediapubError


class CaptionsError(MediapubError):
    """A captions file could not be read."""


@dataclass(frozen=True, slots=True)
class Cue:
    start: str
    end: str
    lines: tuple[str, ...]

    @property
    def seconds(self) -> float:
        """When the cue starts, in seconds ("00:01:02.500" and SRT's "00:01:02,500" alike)."""
        parts = self.start.replace(",", ".").split(":")
        return sum(float(part) * 60**power for power, part in enumerate(reversed(parts)))


@dataclass(frozen=True, slots=True)
class Transcript:
    """The same captions as WebVTT and as SubRip text."""

    vtt: str
    srt: str
    cues: int


def read_cues(data: bytes, ext: str, *, source: str) -> list[Cue]:
    """The cues of a WebVTT or SRT file, tags removed and entities decoded."""
    text = data.decode("utf-8-sig", errors="replace").replace("\r\n", "\n")
    try:
        parsed = webvtt.from_buffer(io.StringIO(text), format="srt" if ext == "srt" else "vtt")
    except MalformedFileError as exc:
        raise CaptionsError(f"not a valid {ext.upper()} captions file ({exc})", subject=source) from None
    cues = []
    for caption in parsed.captions:
        lines = tuple(line for line in (html.unescape(part).strip() for part in caption.text.splitlines()) if line)
        cues.append(Cue(caption.start, caption.end, lines))
    return cues


def tidy(cues: list[Cue]) -> list[Cue]:
    """Without rolling repeats: each line once, in the cue where it was first said."""
    kept: list[Cue] = []
    previous: tuple[str, ...] = ()
    for cue in cues:
        fresh = list(cue.lines)
        # A rolling cue starts with the lines the last cue ended on.
        for size in range(min(len(previous), len(fresh)), 0, -1):
            if tuple(fresh[:size]) == previous[-size:]:
                fresh = fresh[size:]
                break
        if cue.lines:
            previous = cue.lines
        if fresh:  # the rolling display's hand-over cues repeat and add nothing
            kept.append(Cue(cue.start, cue.end, tuple(fresh)))
    return kept


def transcript(data: bytes, ext: str, *, source: str, rolling: bool = False) -> Transcript:
    """``data`` (VTT or SRT captions) as WebVTT and SRT; an empty track is an error, not a blank transcript.

    ``rolling`` says the track is automatic captions (YouTube's rolling display), to be tidied.
    """
    cues = read_cues(data, ext, source=source)
    cues = tidy(cues) if rolling else [cue for cue in cues if cue.lines]
    if not cues:
        raise CaptionsError("the captions track has no text", subject=source)
    try:
        escaped = [webvtt.Caption(cue.start, cue.end, [_vtt_text(line) for line in cue.lines]) for cue in cues]
        vtt = webvtt.WebVTT(captions=escaped).content
        srt_buffer = io.StringIO()
        plain = [webvtt.Caption(cue.start, cue.end, [line.replace("-->", "->") for line in cue.lines]) for cue in cues]
        webvtt.WebVTT(captions=plain).write(srt_buffer, format="srt")
    except ValueError as exc:
        raise CaptionsError(f"captions that cannot be written back ({exc})", subject=source) from None
    return Transcript(vtt=vtt, srt=srt_buffer.getvalue().rstrip("\n") + "\n", cues=len(cues))


def _vtt_text(line: str) -> str:
    """Cue text as WebVTT wants it: "&", "<" and ">" escaped, so no line reads as a tag or a timing."""
    return line.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
