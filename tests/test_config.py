"""Loading show.toml and episode.toml: the example loads, every mistake gets one clear line."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable
from pathlib import Path

import pytest
from PIL import Image
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


def _in_episode(old: str, new: str) -> Callable[[Path], None]:
    return lambda show_dir: _edit(_episode_file(show_dir), old, new)


def _in_show(old: str, new: str) -> Callable[[Path], None]:
    return lambda show_dir: _edit(show_dir / "show.toml", old, new)


def _artwork(name: str, mode: str, width: int, height: int, save_as: str | None = None) -> Callable[[Path], None]:
    """Replace the show's artwork with a generated image (``save_as`` forces a format the name does not say)."""

    def damage(show_dir: Path) -> None:
        Image.new(mode, (width, height)).save(show_dir / name, format=save_as)
        if name != "artwork.png":
            _edit(show_dir / "show.toml", '"artwork.png"', f'"{name}"')

    return damage


BAD_CONFIGS = {
    "missing show.toml": (
        lambda d: (d / "show.toml").unlink(),
        r"^episodes/show\.toml: file not found$",
    ),
    "missing field": (
        _in_show('author = "The Duran"\n', ""),
        r"^episodes/show\.toml: author: required field is missing$",
    ),
    "bad date": (
        _in_episode("date = 2018-11-16T18:00:00Z", 'date = "2018-13-40"'),
        r'^episodes/151-brexit-withdrawal-agreement/episode\.toml: date: not a date: "2018-13-40"$',
    ),
    "bad TOML date": (
        _in_episode("date = 2018-11-16T18:00:00Z", "date = 2018-13-40"),
        r'^episodes/151-brexit-withdrawal-agreement/episode\.toml: date: not a date: "2018-13-40"$',
    ),
    "not TOML": (
        _in_episode("number = 151", "number = = 151"),
        r"^episodes/151-brexit-withdrawal-agreement/episode\.toml: invalid TOML: .*line 1",
    ),
    "unknown field": (
        _in_episode("number = 151", "number = 151\ntitel = 'typo'"),
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
        _in_episode("number = 151", 'slug = "../escape"\nnumber = 151'),
        r'^episodes/151-brexit-withdrawal-agreement/episode\.toml: slug: not a valid slug: "\.\./escape"',
    ),
    "slug with /": (
        _in_episode("number = 151", 'slug = "a/b"\nnumber = 151'),
        r'^episodes/151-brexit-withdrawal-agreement/episode\.toml: slug: not a valid slug: "a/b"',
    ),
    "bad chapter time": (
        _in_episode('start = "00:19"', 'start = "00:79"'),
        r"^episodes/151-brexit-withdrawal-agreement/episode\.toml: chapters\[2\]\.start: not a time: \"00:79\"",
    ),
    "chapters out of order": (
        _in_episode('start = "00:19"', 'start = "00:02"'),
        r"^episodes/151-brexit-withdrawal-agreement/episode\.toml: chapters: chapters must be listed in order",
    ),
    "bad URL": (
        _in_show('link = "https://theduran.com/"', 'link = "theduran"'),
        r'^episodes/show\.toml: link: not an http\(s\) URL: "theduran"$',
    ),
    "bad email": (
        _in_show("podcast@theduran.example", "nobody"),
        r'^episodes/show\.toml: owner\.email: not an email address: "nobody"$',
    ),
    "artwork missing": (
        lambda d: (d / "artwork.png").unlink(),
        r"^episodes/show\.toml: artwork: file not found: episodes/artwork\.png$",
    ),
    "number as text": (
        _in_episode("number = 151", 'number = "one hundred"'),
        r'^episodes/151-brexit-withdrawal-agreement/episode\.toml: number: .*integer.*: "one hundred"$',
    ),
    "number as boolean": (
        _in_episode("number = 151", "number = true"),
        r"^episodes/151-brexit-withdrawal-agreement/episode\.toml: number: .*integer.*: true$",
    ),
    "date before 1970": (
        _in_episode("date = 2018-11-16T18:00:00Z", "date = 1969-12-31"),
        r'^episodes/151-brexit-withdrawal-agreement/episode\.toml: date: not a plausible release date: "1969-12-31"',
    ),
    "control character in title": (
        _in_episode('title = "', 'title = "\\u0007'),
        r"^episodes/151-brexit-withdrawal-agreement/episode\.toml: title: contains the control character U\+0007",
    ),
    "invisible title": (
        _in_episode('title = "', 'title = "\\u200b " # '),
        r"^episodes/151-brexit-withdrawal-agreement/episode\.toml: title: must not be empty$",
    ),
    "recording is a folder": (
        lambda d: ((d / EPISODE_151 / "recording.mp4").unlink(), (d / EPISODE_151 / "recording.mp4").mkdir()),
        r"^episodes/151-brexit-withdrawal-agreement/episode\.toml: recording: not a regular file: ",
    ),
    "recording with ftp URL": (
        _in_episode('recording = "recording.mp4"', 'recording = "ftp://host/x.mp3"'),
        r'^episodes/151-brexit-withdrawal-agreement/episode\.toml: recording: unsupported URL scheme "ftp"',
    ),
    "category not Apple's": (
        _in_show('"News/Politics"', '"News/Poltics"'),
        r'^episodes/show\.toml: categories\[0\]: "Poltics" is not a subcategory of "News"',
    ),
    "category three deep": (
        _in_show('"News/Politics"', '"News/Politics/UK"'),
        r'^episodes/show\.toml: categories\[0\]: not a category: "News/Politics/UK"',
    ),
    "artwork GIF": (
        _artwork("artwork.gif", "RGB", 1400, 1400),
        r"^episodes/show\.toml: artwork: episodes/artwork\.gif: is GIF; podcast artwork must be JPEG or PNG$",
    ),
    "artwork not square": (
        _artwork("artwork.png", "RGB", 1400, 1500),
        r"^episodes/show\.toml: artwork: episodes/artwork\.png: must be square, but is 1400x1500$",
    ),
    "artwork too small": (
        _artwork("artwork.png", "RGB", 600, 600),
        r"^episodes/show\.toml: artwork: episodes/artwork\.png: must be 1400 to 3000 pixels a side",
    ),
    "artwork CMYK": (
        _artwork("artwork.jpg", "CMYK", 1400, 1400),
        r"^episodes/show\.toml: artwork: episodes/artwork\.jpg: is CMYK",
    ),
    "artwork named for another type": (
        _artwork("artwork.jpg", "RGB", 1400, 1400, save_as="PNG"),
        r"^episodes/show\.toml: artwork: episodes/artwork\.jpg: is a PNG file but named \.jpg$",
    ),
    "artwork not an image": (
        lambda d: (d / "artwork.png").write_text("not a picture"),
        r"^episodes/show\.toml: artwork: episodes/artwork\.png: not an image",
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
