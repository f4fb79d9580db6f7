"""The audio stage: turn an episode's recording into the file listeners download.

At this stage it decodes any input ffmpeg reads (a video's first audio track
included), resamples, sets the channel count and encodes an MP3. Loudness
mastering plugs in here, in front of the encoder, without changing the
stage's inputs or outputs.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path

from .errors import MediaError
from .ffmpeg import FFmpeg
from .model import AudioSettings, EncodedAudio, MediaInfo


def check_recording(info: MediaInfo, path: Path) -> None:
    """A recording must carry sound; a still image or a subtitle file is a mistake worth naming."""
    if not info.has_audio:
        raise MediaError("has no audio stream (is this the right file?)", subject=path)
    if info.audio_codec in (None, "none"):
        raise MediaError("has an audio stream in a format ffmpeg cannot decode", subject=path)
    if info.duration <= 0:
        raise MediaError("has an empty audio stream", subject=path)


def encode_mp3(
    ffmpeg: FFmpeg,
    recording: Path,
    destination: Path,
    settings: AudioSettings,
    *,
    on_progress: Callable[[float], None] | None = None,
) -> EncodedAudio:
    """Encode ``recording`` to a CBR MP3 at ``destination``, written under a temporary name first.

    The output carries no tags and no encoder string (``bitexact``), so the
    same input and settings always give the same bytes: republishing an
    unchanged episode produces an identical file and object key.
    """
    partial = destination.with_name(f".{destination.name}.partial")
    args: list[str | os.PathLike[str]] = [
        "-i", recording,
        "-map", "0:a:0", "-vn", "-sn", "-dn",
        "-map_metadata", "-1", "-map_chapters", "-1",
        "-ac", str(settings.channels), "-ar", str(settings.sample_rate),
        "-c:a", "libmp3lame", "-b:a", f"{settings.bitrate}k",
        "-id3v2_version", "0", "-write_xing", "1",
        "-fflags", "+bitexact", "-flags:a", "+bitexact",
        "-f", "mp3", partial,
    ]  # fmt: skip
    encoded_seconds = 0.0

    def track(seconds: float) -> None:
        # The encoder's last progress report is the output's duration: no second decode needed.
        nonlocal encoded_seconds
        encoded_seconds = max(encoded_seconds, seconds)
        if on_progress:
            on_progress(seconds)

    try:
        ffmpeg.run(args, subject=recording, on_progress=track)
        os.replace(partial, destination)
    finally:
        partial.unlink(missing_ok=True)
    duration = encoded_seconds or ffmpeg.measure_duration(destination)
    if duration <= 0:
        raise MediaError("encoding produced no audio", subject=recording)
    return EncodedAudio(path=destination, duration=duration, mime_type="audio/mpeg", extension="mp3")
