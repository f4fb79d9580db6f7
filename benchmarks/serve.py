"""How fast is `mediapub serve` next to Python's own http.server, on the requests a podcast site gets?

Serves one folder (a 200 MB "episode" and a 30 KB feed) with both, in this
process, on 127.0.0.1, and measures with one keep-alive client per run:
a whole-file download (MB/s), feed polls (requests/s), conditional feed polls
that end in 304 (mediapub only: http.server has no ETags) and random 64 KB range
reads, what a player does when it seeks (mediapub only: http.server ignores
Range). Ratios are against http.server's rate for the same kind of request.

    python benchmarks/serve.py [--size-mb 200] [--requests 2000] [--repeat 5]
"""

from __future__ import annotations

import argparse
import functools
import http.client
import http.server
import os
import random
import statistics
import tempfile
import threading
import time
from collections.abc import Callable
from pathlib import Path

from mediapub.serve import make_server


class _Quiet(http.server.SimpleHTTPRequestHandler):
    """The standard library's file server, as it comes, without a log line per request."""

    def log_message(self, format: str, *args: object) -> None:
        pass


def start(server: http.server.ThreadingHTTPServer) -> int:
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return int(server.server_address[1])


def timed(port: int, run: Callable[[http.client.HTTPConnection], int]) -> tuple[float, int]:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    started = time.perf_counter()
    amount = run(connection)
    elapsed = time.perf_counter() - started
    connection.close()
    return elapsed, amount


def download(connection: http.client.HTTPConnection) -> int:
    connection.request("GET", "/episode.mp3")
    response = connection.getresponse()
    total = 0
    while chunk := response.read(1 << 20):
        total += len(chunk)
    return total


def polls(count: int, headers: dict[str, str]) -> Callable[[http.client.HTTPConnection], int]:
    def run(connection: http.client.HTTPConnection) -> int:
        for _ in range(count):
            connection.request("GET", "/feed.xml", headers=headers)
            connection.getresponse().read()
        return count

    return run


def seeks(count: int, size: int) -> Callable[[http.client.HTTPConnection], int]:
    chooser = random.Random(7)

    def run(connection: http.client.HTTPConnection) -> int:
        for _ in range(count):
            start = chooser.randrange(0, size - 65536)
            connection.request("GET", "/episode.mp3", headers={"Range": f"bytes={start}-{start + 65535}"})
            response = connection.getresponse()
            assert response.status == 206 and len(response.read()) == 65536
        return count

    return run


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--size-mb", type=int, default=200)
    parser.add_argument("--requests", type=int, default=2000)
    parser.add_argument("--repeat", type=int, default=5, help="runs of each measurement; the median is shown")
    options = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        root = Path(folder)
        with (root / "episode.mp3").open("wb") as file:
            for _ in range(options.size_mb):
                file.write(os.urandom(1 << 20))
        (root / "feed.xml").write_bytes(b"<rss>" + b"x" * 30_000 + b"</rss>")
        size = options.size_mb << 20
        baseline = http.server.ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(_Quiet, directory=folder))
        ours = make_server(root)
        ports = {"http.server": start(baseline), "mediapub serve": start(ours)}
        download(http.client.HTTPConnection("127.0.0.1", ports["mediapub serve"]))  # warm the page cache

        connection = http.client.HTTPConnection("127.0.0.1", ports["mediapub serve"])
        connection.request("HEAD", "/feed.xml")
        etag = connection.getresponse().getheader("ETag") or ""
        connection.close()

        rows = []
        for label, run, unit, scale, both in [
            ("whole file", download, "MB/s", 1 / 1e6, True),
            ("feed polls", polls(options.requests, {}), "req/s", 1, True),
            ("feed polls, 304", polls(options.requests, {"If-None-Match": etag}), "req/s", 1, False),
            ("64 KB seeks", seeks(options.requests, size), "req/s", 1, False),
        ]:
            rates = {}
            for name, port in ports.items():
                if name == "http.server" and not both:
                    continue
                # Loopback rates swing by tens of percent from run to run: take the median of several.
                samples = []
                for _ in range(options.repeat):
                    elapsed, amount = timed(port, run)
                    samples.append(amount * scale / elapsed)
                rates[name] = statistics.median(samples)
            base = rates.get("http.server")
            for name, rate in rates.items():
                ratio = f"{rate / base:6.2f}" if base else "     -"
                rows.append(f"{label:<16} {name:<15} {rate:12.1f} {unit:<6} {ratio}")
        baseline.shutdown()
        ours.shutdown()
    print(f"{'request':<16} {'server':<15} {'rate':>12} {'unit':<6} {'ratio':>6}")
    print("\n".join(rows))


if __name__ == "__main__":
    main()
