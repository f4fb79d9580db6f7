"""What does loudness mastering cost, next to a bare transcode and to ffmpeg-normalize?

Generates a speech-like programme (48 kHz stereo WAV: pink noise in the voice band,
syllables at 3 Hz, pauses), then runs each of these on it, one after another, with
the same ffmpeg (imageio-ffmpeg's, or $MEDIAPUB_FFMPEG):

  (a) bare            ffmpeg decode + MP3 encode (44.1 kHz stereo, 128 kbit/s), no analysis
  (b) ffmpeg-normalize  to -16 LUFS / -1 dBTP, same encoder settings (two-pass loudnorm)
  (c) mediapub master   to -16 LUFS / -1 dBTP, same encoder settings, cache off

and prints wall time, peak RSS (the process and all its children, sampled from /proc
every 20 ms, so Linux only), and the output's loudness and true peak measured
afterwards by ffmpeg's ebur128 meter, with the ratios c/a and c/b.
--rss-minutes runs (c) alone on a longer programme to show memory does not grow;
--runs picks which of (a), (b), (c) run.

    pip install '.[bench]'
    python benchmarks/mastering.py --minutes 60 --rss-minutes 180
"""

from __future__ import annotations

import argparse
import os
import re
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

from mediapub.ffmpeg import find_ffmpeg

SPEECH = (
    "anoisesrc=c=pink:r=48000:d={seconds}:seed=11,highpass=f=120,lowpass=f=5000,"
    "volume='0.15+0.85*gt(sin(2*PI*0.35*t)\\,-0.4)*abs(sin(2*PI*3*t))':eval=frame,"
    "volume=-8dB,pan=stereo|c0=c0|c1=0.9*c0"
)
ENCODER = ["-ar", "44100", "-ac", "2", "-c:a", "libmp3lame", "-b:a", "128k"]


@dataclass
class Run:
    name: str
    seconds: float
    peak_rss_mb: float
    loudness: float
    true_peak: float


def tree_rss_kb(pid: int) -> int:
    """Resident memory of ``pid`` and all its descendants, in kB."""
    total, pending = 0, [pid]
    while pending:
        current = pending.pop()
        try:
            status = Path(f"/proc/{current}/status").read_text()
            total += int(re.search(r"^VmRSS:\s+(\d+)", status, re.M).group(1))  # type: ignore[union-attr]
            for task in Path(f"/proc/{current}/task").iterdir():
                pending += [int(child) for child in (task / "children").read_text().split()]
        except (OSError, AttributeError):
            continue
    return total


def timed(command: list[str], env: dict[str, str]) -> tuple[float, float]:
    """Run ``command``; its wall time (s) and peak RSS of its process tree (MB)."""
    start = time.perf_counter()
    process = subprocess.Popen(command, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    peak = 0
    while process.poll() is None:
        peak = max(peak, tree_rss_kb(process.pid))
        time.sleep(0.02)
    elapsed = time.perf_counter() - start
    if process.returncode != 0:
        sys.exit(f"{command[0]} failed: {process.stderr.read().decode()[-2000:] if process.stderr else ''}")
    return elapsed, peak / 1024


def measure(ffmpeg: str, path: Path) -> tuple[float, float]:
    report = subprocess.run(
        [ffmpeg, "-hide_banner", "-nostats", "-i", str(path), "-af", "ebur128=peak=true", "-f", "null", "-"],
        capture_output=True, text=True, check=True,
    ).stderr  # fmt: skip
    summary = report[report.rindex("Summary:") :]
    values = dict(re.findall(r"^\s+(I|Peak):\s+(-?[\d.]+|-inf)", summary, re.M))
    return float(values["I"]), float(values["Peak"])


def generate(ffmpeg: str, path: Path, minutes: float) -> None:
    subprocess.run(
        [ffmpeg, "-hide_banner", "-loglevel", "error", "-y", "-filter_complex",
         SPEECH.format(seconds=minutes * 60), "-c:a", "pcm_s16le", str(path)],
        check=True,
    )  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--minutes", type=float, default=60.0)
    parser.add_argument("--rss-minutes", type=float, default=0.0, help="also run (c) alone on this long a programme")
    parser.add_argument("--runs", default="abc", help="which of (a), (b), (c) to run; e.g. 'c' for memory alone")
    options = parser.parse_args()
    ffmpeg = find_ffmpeg()
    env = {**os.environ, "FFMPEG_PATH": ffmpeg}  # ffmpeg-normalize's way of being given an ffmpeg
    normalize = Path(sys.executable).with_name("ffmpeg-normalize")

    with tempfile.TemporaryDirectory(prefix="mediapub-bench-") as temp:
        work = Path(temp)
        source = work / "programme.wav"
        generate(ffmpeg, source, options.minutes)
        a, b, c = work / "a.mp3", work / "b.mp3", work / "c.mp3"
        commands = {
            "(a) bare decode + MP3 encode": (
                [ffmpeg, "-hide_banner", "-loglevel", "error", "-y", "-i", str(source), *ENCODER, str(a)], a),
            "(b) ffmpeg-normalize": (
                [str(normalize), str(source), "-o", str(b), "-f", "-t", "-16", "-tp", "-1",
                 "-c:a", "libmp3lame", "-b:a", "128k", "-ar", "44100"], b),
            "(c) mediapub master": (
                [sys.executable, "-m", "mediapub", "master", str(source), str(c), "--no-cache",
                 "--stereo", "--sample-rate", "44100", "--bitrate", "128"], c),
        }  # fmt: skip
        commands = {name: value for name, value in commands.items() if name[1] in options.runs}
        runs = []
        for name, (command, output) in commands.items():
            seconds, rss = timed(command, env)
            runs.append(Run(name, seconds, rss, *measure(ffmpeg, output)))
        if options.rss_minutes:
            long_source = work / "long.wav"
            source.unlink()
            generate(ffmpeg, long_source, options.rss_minutes)
            command = [sys.executable, "-m", "mediapub", "master", str(long_source), str(work / "long.mp3"),
                       "--no-cache"]  # fmt: skip
            seconds, rss = timed(command, env)
            runs.append(Run(f"(c) mediapub master, {options.rss_minutes:g} min", seconds, rss,
                            *measure(ffmpeg, work / "long.mp3")))  # fmt: skip

    print(f"{options.minutes:g} min, 48 kHz stereo speech-like WAV -> 44.1 kHz 128 kbit/s MP3; {os.cpu_count()} cores")
    print(f"{'run':<36} {'wall s':>8} {'peak RSS MB':>12} {'LUFS':>7} {'dBTP':>6}")
    for run in runs:
        print(f"{run.name:<36} {run.seconds:8.1f} {run.peak_rss_mb:12.0f} {run.loudness:7.1f} {run.true_peak:6.1f}")
    by_name: dict[str, Run] = {}
    for run in runs:
        by_name.setdefault(run.name[:3], run)
    if "(a)" in by_name and "(c)" in by_name:
        print(f"c/a = {by_name['(c)'].seconds / by_name['(a)'].seconds:.2f}")
    if "(b)" in by_name and "(c)" in by_name:
        print(f"c/b = {by_name['(c)'].seconds / by_name['(b)'].seconds:.2f}")


if __name__ == "__main__":
    main()
