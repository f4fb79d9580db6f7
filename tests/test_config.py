"""Loading show.toml and episode.toml: the example loads, every mistake gets one clear line."""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

import pytest
from pydantic import ValidationError

from mediapub.config import load_show
from mediapub.errors import ConfigError
from tests.conftest import EXAMPLE_SHOW, snapshot

EPISODE_151 = "151-brexit-withdrawal-agreement"


def test_example_show_loads_into_typed_frozen_models() -> None:
    source = load_show(EXAMPLE_SHOW)
    show = source.show
    assert show.title == "News in Review"
    assert show.author == "The Duran"
    assert [p.name for p in show.hosts] == ["Alex Christoforou", "Alexander Mercouris"]
    assert str(show.funding[0].url) == "https://www.patreon.com/theduran"
    assert show.artwork == EXAMPLE_SHOW / "artwork.png"
    assert (show.categories[0].name, show.categories[0].subcategory) == ("News", "Politics")
    assert str(show.base_url).endswith("/")
    assert [e.number for e in source.episodes] == [150, 151]  # oldest first
    ep = source.episodes[1]
    assert ep.slug == EPISODE_151
    assert ep.title == "Brexit Withdrawal Agreement may lead to Theresa May's downfall"
    assert ep.date == dt.datetime(2018, 11, 16, 18, tzinfo=dt.UTC)
    assert ep.recording == EXAMPLE_SHOW / EPISODE_151 / "recording.mp4"  # relative to episode.toml
    assert [c.start for c in ep.chapters] == [0, 8, 19, 25, 35]
    assert len(ep.articles) == 4
    with pytest.raises(ValidationError):
        ep.title = "changed"  # type: ignore[misc]


def _edit(path: Path, old: str, new: str) -> None:
    text = path.read_text()
    assert old in text, f"{old!r} not in {path}"
    path.write_text(text.replace(old, new, 1))


def _episode_file(show_dir: Path) -> Path:
    return show_dir / EPISODE_151 / "episode.toml"


BAD_CONFIGS = {
    "missing show.toml": (
        lambda d: (d / "show.toml").unlink(),
        r"^episodes/show\.toml: file not found$",
    ),
    "missing field": (
        lambda d: _edit(d / "show.toml", 'author = "The Duran"\n', ""),
        r"^episodes/show\.toml: author: required field is missing$",
    ),
    "bad date": (
        lambda d: _edit(_episode_file(d), "date = 2018-11-16T18:00:00Z", 'date = "2018-13-40"'),
        r'^episodes/151-brexit-withdrawal-agreement/episode\.toml: date: not a date: "2018-13-40"$',
    ),
    "bad TOML date": (
        lambda d: _edit(_episode_file(d), "date = 2018-11-16T18:00:00Z", "date = 2018-13-40"),
        r'^episodes/151-brexit-withdrawal-agreement/episode\.toml: date: not a date: "2018-13-40"$',
    ),
    "not TOML": (
        lambda d: _edit(_episode_file(d), "number = 151", "number = = 151"),
        r"^episodes/151-brexit-withdrawal-agreement/episode\.toml: invalid TOML: .*line 1",
    ),
    "unknown field": (
        lambda d: _edit(_episode_file(d), "number = 151", "number = 151\ntitel = 'typo'"),
        r"^episodes/151-brexit-withdrawal-agreement/episode\.toml: titel: unknown field$",
    ),
    "recording missing": (
        lambda d: (d / EPISODE_151 / "recording.mp4").unlink(),
        r"^episodes/151-brexit-withdrawal-agreement/episode\.toml: recording: file not found: "
        r"episodes/151-brexit-withdrawal-agreement/recording\.mp4$",
    ),
    "duplicate episode number": (
        lambda d: _edit(d / "150-midterms" / "episode.toml", "number = 150", "number = 151"),
        r"^episodes/151-brexit-withdrawal-agreement/episode\.toml: number: 151 is also used by "
        r"episodes/150-midterms/episode\.toml$",
    ),
    "slug with ..": (
        lambda d: _edit(_episode_file(d), "number = 151", 'slug = "../escape"\nnumber = 151'),
        r'^episodes/151-brexit-withdrawal-agreement/episode\.toml: slug: not a valid slug: "\.\./escape"',
    ),
    "slug with /": (
        lambda d: _edit(_episode_file(d), "number = 151", 'slug = "a/b"\nnumber = 151'),
        r'^episodes/151-brexit-withdrawal-agreement/episode\.toml: slug: not a valid slug: "a/b"',
    ),
    "bad chapter time": (
        lambda d: _edit(_episode_file(d), 'start = "00:19"', 'start = "00:79"'),
        r"^episodes/151-brexit-withdrawal-agreement/episode\.toml: chapters\[2\]\.start: not a time: \"00:79\"",
    ),
    "chapters out of order": (
        lambda d: _edit(_episode_file(d), 'start = "00:19"', 'start = "00:02"'),
        r"^episodes/151-brexit-withdrawal-agreement/episode\.toml: chapters: chapters must be listed in order",
    ),
    "bad URL": (
        lambda d: _edit(d / "show.toml", 'link = "https://theduran.com/"', 'link = "theduran"'),
        r'^episodes/show\.toml: link: not an http\(s\) URL: "theduran"$',
    ),
    "bad email": (
        lambda d: _edit(d / "show.toml", "podcast@theduran.example", "nobody"),
        r'^episodes/show\.toml: owner\.email: not an email address: "nobody"$',
    ),
    "artwork missing": (
        lambda d: (d / "artwork.png").unlink(),
        r"^episodes/show\.toml: artwork: file not found: episodes/artwork\.png$",
    ),
    "number as text": (
        lambda d: _edit(_episode_file(d), "number = 151", 'number = "one hundred"'),
        r'^episodes/151-brexit-withdrawal-agreement/episode\.toml: number: .*integer.*: "one hundred"$',
    ),
}


@pytest.mark.parametrize("case", sorted(BAD_CONFIGS))
def test_bad_config_is_one_line_exit_2_and_leaves_public_untouched(case, show_dir, out_dir, run_cli) -> None:
    first = run_cli("publish", "episodes", "--out", "public")
    assert first.exit_code == 0, first.output
    before = snapshot(out_dir)

    damage, expected = BAD_CONFIGS[case]
    damage(show_dir)
    result = run_cli("publish", "episodes", "--out", "public")

    assert result.exit_code == 2
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("error: ")
    assert re.search(expected, lines[0].removeprefix("error: ")), lines[0]
    assert "Traceback" not in result.output
    assert snapshot(out_dir) == before


def test_config_error_carries_file_and_field(show_dir) -> None:
    _edit(_episode_file(show_dir), "date = 2018-11-16T18:00:00Z", 'date = "2018-13-40"')
    with pytest.raises(ConfigError) as caught:
        load_show(show_dir)
    assert caught.value.field == "date"
    assert caught.value.file.endswith("episode.toml")


def test_several_problems_are_counted_in_the_one_line(show_dir) -> None:
    _edit(_episode_file(show_dir), "number = 151", 'number = -1\ntitel = "x"')
    with pytest.raises(ConfigError, match=r"\(and 1 more problem\)$"):
        load_show(show_dir)


def test_people_and_articles_may_be_plain_strings(show_dir) -> None:
    _edit(_episode_file(show_dir), "number = 151", 'number = 151\nguests = ["Jane Doe"]')
    episode = load_show(show_dir).episodes[1]
    assert episode.guests[0].name == "Jane Doe"
    assert str(load_show(show_dir).episodes[0].articles[0].url).startswith("https://theduran.com/")


def test_chapter_times_accept_seconds_and_hours(show_dir) -> None:
    _edit(_episode_file(show_dir), 'start = "00:19"', "start = 19.5")
    _edit(_episode_file(show_dir), 'start = "00:35"', 'start = "0:00:35.250"')
    chapters = load_show(show_dir).episodes[1].chapters
    assert chapters[2].start == 19.5
    assert chapters[4].start == 35.25


def test_publish_target_resolves_against_show_file(show_dir) -> None:
    assert load_show(show_dir).show.publish.target == str(show_dir / ".." / "public")
