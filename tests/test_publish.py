"""End to end: publish the example show and read the result the way podcast apps do."""

from __future__ import annotations

import html
import json
import subprocess
import sys
from pathlib import Path

import feedparser
import podcastparser
import pytest
from mutagen.id3 import ID3

from mediapub.config import load_show
from tests.conftest import EXAMPLE_SHOW, decoded_duration, snapshot

BASE = "https://podcast.theduran.example/news-in-review/"


def _publish(run_cli, *extra: str):
    result = run_cli("publish", "episodes", "--out", "public", *extra)
    assert result.exit_code == 0, result.output
    return result


def _local_file(out_dir: Path, url: str) -> Path:
    """Every URL in the feed must resolve to a file under the output folder via the base URL."""
    assert url.startswith(BASE), url
    return out_dir / url.removeprefix(BASE)


def test_feed_parses_in_podcast_clients_with_exact_enclosures(show_dir, out_dir, run_cli, ffmpeg_exe) -> None:
    _publish(run_cli)
    feed_bytes = (out_dir / "feed.xml").read_bytes()
    source = load_show(show_dir)
    expected = {e.title: e for e in source.episodes}

    gpodder = podcastparser.parse(BASE + "feed.xml", (out_dir / "feed.xml").open("rb"))
    assert gpodder["title"] == "News in Review"
    assert {e["title"] for e in gpodder["episodes"]} == set(expected)
    for item in gpodder["episodes"]:
        episode = expected[item["title"]]
        (enclosure,) = item["enclosures"]
        path = _local_file(out_dir, enclosure["url"])
        assert enclosure["file_size"] == path.stat().st_size
        assert enclosure["mime_type"] == "audio/mpeg"
        decoded = decoded_duration(ffmpeg_exe, path)
        source_duration = decoded_duration(ffmpeg_exe, episode.recording)
        assert decoded == pytest.approx(source_duration, abs=0.1)
        assert item["total_time"] == round(decoded)
        assert item["guid"]
        assert item["published"] == int(episode.date.timestamp())

    parsed = feedparser.parse(feed_bytes)
    assert not parsed.bozo, parsed.bozo_exception
    assert parsed.feed.title == "News in Review"
    assert parsed.feed.link == "https://theduran.com/"
    assert parsed.feed.author_detail.name == "The Duran" or parsed.feed.author == "The Duran"
    assert parsed.feed.image.href.startswith(BASE + "artwork/")
    assert _local_file(out_dir, parsed.feed.image.href).read_bytes() == (show_dir / "artwork.png").read_bytes()
    assert [e.title for e in parsed.entries] == [e.title for e in reversed(source.episodes)]  # newest first
    for entry in parsed.entries:
        episode = expected[entry.title]
        (enclosure,) = entry.enclosures
        assert int(enclosure.length) == _local_file(out_dir, enclosure.href).stat().st_size
        assert entry.itunes_duration == str(round(decoded_duration(ffmpeg_exe, _local_file(out_dir, enclosure.href))))
        assert entry.itunes_episode == str(episode.number)
        assert entry.guidislink is False
        for paragraph in episode.summary.split("\n\n"):
            assert f"<p>{html.escape(' '.join(paragraph.split()), quote=False)}</p>" in entry.summary
        for article in episode.articles:
            assert str(article.url) in entry.summary
    assert b"<itunes:explicit>false</itunes:explicit>" in feed_bytes


def test_mp3_files_carry_basic_id3_tags(show_dir, out_dir, run_cli) -> None:
    _publish(run_cli)
    manifest = json.loads((out_dir / "mediapub-manifest.json").read_text())
    record = manifest["episodes"]["151-brexit-withdrawal-agreement"]
    tags = ID3(out_dir / record["media_key"])
    assert tags["TIT2"].text == ["Brexit Withdrawal Agreement may lead to Theresa May's downfall"]
    assert tags["TALB"].text == ["News in Review"]
    assert tags["TRCK"].text == ["151"]
    assert str(tags["TDRC"].text[0]) == "2018-11-16"
    assert tags["TGID"].text == [record["guid"]]
    assert tags.getall("COMM")[0].text[0].startswith("Theresa May's draft")
    assert tags["WFED"].url == BASE + "feed.xml"
    assert tags.version == (2, 4, 0)


def test_publishing_twice_changes_nothing(show_dir, out_dir, run_cli) -> None:
    _publish(run_cli)
    before = snapshot(out_dir)
    second = json.loads(_publish(run_cli, "--json").stdout)
    assert snapshot(out_dir) == before  # same bytes, same mtimes: nothing rewritten
    assert all(not f["written"] for f in second["files"])


def test_editing_a_title_keeps_the_guid_and_the_old_media(show_dir, out_dir, run_cli) -> None:
    first = json.loads(_publish(run_cli, "--json").stdout)
    episode_file = show_dir / "151-brexit-withdrawal-agreement" / "episode.toml"
    episode_file.write_text(episode_file.read_text().replace("Theresa May's downfall", "May's fall"))
    second = json.loads(_publish(run_cli, "--json").stdout)

    guids = lambda summary: {e["slug"]: e["guid"] for e in summary["episodes"]}  # noqa: E731
    assert guids(first) == guids(second)
    old, new = (next(e["media"] for e in s["episodes"] if e["number"] == 151) for s in (first, second))
    assert old != new  # new bytes, new key
    assert _local_file(out_dir, old).is_file()  # what listeners downloaded is still there
    parsed = feedparser.parse((out_dir / "feed.xml").read_bytes())
    assert "Brexit Withdrawal Agreement may lead to May's fall" in [e.title for e in parsed.entries]


def test_guids_survive_a_new_base_url_and_a_renamed_folder(show_dir, out_dir, run_cli) -> None:
    first = json.loads(_publish(run_cli, "--json").stdout)
    (show_dir / "150-midterms").rename(show_dir / "150-the-midterms")
    second = json.loads(_publish(run_cli, "--json", "--base-url", "https://cdn.example.net/nir/").stdout)
    by_number = lambda summary: {e["number"]: e["guid"] for e in summary["episodes"]}  # noqa: E731
    assert by_number(first) == by_number(second)
    assert second["feed"]["url"] == "https://cdn.example.net/nir/feed.xml"


def test_item_xml_is_byte_identical_across_runs_in_fresh_folders(show_dir, tmp_path, run_cli) -> None:
    for name in ("a", "b"):
        assert run_cli("publish", "episodes", "--out", name).exit_code == 0
    assert (tmp_path / "a" / "feed.xml").read_bytes() == (tmp_path / "b" / "feed.xml").read_bytes()


def test_dry_run_writes_nothing_and_lists_what_it_would(show_dir, out_dir, run_cli) -> None:
    result = _publish(run_cli, "--dry-run", "--json")
    assert not out_dir.exists()
    summary = json.loads(result.stdout)
    assert summary["dry_run"] is True
    assert {f["key"] for f in summary["files"]} >= {"feed.xml", "mediapub-manifest.json"}
    assert all(f["written"] for f in summary["files"])

    _publish(run_cli)
    before = snapshot(out_dir)
    again = json.loads(_publish(run_cli, "--dry-run", "--json").stdout)
    assert not any(f["written"] for f in again["files"])
    assert snapshot(out_dir) == before


def test_a_recording_without_audio_fails_the_run_and_leaves_public_untouched(show_dir, out_dir, run_cli) -> None:
    _publish(run_cli)
    before = snapshot(out_dir)
    recording = show_dir / "150-midterms" / "recording.ogg"
    recording.write_bytes((show_dir / "artwork.png").read_bytes())  # an image under an audio name
    result = run_cli("publish", "episodes", "--out", "public")
    assert result.exit_code == 1
    assert result.stderr.strip().splitlines() == [
        "error: episode 150-midterms: episodes/150-midterms/recording.ogg: "
        "has no audio stream (is this the right file?)"
    ]
    assert snapshot(out_dir) == before


def test_a_file_ffmpeg_cannot_read_is_named(show_dir, out_dir, run_cli) -> None:
    (show_dir / "150-midterms" / "recording.ogg").write_bytes(b"\x00garbage" * 100)
    result = run_cli("publish", "episodes", "--out", "public")
    assert result.exit_code == 1
    assert "recording.ogg: not a media file ffmpeg can read" in result.stderr
    assert not out_dir.exists()


def test_default_show_dir_and_output_come_from_show_toml(show_dir, tmp_path, run_cli) -> None:
    result = run_cli("publish")  # ./episodes, and [publish] target = "../public"
    assert result.exit_code == 0, result.output
    assert (tmp_path / "public" / "feed.xml").is_file()


@pytest.mark.slow
def test_console_script_runs_without_traceback_on_error(tmp_path) -> None:
    """The installed entry point, in a real subprocess: errors are one line, tracebacks need --debug."""
    command = [sys.executable, "-m", "mediapub", "publish", str(tmp_path / "nowhere")]
    plain = subprocess.run(command, capture_output=True, text=True)
    assert plain.returncode == 2
    assert plain.stderr.strip().count("\n") == 0 and "no such show folder" in plain.stderr
    debug = subprocess.run([*command, "--debug"], capture_output=True, text=True)
    assert debug.returncode != 0 and "Traceback" in debug.stderr
    ok = subprocess.run([sys.executable, "-m", "mediapub", "publish", str(EXAMPLE_SHOW), "--out", str(tmp_path / "o")],
                        capture_output=True, text=True)  # fmt: skip
    assert ok.returncode == 0, ok.stderr
    assert (tmp_path / "o" / "feed.xml").is_file()


def test_an_episode_failing_mid_run_leaves_the_feed_and_a_rerun_finishes(
    show_dir, out_dir, run_cli, ffmpeg_exe, tmp_path, monkeypatch
) -> None:
    """A real ffmpeg behind a wrapper that fails the MP3 encode of one episode, as a full disk would."""
    _publish(run_cli)
    before = snapshot(out_dir)
    episode_file = show_dir / "150-midterms" / "episode.toml"
    episode_file.write_text(episode_file.read_text().replace("The US midterm", "The midterm"))
    other = show_dir / "151-brexit-withdrawal-agreement" / "episode.toml"
    other.write_text(other.read_text().replace("Theresa May's downfall", "May's fall"))  # new tags, new media
    wrapper = tmp_path / "flaky-ffmpeg"
    wrapper.write_text(
        "#!/bin/sh\n"
        'case "$*" in *150-midterms*libmp3lame*)\n'
        '  echo "Error writing output: No space left on device" >&2; exit 1;;\n'
        "esac\n"
        f'exec "{ffmpeg_exe}" "$@"\n'
    )
    wrapper.chmod(0o755)
    monkeypatch.setenv("MEDIAPUB_FFMPEG", str(wrapper))

    failed = run_cli("publish", "episodes", "--out", "public", "--no-cache")
    assert failed.exit_code == 1
    assert [line for line in failed.stderr.splitlines() if line.startswith("error:")] == [
        "error: episode 150-midterms: episodes/150-midterms/recording.ogg: "
        "ffmpeg failed: Error writing output: No space left on device",
        "error: 1 episode failed; nothing was published",
    ]
    assert snapshot(out_dir) == before  # not even the other episode's new media: nothing at all

    monkeypatch.delenv("MEDIAPUB_FFMPEG")
    _publish(run_cli)
    parsed = feedparser.parse((out_dir / "feed.xml").read_bytes())
    assert parsed.entries[1].summary.startswith("<p>The midterm results")


def test_an_undecodable_audio_codec_is_named(show_dir, out_dir, run_cli, make_audio) -> None:
    """A WAV whose format tag no decoder knows: ffmpeg sees an audio stream it cannot decode."""
    wav = bytearray(make_audio("codec.wav", seconds=1).read_bytes())
    tag = wav.find(b"fmt ") + 8
    wav[tag : tag + 2] = (0x3412).to_bytes(2, "little")
    (show_dir / "150-midterms" / "recording.ogg").write_bytes(bytes(wav))
    result = run_cli("publish", "episodes", "--out", "public")
    assert result.exit_code == 1
    assert result.stderr.strip().splitlines() == [
        "error: episode 150-midterms: episodes/150-midterms/recording.ogg: "
        "has an audio stream in a format ffmpeg cannot decode"
    ]
    assert not out_dir.exists()


@pytest.mark.parametrize(
    ("url", "reason"),
    [
        ("cdn.example.net/nir/", "URL"),
        ("ftp://cdn.example.net/nir/", "http"),
        ("https://cdn.example.net/nir/?token=1", "query"),
        ("https://cdn.example.net/nir/#top", "fragment"),
    ],
)
def test_a_bad_base_url_is_a_usage_error(show_dir, out_dir, run_cli, url, reason) -> None:
    result = run_cli("publish", "episodes", "--out", "public", "--base-url", url)
    assert result.exit_code == 2
    (line,) = result.stderr.strip().splitlines()
    assert line.startswith("error: --base-url: not a usable base URL (") and url in line
    assert reason in line
    assert not out_dir.exists()


def test_renaming_a_folder_again_and_again_keeps_one_guid(show_dir, out_dir, run_cli) -> None:
    first = json.loads(_publish(run_cli, "--json").stdout)
    guid = next(e["guid"] for e in first["episodes"] if e["number"] == 150)
    folder = show_dir / "150-midterms"
    for name in ("150-the-midterms", "150-us-midterms", "150-midterms"):
        folder = folder.rename(show_dir / name)
        summary = json.loads(_publish(run_cli, "--json").stdout)
        assert next(e["guid"] for e in summary["episodes"] if e["number"] == 150) == guid
        records = json.loads((out_dir / "mediapub-manifest.json").read_text())["episodes"]
        assert [slug for slug, r in records.items() if r["guid"] == guid] == [name]  # stale records dropped
    items = feedparser.parse((out_dir / "feed.xml").read_bytes()).entries
    assert sorted(e.id for e in items) == sorted(e["guid"] for e in first["episodes"])


def test_first_publish_without_a_pinned_guid_says_how_to_pin_it(show_dir, out_dir, run_cli) -> None:
    from mediapub.manifest import podcast_guid_for

    show_file = show_dir / "show.toml"
    show_file.write_text("\n".join(line for line in show_file.read_text().splitlines() if not line.startswith("guid")))
    first = _publish(run_cli)
    derived = podcast_guid_for(BASE + "feed.xml")
    assert f'guid = "{derived}"' in first.stderr
    assert _publish(run_cli).stderr.count("guid =") == 0  # the manifest remembers it from now on
    assert f"<podcast:guid>{derived}</podcast:guid>".encode() in (out_dir / "feed.xml").read_bytes()


def test_the_example_show_pins_its_guid(show_dir, out_dir, run_cli) -> None:
    pinned = load_show(show_dir).show.guid
    assert pinned is not None
    result = _publish(run_cli)
    assert "guid =" not in result.stderr
    assert f"<podcast:guid>{pinned}</podcast:guid>".encode() in (out_dir / "feed.xml").read_bytes()


def test_hostile_text_cannot_break_out_of_the_feed(show_dir, out_dir, run_cli) -> None:
    """Summaries are the producer's text, but may be pasted from anywhere: it must stay text."""
    episode_file = show_dir / "150-midterms" / "episode.toml"
    hostile = 'Ends here ]]></description><script>alert(1)</script> & <img src=x onerror="alert(2)"> done'
    text = episode_file.read_text()
    start = text.index('summary = """') + len('summary = """')
    episode_file.write_text(text[:start] + hostile.replace("\\", "\\\\") + "\n" + text[start:])
    title_file = show_dir / "151-brexit-withdrawal-agreement" / "episode.toml"
    title_file.write_text(title_file.read_text().replace("Theresa May's downfall", "May's <b>downfall</b> ]]> &amp;"))
    _publish(run_cli)
    feed_bytes = (out_dir / "feed.xml").read_bytes()

    parsed = feedparser.parse(feed_bytes)
    assert not parsed.bozo, parsed.bozo_exception
    assert len(parsed.entries) == 2
    midterms = next(e for e in parsed.entries if e.itunes_episode == "150")
    assert "<p>Ends here ]]&gt; &amp; done</p>" in midterms.summary  # markup dropped, text kept
    assert "<script" not in midterms.summary and "<img" not in midterms.summary
    brexit = next(e for e in parsed.entries if e.itunes_episode == "151")
    assert brexit.title.endswith("May's <b>downfall</b> ]]> &amp;")  # a title is plain text, kept verbatim
    gpodder = podcastparser.parse(BASE + "feed.xml", (out_dir / "feed.xml").open("rb"))
    assert len(gpodder["episodes"]) == 2


def test_json_summary_matches_what_is_on_disk(show_dir, out_dir, run_cli) -> None:
    summary = json.loads(_publish(run_cli, "--json").stdout)
    assert [e["number"] for e in summary["episodes"]] == [150, 151]
    for item in summary["files"]:
        path = out_dir / item["key"]
        assert item["size"] == path.stat().st_size, item["key"]
        assert item["url"] == BASE + item["key"]
        assert item["written"] is True
    for episode in summary["episodes"]:
        assert _local_file(out_dir, episode["media"]).stat().st_size == episode["size"]
    assert Path(summary["feed"]["path"]).resolve() == (out_dir / "feed.xml").resolve()
    assert summary["feed"]["url"] == BASE + "feed.xml"


def test_the_terminal_summary_names_every_episode_and_file(show_dir, out_dir, run_cli) -> None:
    first = _publish(run_cli).stdout
    words = {word.strip(",") for word in first.split()}
    for title in ("Midterms: Democrats take the House", "Brexit Withdrawal Agreement"):
        assert set(title.split()) <= words, title  # the table may wrap long titles over lines
    assert [line.split()[0] for line in first.splitlines() if line[:1].isdigit()] == ["150", "151", "2"]
    assert first.count("LUFS") == 2 and first.count("dBTP") == 2  # each episode's mastered loudness
    assert "wrote feed.xml" in first
    assert "2 episodes; 23 files written, 0 unchanged" in first  # 13 of media, transcript and feed; 10 of pages
    assert "2 episodes; 0 files written, 23 unchanged" in _publish(run_cli).stdout


def test_prune_deletes_only_what_no_feed_refers_to(show_dir, out_dir, run_cli) -> None:
    first = json.loads(_publish(run_cli, "--json").stdout)
    episode_file = show_dir / "150-midterms" / "episode.toml"
    episode_file.write_text(episode_file.read_text() + "\n[audio]\nloudness = -18.0\n")
    second = json.loads(_publish(run_cli, "--json").stdout)
    old, new = (next(e["media"] for e in s["episodes"] if e["number"] == 150) for s in (first, second))
    old_file, new_file = _local_file(out_dir, old), _local_file(out_dir, new)
    assert old_file.is_file() and new_file.is_file()  # publishing never deletes

    recent = run_cli("prune", "episodes", "--out", "public", "--dry-run", "--json")
    assert json.loads(recent.stdout)["deleted"] == []  # written minutes ago: a publish may still be running
    dry = run_cli("prune", "episodes", "--out", "public", "--dry-run", "--json", "--grace", "0")
    assert dry.exit_code == 0, dry.output
    assert json.loads(dry.stdout)["deleted"] == [old.removeprefix(BASE)]
    assert old_file.is_file()  # a dry run deletes nothing

    before = snapshot(out_dir)
    assert run_cli("prune", "episodes", "--out", "public", "--grace", "0").exit_code == 0
    assert not old_file.exists() and new_file.is_file()
    after = snapshot(out_dir)
    assert set(before) - set(after) == {old.removeprefix(BASE)}  # nothing else went
    feed = (out_dir / "feed.xml").read_bytes()
    for entry in feedparser.parse(feed).entries:
        assert _local_file(out_dir, entry.enclosures[0].href).is_file()
    assert json.loads(run_cli("prune", "episodes", "--out", "public", "--json", "--grace", "0").stdout)["deleted"] == []


def test_prune_refuses_a_place_where_nothing_is_published(show_dir, tmp_path, run_cli) -> None:
    result = run_cli("prune", "episodes", "--out", str(tmp_path / "empty"))
    assert result.exit_code == 2 and "nothing is published there" in result.stderr


def test_prune_refuses_when_the_feed_was_published_under_another_base_url(show_dir, out_dir, run_cli) -> None:
    _publish(run_cli, "--base-url", "https://cdn.example.net/nir/")
    refused = run_cli("prune", "episodes", "--out", "public", "--dry-run")
    assert refused.exit_code == 2 and "pass the --base-url it was published with" in refused.stderr
    allowed = run_cli("prune", "episodes", "--out", "public", "--base-url", "https://cdn.example.net/nir/", "--json")
    assert allowed.exit_code == 0 and json.loads(allowed.stdout)["deleted"] == []


def test_a_new_episode_reusing_a_number_does_not_take_an_old_guid(show_dir, out_dir, run_cli) -> None:
    first = json.loads(_publish(run_cli, "--json").stdout)
    old = next(e for e in first["episodes"] if e["number"] == 150)
    folder = show_dir / "150-midterms"
    text = (folder / "episode.toml").read_text().replace("2018-11-09", "2019-03-01")  # another episode, same number
    folder.rename(show_dir / "150-other")
    (show_dir / "150-other" / "episode.toml").write_text(text)
    second = json.loads(_publish(run_cli, "--json").stdout)
    new = next(e for e in second["episodes"] if e["number"] == 150)
    assert new["guid"] != old["guid"]
    guids = [e.id for e in feedparser.parse((out_dir / "feed.xml").read_bytes()).entries]
    assert old["guid"] in guids and new["guid"] in guids  # the old episode stays in the feed


def test_debug_output_never_includes_library_request_logs(show_dir, run_cli) -> None:
    import logging

    run_cli("publish", "episodes", "--out", "public", "--dry-run", "-vv")
    for name in ("botocore", "boto3", "s3transfer", "urllib3", "httpx"):
        assert logging.getLogger(name).level == logging.WARNING, name


def test_a_dry_run_adds_nothing_to_the_cache(show_dir, run_cli, tmp_path, monkeypatch) -> None:
    cache = tmp_path / "fresh-cache"
    monkeypatch.setenv("MEDIAPUB_CACHE_DIR", str(cache))
    assert run_cli("publish", "episodes", "--out", "public", "--dry-run").exit_code == 0
    assert not cache.exists() or not any(path.is_file() for path in cache.rglob("*"))
