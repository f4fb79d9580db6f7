"""Shared fixtures: a copy of the example show, generated audio, and a CLI runner."""

from __future__ import annotations

import hashlib
import logging
import shutil
import socket
import subprocess
from collections.abc import Callable
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from mediapub.cli import cli
from mediapub.ffmpeg import find_ffmpeg

REPO = Path(__file__).resolve().parent.parent
EXAMPLE_SHOW = REPO / "episodes"


@pytest.fixture(autouse=True)
def loopback_only(monkeypatch: pytest.MonkeyPatch) -> None:
    """Tests never reach the internet: a connection anywhere but 127.0.0.1 fails as if offline."""
    real_connect = socket.socket.connect

    def connect(self: socket.socket, address: object) -> None:
        host = address[0] if isinstance(address, tuple) else None
        if self.family in (socket.AF_INET, socket.AF_INET6) and host not in ("127.0.0.1", "::1", "localhost"):
            raise OSError(f"tests may not connect to {host}: use a server on 127.0.0.1")
        real_connect(self, address)  # type: ignore[arg-type]

    monkeypatch.setattr(socket.socket, "connect", connect)


@pytest.fixture(scope="session")
def shared_cache(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("cache")


@pytest.fixture(autouse=True)
def cache_dir(shared_cache: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Masters are cached for the session (keys cover content and settings, so sharing is safe),
    never in ~/.cache; a test about caching itself points MEDIAPUB_CACHE_DIR elsewhere."""
    monkeypatch.setenv("MEDIAPUB_CACHE_DIR", str(shared_cache))
    return shared_cache


@pytest.fixture
def show_dir(tmp_path: Path) -> Path:
    """A private copy of the example show (under 1 MB), safe to edit."""
    target = tmp_path / "episodes"
    shutil.copytree(EXAMPLE_SHOW, target)
    return target


@pytest.fixture
def out_dir(tmp_path: Path) -> Path:
    return tmp_path / "public"


@pytest.fixture
def run_cli(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Callable[..., Result]:
    """Run the real ``mediapub`` command in-process, from ``tmp_path``."""
    monkeypatch.chdir(tmp_path)

    def run(*args: str) -> Result:
        # The command configures logging for its process (a console handler on the root logger); in here
        # the process is pytest's, so put it back as it was, or later tests would log to stderr.
        root = logging.getLogger()
        handlers, level = root.handlers[:], root.level
        try:
            return CliRunner().invoke(cli, list(args), catch_exceptions=False)
        finally:
            root.handlers[:] = handlers
            root.setLevel(level)

    return run


@pytest.fixture(scope="session")
def ffmpeg_exe() -> str:
    return find_ffmpeg()


@pytest.fixture(scope="session")
def make_audio(ffmpeg_exe: str, tmp_path_factory: pytest.TempPathFactory) -> Callable[..., Path]:
    """Generate a real audio file with ffmpeg's sine source: ``make_audio("x.wav", seconds=2)``."""
    folder = tmp_path_factory.mktemp("audio")

    def make(name: str, *, seconds: float = 2.0, frequency: int = 440, extra: tuple[str, ...] = ()) -> Path:
        path = folder / name
        subprocess.run(
            [ffmpeg_exe, "-hide_banner", "-loglevel", "error", "-y", "-f", "lavfi",
             "-i", f"sine=frequency={frequency}:duration={seconds}", *extra, str(path)],
            check=True,
        )  # fmt: skip
        return path

    return make


def snapshot(folder: Path) -> dict[str, tuple[int, int, str]]:
    """Every file under ``folder`` with its size, mtime and hash, to prove nothing changed."""
    return {
        str(path.relative_to(folder)): (
            path.stat().st_size,
            path.stat().st_mtime_ns,
            hashlib.sha256(path.read_bytes()).hexdigest(),
        )
        for path in sorted(folder.rglob("*"))
        if path.is_file()
    }


def decoded_duration(ffmpeg_exe: str, path: Path) -> float:
    """Duration by decoding the whole file with ffmpeg: independent of any header."""
    report = subprocess.run(
        [ffmpeg_exe, "-hide_banner", "-nostdin", "-i", str(path), "-map", "0:a:0", "-f", "null", "-"],
        capture_output=True,
        text=True,
        check=True,
    ).stderr
    times = [part.split()[0] for part in report.split("time=")[1:]]
    hours, minutes, seconds = times[-1].split(":")
    return int(hours) * 3600 + int(minutes) * 60 + float(seconds)
