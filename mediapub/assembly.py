"""Intro and outro: short clips made ready with pydub, then joined to the programme by ffmpeg.

The clips are seconds long, so pydub holds them in memory to strip the
silence jingles are often padded with and to soften their edges. The
programme itself never enters Python: ffmpeg joins clip, programme and clip
with crossfades while it streams the programme through the mastering chain.
Each clip is brought to the programme's loudness before the join, so a hot
jingle does not jump out (``clip_gain``).
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass
from pathlib import Path

from .errors import MediaError
from .ffmpeg import FFmpeg
from .loudness import SILENCE_LUFS, LoudnessLog, meter_filter

with warnings.catch_warnings():
    # pydub looks for an ffmpeg on PATH when imported; it is only given WAV files here, which it reads itself.
    # (And on Python 3.12 it imports audioop, which warns that it is deprecated; 3.13+ gets audioop-lts.)
    warnings.simplefilter("ignore", RuntimeWarning)
    warnings.simplefilter("ignore", DeprecationWarning)
    from pydub import AudioSegment
    from pydub.silence import detect_leading_silence

#: Intros and outros are jingles and stings: anything longer is probably the wrong file.
MAX_CLIP_SECONDS = 180.0
#: Silence at a clip's ends quieter than this (dBFS) is cut; its edges fade over this long (ms).
CLIP_SILENCE_DBFS, CLIP_EDGE_MS = -50.0, 10


@dataclass(frozen=True, slots=True)
class Clip:
    """An intro or outro ready to join: a WAV in the programme's format, and its loudness."""

    path: Path
    duration: float
    loudness: float


def prepare_clip(ffmpeg: FFmpeg, source: Path, work: Path, role: str, conform: str) -> Clip:
    """Decode ``source`` through ``conform`` (the programme's rate and channels), trim and measure it."""
    decoded = work / f"{role}-decoded.wav"
    ffmpeg.run(
        ["-i", source, "-map", "0:a:0", "-vn", "-t", str(MAX_CLIP_SECONDS + 1), "-af", conform,
         "-c:a", "pcm_s16le", decoded],
        subject=source,
    )  # fmt: skip
    segment = AudioSegment.from_wav(decoded)
    if len(segment) > MAX_CLIP_SECONDS * 1000:
        limit = f"{MAX_CLIP_SECONDS:.0f} s"
        raise MediaError(f"the {role} is longer than {limit}; intros and outros are short clips", subject=source)
    start = detect_leading_silence(segment, silence_threshold=CLIP_SILENCE_DBFS)
    end = len(segment) - detect_leading_silence(segment.reverse(), silence_threshold=CLIP_SILENCE_DBFS)
    if end - start < 50:
        raise MediaError(f"the {role} is silent", subject=source)
    trimmed = segment[start:end].fade_in(CLIP_EDGE_MS).fade_out(CLIP_EDGE_MS)
    ready = work / f"{role}.wav"
    trimmed.export(ready, format="wav")
    meter = LoudnessLog(true_peak=False)
    ffmpeg.run(["-v", "verbose", "-i", ready, "-af", meter_filter(true_peak=False), "-f", "null", "-"],
               subject=source, on_line=meter.feed)  # fmt: skip
    loudness = meter.result().integrated
    if loudness <= SILENCE_LUFS:
        raise MediaError(f"the {role} is too quiet to measure", subject=source)
    return Clip(path=ready, duration=len(trimmed) / 1000, loudness=loudness)


def joined_duration(programme: float, intro: Clip | None, outro: Clip | None, crossfade: float) -> float:
    """How long the programme lasts with its clips: each join overlaps by the crossfade."""
    total = programme
    for clip in (intro, outro):
        if clip is not None:
            total += clip.duration - fade_length(crossfade, clip, programme)
    return total


def lead_in(intro: Clip | None, crossfade: float, programme: float) -> float:
    """How far into the output the programme starts: the intro, less the crossfade that overlaps it."""
    return 0.0 if intro is None else intro.duration - fade_length(crossfade, intro, programme)


def fade_length(crossfade: float, clip: Clip, programme: float) -> float:
    """A crossfade cannot be longer than either side of the join."""
    return round(min(crossfade, clip.duration, programme / 2), 3)


def clip_gain(programme_gain: float, programme_loudness: float, clip: Clip) -> float:
    """The gain that lands ``clip`` where the programme lands: same loudness, then the same limiter."""
    return programme_gain + programme_loudness - clip.loudness


def join_graph(
    programme: str, intro: Clip | None, outro: Clip | None, crossfade: float, length: float, gains: tuple[float, float]
) -> tuple[list[str], str]:
    """Extra ffmpeg inputs and the filtergraph joining them to input 0's chain ``programme`` as ``[joined]``."""
    inputs: list[str] = []
    graph = f"[0:a:0]{programme}[main]"
    current = "main"
    for index, (role, clip) in enumerate((("intro", intro), ("outro", outro))):
        if clip is None:
            continue
        inputs += ["-i", str(clip.path)]
        number = len(inputs) // 2
        graph += f";[{number}:a:0]volume={gains[index]:.3f}dB[{role}]"
        fade = fade_length(crossfade, clip, length)
        pair = f"[{role}][{current}]" if role == "intro" else f"[{current}][{role}]"
        join = f"acrossfade=d={fade}:c1=tri:c2=tri" if fade > 0 else "concat=n=2:v=0:a=1"
        graph += f";{pair}{join}[with{role}]"
        current = f"with{role}"
    return inputs, graph + f";[{current}]anull[joined]"
