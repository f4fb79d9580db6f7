"""How much does mediapub add on top of a bare ffmpeg MP3 transcode?

Generates a programme of --minutes of noisy tone (stereo, 44.1 kHz FLAC), then times,
best of --repeat runs, in this one process:

  baseline      ffmpeg -i in.flac -c:a libmp3lame -b:a 128k out.mp3
  encode stage  mediapub.audio.encode_mp3 (transcode + duration check)
  publish       mediapub.publish of a one-episode show into a fresh folder
                (probe, encode, tag, hash, store, manifest, feed)

and prints each with its ratio to the baseline.

    python benchmarks/publish_overhead.py --minutes 10 --repeat 3
"""

from __future__ import annotations

import argparse
import subprocess
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from mediapub import FFmpeg, LocalStorage, PublishContext, Reporter, load_show, publish
from mediapub.mastering import master
from mediapub.model import AudioSettings

SHOW_TOML = """
title = "Bench"
description = "Benchmark show"
author = "Bench"
owner = {{ name = "Bench", email = "bench@example.com" }}
language = "en"
categories = ["News"]
artwork = "{artwork}"
link = "https://example.com/"
base_url = "https://cdn.example.com/"
"""
EPISODE_TOML = """
number = 1
title = "Benchmark episode"
date = 2024-01-01
summary = "A long episode."
recording = "{recording}"
"""


def best_of(repeat: int, action: Callable[[int], None]) -> float:
    times = []
    for attempt in range(repeat):
        start = time.perf_counter()
        action(attempt)
        times.append(time.perf_counter() - start)
    return min(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--minutes", type=float, default=5.0)
    parser.add_argument("--repeat", type=int, default=3)
    options = parser.parse_args()
    ffmpeg = FFmpeg()
    seconds = options.minutes * 60

    with tempfile.TemporaryDirectory() as temp:
        work = Path(temp)
        source = work / "show" / "1" / "in.flac"
        source.parent.mkdir(parents=True)
        ffmpeg.run(
            ["-f", "lavfi", "-i", f"sine=frequency=220:duration={seconds}", "-f", "lavfi",
             "-i", f"anoisesrc=color=pink:amplitude=0.2:duration={seconds}",
             "-filter_complex", "amix=inputs=2", "-ac", "2", "-ar", "44100", source],
            subject=source,
        )  # fmt: skip
        artwork = Path(__file__).resolve().parent.parent / "episodes" / "artwork.png"
        (work / "show" / "show.toml").write_text(SHOW_TOML.format(artwork=artwork))
        (work / "show" / "1" / "episode.toml").write_text(EPISODE_TOML.format(recording="in.flac"))
        show = load_show(work / "show")

        def baseline(attempt: int) -> None:
            subprocess.run(
                [ffmpeg.executable, "-hide_banner", "-nostdin", "-y", "-loglevel", "error", "-i", str(source),
                 "-c:a", "libmp3lame", "-b:a", "128k", str(work / f"bare{attempt}.mp3")],
                check=True,
            )  # fmt: skip

        def encode(attempt: int) -> None:
            master(ffmpeg, source, work / f"stage{attempt}.mp3", AudioSettings())

        def whole(attempt: int) -> None:
            storage = LocalStorage(work / f"public{attempt}", "https://cdn.example.com/")
            publish(show, PublishContext(storage=storage, ffmpeg=ffmpeg, reporter=Reporter(None)))

        rows = [("bare ffmpeg transcode (baseline)", best_of(options.repeat, baseline))]
        rows.append(("mediapub encode stage", best_of(options.repeat, encode)))
        rows.append(("mediapub publish, one episode", best_of(options.repeat, whole)))

    base = rows[0][1]
    print(f"{options.minutes:g} min stereo programme, best of {options.repeat}")
    print(f"{'what':<36} {'seconds':>8} {'ratio':>6}")
    for name, value in rows:
        print(f"{name:<36} {value:8.2f} {value / base:6.2f}")


if __name__ == "__main__":
    main()
