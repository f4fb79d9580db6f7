"""Mapping yt-dlp's metadata to an episode, from saved info JSON processed by the real yt-dlp (no network)."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Any

import pytest
import yt_dlp

from mediapub.video_facts import video_facts

INFO = Path(__file__).resolve().parent / "info"


def processed(name: str) -> dict[str, Any]:
    """The info JSON as yt-dlp itself normalizes it (what `--load-info-json` does), without downloading."""
    raw = json.loads((INFO / name).read_text())
    params = {"quiet": True, "no_warnings": True, "skip_download": True, "ignoreconfig": True, "simulate": True}
    with yt_dlp.YoutubeDL(params) as ydl:
        return dict(ydl.process_ie_result(raw, download=False))


def test_a_youtube_video_with_chapters_and_captions() -> None:
    facts = video_facts(processed("youtube_chapters.info.json"))
    assert facts.video_id == "Qm9V8kT3xNw"
    assert facts.watch_url == "https://www.youtube.com/watch?v=Qm9V8kT3xNw"
    assert facts.title == "Brexit Withdrawal Agreement may lead to Theresa May's downfall"  # whitespace tidied
    assert facts.date == dt.date(2018, 11, 16) and facts.duration == 2460
    assert facts.published == dt.datetime(2018, 11, 16, 18, 0, tzinfo=dt.UTC)  # from the Unix timestamp
    assert facts.chapters == ((0.0, "Introduction"), (480.0, "The Cabinet resignations"),
                              (1140.0, "Letters of no confidence"))  # fmt: skip
    assert facts.poster == "https://i.ytimg.com/vi/Qm9V8kT3xNw/maxresdefault.jpg"
    assert facts.articles == (
        "https://theduran.com/theresa-mays-brexit-deal-cabinet-resignations/",
        "https://www.gov.uk/government/publications/withdrawal-agreement-and-political-declaration",
    )  # Patreon and Twitter are not articles; the trailing full stop is not part of the link
    assert facts.summary == (
        "Theresa May's draft Withdrawal Agreement survived the Cabinet, but not for long.\n\n"
        "Alex Christoforou and Alexander Mercouris discuss the deal."
    )  # timestamps became chapters, link lines became articles
    assert facts.captions is not None
    assert (facts.captions.language, facts.captions.manual, facts.captions.ext) == ("en-GB", True, "vtt")
    assert not facts.is_live_replay


def test_a_video_without_chapters_gets_automatic_captions_and_its_only_thumbnail() -> None:
    facts = video_facts(processed("no_chapters.info.json"))
    assert facts.chapters == () and facts.articles == ()
    assert facts.poster == "https://i.ytimg.com/vi/Lp2sX7dKa0E/hqdefault.jpg"
    assert facts.captions is not None and facts.captions.manual is False and facts.captions.language == "en-orig"


def test_a_live_replay_uses_its_release_date_and_may_have_no_captions() -> None:
    facts = video_facts(processed("live_replay.info.json"))
    assert facts.is_live_replay and facts.date == dt.date(2018, 11, 22)
    assert facts.published == dt.datetime(2018, 11, 22, tzinfo=dt.UTC)  # no timestamp: the day, at midnight UTC
    assert facts.captions is None and facts.poster is None


@pytest.mark.parametrize("language", ["el", "fr"])
def test_another_language_picks_its_own_track(language) -> None:
    facts = video_facts(processed("youtube_chapters.info.json"), language=language)
    assert facts.captions is not None and facts.captions.language == language
    assert facts.captions.manual is (language == "el")


def test_untidy_metadata_becomes_valid_episode_fields() -> None:
    raw = json.loads((INFO / "no_chapters.info.json").read_text())
    raw |= {
        "title": "Bell\x07 \u200bNews\x1b[31m in Review",
        "description": "Line one\x01.\n\nSee https://en.wikipedia.org/wiki/Backstop_(Brexit). And (https://example.org/a).",
        "duration": 100,
        "chapters": [
            {"start_time": 30, "end_time": 60, "title": "Second"},
            {"start_time": 0, "end_time": 30, "title": "<Untitled Chapter 1>"},
            {"start_time": 10, "end_time": 30, "title": "First"},
            {"start_time": 10.0001, "end_time": 30, "title": "First again"},
            {"start_time": 100, "end_time": 100, "title": "At the very end"},
        ],
    }
    facts = video_facts(raw)
    assert facts.title == "Bell News[31m in Review"  # controls and zero-width characters gone, words kept
    assert facts.summary.startswith("Line one.")
    assert facts.chapters == ((10.0, "First"), (30.0, "Second"))  # in order, one per start, inside the video
    assert facts.articles == ("https://en.wikipedia.org/wiki/Backstop_(Brexit)", "https://example.org/a")
