"""How fast does mediapub publish to S3, next to awscli, and how fast is a republish that changes nothing?

Starts the JuiceFS S3 gateway (the test suite's, on 127.0.0.1) and, in one run:

  (a) uploads one large file (--large-mb, default 300) with mediapub's S3 storage and with `aws s3 cp`
  (b) uploads --small small files (default 200) with mediapub's S3 storage and with `aws s3 sync`
  (c) publishes a show of --episodes copies of the example's shorter episode, then publishes it again
      unchanged, and times the republish (target: under 2 s for 100 episodes)

and prints seconds, MB/s and the ratio of awscli's time to mediapub's (>= 1.0: mediapub is at least as fast).

    pip install '.[test,bench]'
    python benchmarks/s3_publish.py --large-mb 300 --small 200 --episodes 100
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from mediapub import FFmpeg, FileCache, PublishContext, Reporter, load_show, publish  # noqa: E402
from mediapub.articles import ArticleOptions  # noqa: E402
from mediapub.storage import S3Location, S3Storage  # noqa: E402
from tests.s3_gateway import ACCESS_KEY, SECRET_KEY, start_gateway  # noqa: E402

BASE = "https://cdn.example.com/show/"


def timed(action) -> float:  # type: ignore[no-untyped-def]
    started = time.perf_counter()
    action()
    return time.perf_counter() - started


def aws(*args: str, endpoint: str) -> None:
    command = [sys.executable, "-m", "awscli", "--endpoint-url", endpoint, "--only-show-errors", *args]
    subprocess.run(command, check=True)


def make_show(folder: Path, episodes: int) -> Path:
    show = folder / "episodes"
    shutil.copytree(REPO / "episodes", show, ignore=shutil.ignore_patterns("151-*"))
    source = show / "150-midterms"
    for number in range(1, episodes):
        copy = show / f"{number:03d}-copy"
        shutil.copytree(source, copy)
        text = (copy / "episode.toml").read_text().replace("number = 150", f"number = {number}")
        (copy / "episode.toml").write_text(
            text.replace("2018-11-09", f"2017-{1 + number // 28:02d}-{1 + number % 28:02d}")
        )
    return show


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--large-mb", type=int, default=300)
    parser.add_argument("--small", type=int, default=200)
    parser.add_argument("--episodes", type=int, default=100)
    options = parser.parse_args()
    os.environ.update(AWS_ACCESS_KEY_ID=ACCESS_KEY, AWS_SECRET_ACCESS_KEY=SECRET_KEY, AWS_DEFAULT_REGION="us-east-1",
                      AWS_EC2_METADATA_DISABLED="true")  # fmt: skip
    with tempfile.TemporaryDirectory(prefix="mediapub-s3-bench-") as temp:
        work = Path(temp)
        server = start_gateway(work / "s3")
        try:
            import boto3

            boto3.session.Session().client("s3", endpoint_url=server.endpoint).create_bucket(Bucket="bench")
            storage = S3Storage(S3Location("bench", "mediapub", endpoint_url=server.endpoint), BASE)
            large = work / "large.bin"
            large.write_bytes(os.urandom(options.large_mb * 1024 * 1024))
            small = work / "small"
            small.mkdir()
            for index in range(options.small):
                (small / f"f{index:04d}.json").write_bytes(os.urandom(20_000))
            files = sorted(small.iterdir())

            rows = []
            ours = timed(lambda: storage.put("large/large.bin", large, cache_control="x"))
            theirs = timed(lambda: aws("s3", "cp", str(large), "s3://bench/awscli/large.bin", endpoint=server.endpoint))
            rows.append((f"(a) one {options.large_mb} MB file", ours, theirs, options.large_mb))

            def put_all() -> None:
                with ThreadPoolExecutor(max_workers=10) as pool:
                    list(pool.map(lambda p: storage.put(f"small/{p.name}", p.read_bytes(), cache_control="x"), files))

            ours = timed(put_all)
            theirs = timed(lambda: aws("s3", "sync", str(small), "s3://bench/awscli/small", endpoint=server.endpoint))
            rows.append((f"(b) {options.small} small files", ours, theirs, options.small * 20_000 / 1e6))

            show = make_show(work, options.episodes)
            cache = FileCache(work / "cache")

            def run_publish() -> None:
                context = PublishContext(storage=S3Storage(S3Location("bench", "show", endpoint_url=server.endpoint),
                                                           BASE), ffmpeg=FFmpeg(), reporter=Reporter(None),
                                         cache=cache, articles=ArticleOptions(offline=True))  # fmt: skip
                publish(load_show(show), context)

            first = timed(run_publish)
            again = timed(run_publish)
        finally:
            server.stop()

    print(f"{'upload':<28} {'mediapub s':>10} {'awscli s':>9} {'MB/s':>7} {'awscli/mediapub':>16}")
    for name, ours, theirs, megabytes in rows:
        print(f"{name:<28} {ours:10.2f} {theirs:9.2f} {megabytes / ours:7.1f} {theirs / ours:16.2f}")
    print(f"(c) publish {options.episodes} episodes: first {first:.2f} s, unchanged republish {again:.2f} s")


if __name__ == "__main__":
    main()
