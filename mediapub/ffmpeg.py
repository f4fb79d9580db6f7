"""The only place mediapub runs ffmpeg.

The binary comes from ``$MEDIAPUB_FFMPEG`` when set, otherwise from the
imageio-ffmpeg wheel, so ``pip install mediapub`` is enough on any machine.
That build has no ffprobe, so media is probed by reading what ``ffmpeg -i``
prints about its input. Every command is logged in full at debug level, and a
failure raises ``MediaError`` carrying the last lines ffmpeg wrote.
"""

from __future__ import annotations

import logging
import os
import re
import shlex
import subprocess
import tempfile
from collections import deque
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import IO, Any

from .errors import MediaError, UsageError
from .model import MediaInfo

ENV_VAR = "MEDIAPUB_FFMPEG"
#: How much of ffmpeg's stderr is kept for error messages and returned to callers.
TAIL_LINES = 200
log = logging.getLogger(__name__)

_DURATION = re.compile(r"^\s*Duration: (\d+):(\d\d):(\d\d(?:\.\d+)?)", re.M)
_STREAM = re.compile(r"^\s*Stream #\d+:\d+.*?: (\w+): (.*)$", re.M)
_RATE = re.compile(r"(\d+) Hz")
_LAYOUTS = {"mono": 1, "stereo": 2, "2.1": 3, "quad": 4, "4.0": 4, "5.0": 5, "5.1": 6, "6.1": 7, "7.1": 8}


def find_ffmpeg() -> str:
    """Locate the ffmpeg binary: ``$MEDIAPUB_FFMPEG``, else the one imageio-ffmpeg ships."""
    override = os.environ.get(ENV_VAR)
    if override:
        if not Path(override).is_file() or not os.access(override, os.X_OK):
            raise UsageError(f"{ENV_VAR} points at {override}, which is not an executable file")
        return override
    try:
        import imageio_ffmpeg

        return imageio_ffmpeg.get_ffmpeg_exe()
    except (ImportError, RuntimeError) as exc:
        raise UsageError(
            f"ffmpeg not found ({exc}); reinstall mediapub (it depends on imageio-ffmpeg) "
            f"or set {ENV_VAR} to an ffmpeg binary"
        ) from None


class FFmpeg:
    """Runs ffmpeg commands; one instance per publish, passed to the stages that need it."""

    def __init__(self, executable: str | None = None) -> None:
        self.executable = executable or find_ffmpeg()
        self.version = self._version()

    def _version(self) -> str:
        """Ask the binary who it is, once: a wrong ``$MEDIAPUB_FFMPEG`` must not be blamed on a recording."""
        try:
            result = subprocess.run([self.executable, "-version"], capture_output=True, timeout=30)
        except (OSError, subprocess.TimeoutExpired) as exc:
            raise UsageError(f"cannot run ffmpeg at {self.executable}: {exc}") from None
        first_line = result.stdout.decode("utf-8", "replace").partition("\n")[0]
        if result.returncode != 0 or not first_line.startswith("ffmpeg version"):
            raise UsageError(f"{self.executable} does not answer like ffmpeg (-version printed {first_line!r})")
        return first_line.split()[2]

    def run(
        self,
        args: Sequence[str | os.PathLike[str]],
        *,
        subject: Path | str,
        on_progress: Callable[[float], None] | None = None,
        on_line: Callable[[str], None] | None = None,
    ) -> str:
        """Run ffmpeg with ``args``; returns the tail of its stderr.

        ``on_progress`` receives seconds of output done; ``on_line`` receives
        every line ffmpeg wrote to stderr, streamed from a file, so a 3-hour
        loudness log never sits in memory at once.
        """
        with self._spawn(args, on_progress is not None) as (process, errors):
            _read_progress(process.stdout, on_progress)
            return _finish(process.wait(), errors, on_line, subject)

    def pipe(
        self,
        producer: Sequence[str | os.PathLike[str]],
        consumer: Sequence[str | os.PathLike[str]],
        *,
        subject: Path | str,
        on_progress: Callable[[float], None] | None = None,
        on_producer_line: Callable[[str], None] | None = None,
        on_consumer_line: Callable[[str], None] | None = None,
    ) -> None:
        """Run two ffmpegs at once, the first writing to ``pipe:1`` and the second reading ``pipe:0``.

        This is how an encode is measured while it is made: the second process
        decodes what the encoder writes, on the other core, so the check costs
        no second pass. ``on_progress`` follows the consumer.
        """
        with self._spawn(producer, False, stdout=subprocess.PIPE) as (first, first_errors):
            assert first.stdout is not None
            with self._spawn(consumer, on_progress is not None, stdin=first.stdout) as (second, second_errors):
                first.stdout.close()  # the consumer holds it now; the producer sees EPIPE if it dies
                _read_progress(second.stdout, on_progress)
                second_code = second.wait()
                first_code = first.wait()
                # Whichever failed first is the cause: a consumer starved by a failed producer
                # only echoes it, and a producer whose consumer died only reports a broken pipe.
                if second_code != 0 and first_code != 0 and _broken_pipe(first_errors):
                    _finish(second_code, second_errors, on_consumer_line, subject)
                _finish(first_code, first_errors, on_producer_line, subject)
                _finish(second_code, second_errors, on_consumer_line, subject)

    @contextmanager
    def _spawn(
        self, args: Sequence[str | os.PathLike[str]], progress: bool, **streams: Any
    ) -> Iterator[tuple[subprocess.Popen[bytes], IO[bytes]]]:
        command = [self.executable, "-hide_banner", "-nostdin", "-y"]
        if progress:
            command += ["-progress", "pipe:1", "-nostats"]
        command += [os.fspath(arg) for arg in args]
        log.debug("running %s", shlex.join(command))
        streams.setdefault("stdin", subprocess.DEVNULL)
        streams.setdefault("stdout", subprocess.PIPE if progress else subprocess.DEVNULL)
        # stderr goes to a file, not a pipe: ffmpeg can write more than a pipe holds while we read stdout.
        with tempfile.TemporaryFile() as errors:
            process = subprocess.Popen(command, stderr=errors, **streams)
            try:
                yield process, errors
            finally:
                if process.poll() is None:
                    process.kill()
                    process.wait()

    def probe(self, path: Path) -> MediaInfo:
        """Describe a media file from ffmpeg's own report on it, or raise ``MediaError``."""
        command = [self.executable, "-hide_banner", "-nostdin", "-i", os.fspath(path)]
        log.debug("running %s", shlex.join(command))
        result = subprocess.run(command, capture_output=True, stdin=subprocess.DEVNULL)
        report = result.stderr.decode("utf-8", "replace")
        streams = _STREAM.findall(report)
        if not streams or result.returncode not in (0, 1):
            raise MediaError(f"not a media file ffmpeg can read ({_tail(report)})", subject=path)
        audio = [detail for kind, detail in streams if kind == "Audio"]
        duration_match = _DURATION.search(report)
        duration = 0.0
        if duration_match:
            hours, minutes, seconds = duration_match.groups()
            duration = int(hours) * 3600 + int(minutes) * 60 + float(seconds)
        if not duration and audio:
            duration = self.measure_duration(path)
        return MediaInfo(
            duration=duration,
            has_audio=bool(audio),
            has_video=any(kind == "Video" and "attached pic" not in detail for kind, detail in streams),
            audio_codec=audio[0].split(None, 1)[0].rstrip(",") if audio else None,
            sample_rate=_sample_rate(audio[0]) if audio else None,
            channels=_channels(audio[0]) if audio else None,
            duration_estimated="Estimating duration from bitrate" in report,
            truncated="filesize and duration do not match" in report,
        )

    def measure_duration(self, path: Path) -> float:
        """Decode the first audio stream to nowhere and report how long it played, in seconds."""
        seconds = 0.0

        def record(value: float) -> None:
            nonlocal seconds
            seconds = max(seconds, value)

        self.run(["-i", path, "-map", "0:a:0", "-f", "null", "-"], subject=path, on_progress=record)
        return seconds


def _read_progress(stdout: IO[bytes] | None, on_progress: Callable[[float], None] | None) -> None:
    if stdout is None or on_progress is None:
        return
    for line in stdout:
        if line.startswith(b"out_time_us="):
            value = line.split(b"=", 1)[1].strip()
            if value.isdigit():
                on_progress(int(value) / 1e6)


def _broken_pipe(errors: IO[bytes]) -> bool:
    errors.seek(0)
    return b"Broken pipe" in errors.read()


def _finish(returncode: int, errors: IO[bytes], on_line: Callable[[str], None] | None, subject: Path | str) -> str:
    """Stream ffmpeg's stderr to ``on_line``; raise with its last lines if it failed, else return them."""
    errors.seek(0)
    tail: deque[str] = deque(maxlen=TAIL_LINES)
    for raw in errors:
        line = raw.decode("utf-8", "replace").rstrip("\r\n")
        tail.append(line)
        if on_line:
            on_line(line)
    if returncode != 0:
        raise MediaError(f"ffmpeg failed: {_tail(chr(10).join(tail))}", subject=subject)
    return "\n".join(tail)


def _sample_rate(detail: str) -> int | None:
    match = _RATE.search(detail)
    return int(match.group(1)) if match else None


def _channels(detail: str) -> int | None:
    for part in detail.split(", "):
        part = part.split("(")[0].strip()
        if part in _LAYOUTS:
            return _LAYOUTS[part]
        match = re.fullmatch(r"(\d+) channels", part)
        if match:
            return int(match.group(1))
    return None


def _tail(stderr: str, lines: int = 2) -> str:
    """The last meaningful lines of ffmpeg's stderr, which is where it says what went wrong."""
    kept = [line.strip() for line in stderr.splitlines() if line.strip()]
    kept = [line for line in kept if not line.startswith("At least one output file")]
    return " / ".join(kept[-lines:]) or "no output"
