"""The README's first command, run as written in a fresh copy of the project and a new venv."""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import feedparser
import podcastparser
import pytest

from tests.conftest import REPO

BASE = "https://podcast.theduran.example/news-in-review/"


def readme_commands() -> list[str]:
    return re.findall(r"```sh\n(.+?)\n```", (REPO / "README.md").read_text(), re.S)


@pytest.mark.slow
def test_readme_first_command_publishes_the_example_show(tmp_path: Path) -> None:
    commands = readme_commands()
    assert len(commands) == 2, "the README gives exactly two set-up commands"
    assert "pytest" in commands[1] and (REPO / ".ci" / "run").read_text().count(commands[1]) == 1
    project = tmp_path / "project"
    shutil.copytree(
        REPO, project, ignore=shutil.ignore_patterns(".git", ".venv", "public", "__pycache__", "*.egg-info", "build")
    )
    run = subprocess.run(["bash", "-c", commands[0]], cwd=project, capture_output=True, text=True, timeout=900)
    assert run.returncode == 0, run.stdout + run.stderr

    feed = project / "public" / "feed.xml"
    parsed = feedparser.parse(feed.read_bytes())
    assert not parsed.bozo and len(parsed.entries) == 2
    gpodder = podcastparser.parse(BASE + "feed.xml", feed.open("rb"))
    assert [e["title"] for e in gpodder["episodes"]] == [e.title for e in parsed.entries]
    for item in gpodder["episodes"]:
        (enclosure,) = item["enclosures"]
        local = project / "public" / enclosure["url"].removeprefix(BASE)
        assert local.stat().st_size == enclosure["file_size"] > 10_000
