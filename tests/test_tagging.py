"""Tags, cover and chapters inside the published files, read back by mutagen and, independently, by ffmpeg."""

from __future__ import annotations

import io
import json
import re
import subprocess
from pathlib import Path

import feedparser
import pytest
from mutagen.id3 import ID3
from mutagen.mp4 import MP4
from PIL import Image

from mediapub.config import load_show
from mediapub.ffmpeg import FFmpeg
from mediapub.model import ChapterMark
from mediapub.tagging import episode_tags, write_id3

BASE = "https://podcast.theduran.example/news-in-review/"
EPISODE_151 = "151-brexit-withdrawal-agreement"


def _published(run_cli, out_dir: Path, *extra: str) -> dict[str, Path]:
    result = run_cli("publish", "episodes", "--out", "public", *extra)
    assert result.exit_code == 0, result.output
    manifest = json.loads((out_dir / "mediapub-manifest.json").read_text())["episodes"]
    return {slug: out_dir / record["media_key"] for slug, record in manifest.items()}


def ffmetadata(ffmpeg_exe: str, path: Path) -> tuple[dict[str, str], list[dict[str, str]]]:
    """ffmpeg's own reading of a file's tags and chapters (its ffmetadata dump)."""
    text = subprocess.run(
        [ffmpeg_exe, "-hide_banner", "-loglevel", "error", "-i", str(path), "-f", "ffmetadata", "-"],
        capture_output=True, check=True,
    ).stdout.decode()  # fmt: skip
    sections = re.split(r"^\[CHAPTER\]$", text, flags=re.M)

    def pairs(block: str) -> dict[str, str]:
        found = {}
        for line in block.splitlines():
            if "=" in line and not line.startswith(";"):
                key, _, value = line.partition("=")
                found[key.lower()] = value.replace("\\=", "=").replace("\\;", ";").replace("\\#", "#")
        return found

    def in_ms(chapter: dict[str, str]) -> dict[str, str]:
        numerator, denominator = (int(part) for part in chapter["timebase"].split("/"))
        for key in ("start", "end"):
            chapter[key] = str(round(int(chapter[key]) * 1000 * numerator / denominator))
        return chapter

    # ffmpeg lists CHAP frames in file order; the CTOC frame (checked with mutagen) is what orders them.
    chapters = sorted((in_ms(pairs(block)) for block in sections[1:]), key=lambda chapter: int(chapter["start"]))
    return pairs(sections[0]), chapters


def ffmpeg_streams(ffmpeg_exe: str, path: Path) -> str:
    return subprocess.run([ffmpeg_exe, "-hide_banner", "-i", str(path)], capture_output=True, text=True).stderr


def test_every_field_reads_back_with_mutagen_and_ffmpeg(show_dir, out_dir, run_cli, ffmpeg_exe) -> None:
    files = _published(run_cli, out_dir)
    episode = load_show(show_dir).episodes[1]
    path = files[EPISODE_151]
    manifest = json.loads((out_dir / "mediapub-manifest.json").read_text())["episodes"][EPISODE_151]

    tags = ID3(path)
    assert tags.version == (2, 4, 0)
    expected_text = {
        "TIT2": episode.title, "TALB": "News in Review", "TPE1": "Alex Christoforou, Alexander Mercouris",
        "TPE2": "The Duran", "TRCK": "151", "TDRC": "2018-11-16", "TDRL": "2018-11-16", "TCON": "Podcast",
        "TPUB": "The Duran", "TCOP": "© 2018 The Duran", "TLAN": "eng", "TGID": manifest["guid"],
    }  # fmt: skip
    for frame, value in expected_text.items():
        assert [str(text) for text in tags[frame].text] == [value], frame
    assert tags.getall("COMM")[0].text[0].startswith("Theresa May's draft Brexit")
    # The YouTube version (or the show's site): not the episode page, whose URL depends on the base URL and
    # would change the audio's bytes, and so its key, whenever the pages move.
    assert tags["WOAF"].url == str(episode.youtube or "https://theduran.com/")
    assert tags.getall("WXXX:Episode page")[0].url == tags["WOAF"].url
    assert tags["WFED"].url == BASE + "feed.xml"
    assert tags["PCST"].value == 1

    (cover,) = tags.getall("APIC")
    picture = Image.open(io.BytesIO(cover.data))
    assert (cover.mime, cover.type, picture.format, picture.size) == ("image/jpeg", 3, "JPEG", (600, 600))
    assert len(cover.data) < 200_000

    chapters = sorted(tags.getall("CHAP"), key=lambda chap: chap.start_time)
    starts = [0, 8000, 19000, 25000, 35000]
    assert [chap.start_time for chap in chapters] == starts
    assert [chap.end_time for chap in chapters][:-1] == starts[1:]
    duration_ms = manifest_duration_ms(ffmpeg_exe, path)
    assert abs(chapters[-1].end_time - duration_ms) <= 50
    assert [chap.sub_frames["TIT2"].text[0] for chap in chapters] == [c.title for c in episode.chapters]
    links = [chap.sub_frames.getall("WXXX")[0].url if chap.sub_frames.getall("WXXX") else None for chap in chapters]
    assert links == [str(c.url) if c.url else None for c in episode.chapters]
    (toc,) = tags.getall("CTOC")
    assert toc.child_element_ids == [chap.element_id for chap in chapters]

    # ffmpeg, an independent reader, sees the same.
    metadata, ff_chapters = ffmetadata(ffmpeg_exe, path)
    for key, value in {"title": episode.title, "album": "News in Review", "album_artist": "The Duran",
                       "track": "151", "date": "2018-11-16", "genre": "Podcast", "publisher": "The Duran",
                       "copyright": "© 2018 The Duran", "language": "eng"}.items():  # fmt: skip
        assert metadata.get(key) == value, (key, metadata)
    assert metadata["artist"] == "Alex Christoforou, Alexander Mercouris"
    # ffmpeg counts from the first decoded sample, before the encoder delay the LAME header trims (about 25 ms).
    assert [int(c["start"]) for c in ff_chapters] == pytest.approx(starts, abs=30)
    assert [int(c["end"]) for c in ff_chapters][:-1] == pytest.approx(starts[1:], abs=30)
    assert [c["title"] for c in ff_chapters] == [c.title for c in episode.chapters]
    assert re.search(r"Video: mjpeg.*600x600.*\(attached pic\)", ffmpeg_streams(ffmpeg_exe, path))


def manifest_duration_ms(ffmpeg_exe: str, path: Path) -> int:
    from tests.conftest import decoded_duration

    return round(decoded_duration(ffmpeg_exe, path) * 1000)


def test_json_chapters_follow_the_podcasting_2_spec_and_the_feed_links_them(show_dir, out_dir, run_cli) -> None:
    _published(run_cli, out_dir)
    feed = (out_dir / "feed.xml").read_text()
    links = re.findall(r'<podcast:chapters url="([^"]+)" type="([^"]+)"/>', feed)
    assert len(links) == 1  # only episode 151 has chapters
    (url, kind), = links  # fmt: skip
    assert kind == "application/json+chapters" and url.startswith(BASE + "episodes/" + EPISODE_151 + "/chapters-")
    document = json.loads((out_dir / url.removeprefix(BASE)).read_text())

    # Required by the spec: version (string) and chapters (array); every chapter a numeric startTime.
    assert document["version"] == "1.2.0"
    assert isinstance(document["chapters"], list) and document["chapters"]
    for chapter in document["chapters"]:
        assert isinstance(chapter["startTime"], int | float)
        assert set(chapter) <= {"startTime", "endTime", "title", "img", "url", "toc", "location"}
        assert isinstance(chapter.get("title", ""), str)
        assert chapter["endTime"] > chapter["startTime"]
    starts = [chapter["startTime"] for chapter in document["chapters"]]
    assert starts == sorted(starts) == [0, 8, 19, 25, 35]
    assert document["chapters"][1]["url"] == "https://theduran.com/theresa-mays-brexit-deal-cabinet-resignations/"
    assert "url" not in document["chapters"][0]


HARD_TITLES = [
    "Ελλάδα και Русский: 中文标题 — «quotes» \"double\" 'single' & <angle>",
    "Emoji 🎙️🇬🇷👨‍👩‍👧 and a zero-width joiner",
    "Long " + "very " * 400 + "title",
]


@pytest.mark.parametrize("version", [4, 3])
@pytest.mark.parametrize("title", HARD_TITLES, ids=["scripts", "emoji", "long"])
def test_hard_text_survives_a_round_trip(title, version, tmp_path, make_audio, ffmpeg_exe) -> None:
    path = tmp_path / "episode.mp3"
    path.write_bytes(make_audio("tagme.mp3", seconds=3).read_bytes())
    show = load_show(Path(__file__).resolve().parent.parent / "episodes")
    episode = show.episodes[1].model_copy(update={"title": title})
    # ffmpeg reads ID3v2.4 sub-frame sizes as if they were 2.3's, so it drops a chapter whose title frame is
    # over 127 bytes (see README); chapter titles stay short here, episode titles do not.
    marks = (ChapterMark(0, 1.5, title[:40], "https://example.com/ä?q=1&x=2"), ChapterMark(1.5, 3.0, "Zwei ✓"))
    tags = episode_tags(show.show, episode, guid="g-1", description=title, feed_url="https://x.example/feed.xml",
                        episode_url="https://x.example/e", chapters=marks)  # fmt: skip
    write_id3(path, tags, version=version)

    read = ID3(path)
    assert read.version == (2, version, 0)
    assert read["TIT2"].text == [title] and read.getall("COMM")[0].text == [title]
    chapters = sorted(read.getall("CHAP"), key=lambda chap: chap.start_time)
    assert chapters[0].sub_frames["TIT2"].text == [title[:40]] and chapters[1].sub_frames["TIT2"].text == ["Zwei ✓"]
    assert chapters[0].sub_frames.getall("WXXX")[0].url == "https://example.com/ä?q=1&x=2"
    metadata, ff_chapters = ffmetadata(ffmpeg_exe, path)
    assert metadata["title"] == title
    assert [chapter["title"] for chapter in ff_chapters] == [title[:40], "Zwei ✓"]


def test_retagging_replaces_frames_and_gives_the_same_bytes(tmp_path, make_audio) -> None:
    path = tmp_path / "twice.mp3"
    path.write_bytes(make_audio("retag.mp3", seconds=2).read_bytes())
    show = load_show(Path(__file__).resolve().parent.parent / "episodes")
    marks = (ChapterMark(0, 1, "One"), ChapterMark(1, 2, "Two", "https://example.com/2"))
    tags = episode_tags(show.show, show.episodes[1], guid="g", description="d", feed_url="https://x.example/f",
                        episode_url="https://x.example/e", cover=b"\xff\xd8\xfffake", chapters=marks)  # fmt: skip
    write_id3(path, tags)
    first = path.read_bytes()
    counts = sorted(frame.HashKey for frame in ID3(path).values())
    write_id3(path, tags)
    assert sorted(frame.HashKey for frame in ID3(path).values()) == counts
    assert len(ID3(path).getall("CHAP")) == 2 and len(ID3(path).getall("APIC")) == 1
    assert path.read_bytes() == first
    shorter = episode_tags(show.show, show.episodes[1], guid="g", description="d", feed_url="https://x.example/f",
                           episode_url="https://x.example/e")  # fmt: skip
    write_id3(path, shorter)
    assert ID3(path).getall("CHAP") == [] and ID3(path).getall("APIC") == []  # nothing left over


def test_id3v23_for_old_players(show_dir, out_dir, run_cli, ffmpeg_exe) -> None:
    show_file = show_dir / "show.toml"
    show_file.write_text(show_file.read_text() + "\n[tags]\nid3_version = 3\n")
    path = _published(run_cli, out_dir)[EPISODE_151]
    tags = ID3(path)
    assert tags.version == (2, 3, 0)
    assert str(tags["TIT2"]) == "Brexit Withdrawal Agreement may lead to Theresa May's downfall"
    assert len(tags.getall("CHAP")) == 5
    assert ffmetadata(ffmpeg_exe, path)[0]["album"] == "News in Review"


def test_chapters_move_with_the_intro(show_dir, out_dir, run_cli, ffmpeg_exe, tmp_path) -> None:
    intro = show_dir / "intro.wav"
    subprocess.run([ffmpeg_exe, "-loglevel", "error", "-f", "lavfi", "-i", "sine=f=500:d=3", str(intro)], check=True)
    show_file = show_dir / "show.toml"
    show_file.write_text(show_file.read_text().replace("[audio]\n", '[audio]\nintro = "intro.wav"\ncrossfade = 1.0\n'))
    path = _published(run_cli, out_dir)[EPISODE_151]
    starts = sorted(chap.start_time for chap in ID3(path).getall("CHAP"))
    assert starts == [0, 10000, 21000, 27000, 37000]  # moved by the 3 s intro less its 1 s crossfade
    document = json.loads(next((out_dir / "episodes" / EPISODE_151).glob("chapters-*.json")).read_text())
    assert [c["startTime"] for c in document["chapters"]] == [0, 10, 21, 27, 37]


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        (('start = "00:35"', 'start = "01:35"'), r"chapters\[4\]: starts at 1:35\.000, after the recording ends"),
        (('title = "Letters of no confidence"', 'title = "Letters of no confidence"\nend = "00:30"'),
         r"chapters: chapter 3 \(\"Letters of no confidence\"\) ends at 30 s, after chapter 4 starts at 25 s"),
        (('title = "Introduction"', 'title = "Introduction"\nimage = "../artwork.gif"'),
         r"chapters\[0\]\.image: episodes/artwork\.gif: is GIF; use JPEG or PNG"),
    ],
    ids=["after the end", "overlapping", "GIF image"],
)  # fmt: skip
def test_bad_chapters_are_config_errors(change, expected, show_dir, out_dir, run_cli) -> None:
    Image.new("RGB", (64, 64)).save(show_dir / "artwork.gif")
    episode_file = show_dir / EPISODE_151 / "episode.toml"
    episode_file.write_text(episode_file.read_text().replace(*change))
    result = run_cli("publish", "episodes", "--out", "public")
    assert result.exit_code == 2
    (line,) = result.stderr.strip().splitlines()
    assert re.search(f"^error: episodes/{EPISODE_151}/episode\\.toml: {expected}", line), line
    assert not out_dir.exists()


def test_episode_artwork_and_chapter_images(show_dir, out_dir, run_cli) -> None:
    Image.new("RGB", (1500, 1500), (200, 30, 30)).save(show_dir / EPISODE_151 / "cover.jpg")
    Image.new("RGB", (800, 450), (30, 30, 200)).save(show_dir / EPISODE_151 / "backstop.png")
    episode_file = show_dir / EPISODE_151 / "episode.toml"
    text = episode_file.read_text().replace(
        'recording = "recording.mp4"', 'recording = "recording.mp4"\nartwork = "cover.jpg"'
    )
    text = text.replace(
        'title = "The Northern Ireland backstop"', 'title = "The Northern Ireland backstop"\nimage = "backstop.png"'
    )
    episode_file.write_text(text)  # fmt: skip
    path = _published(run_cli, out_dir)[EPISODE_151]

    tags = ID3(path)
    (cover,) = tags.getall("APIC")
    assert Image.open(io.BytesIO(cover.data)).getpixel((300, 300))[0] > 150  # the episode's red, not the show's
    chapter = next(
        chap for chap in tags.getall("CHAP") if chap.sub_frames["TIT2"].text == ["The Northern Ireland backstop"]
    )
    picture = Image.open(io.BytesIO(chapter.sub_frames.getall("APIC")[0].data))
    assert picture.format == "JPEG" and picture.size == (300, 169)  # shrunk, shape kept
    entry = next(e for e in feedparser.parse((out_dir / "feed.xml").read_bytes()).entries if e.itunes_episode == "151")
    assert entry.image.href.startswith(BASE + "artwork/cover-") and entry.image.href.endswith(".jpg")
    assert Image.open(out_dir / entry.image.href.removeprefix(BASE)).size == (1500, 1500)
    document = json.loads(next((out_dir / "episodes" / EPISODE_151).glob("chapters-*.json")).read_text())
    image_url = next(c["img"] for c in document["chapters"] if c["title"] == "The Northern Ireland backstop")
    assert (out_dir / image_url.removeprefix(BASE)).read_bytes() == (
        show_dir / EPISODE_151 / "backstop.png"
    ).read_bytes()


def test_transparent_artwork_is_flattened_for_the_feed(show_dir, out_dir, run_cli) -> None:
    Image.new("RGBA", (1400, 1400), (0, 128, 0, 128)).save(show_dir / "artwork.png")
    _published(run_cli, out_dir)
    href = feedparser.parse((out_dir / "feed.xml").read_bytes()).feed.image.href
    image = Image.open(out_dir / href.removeprefix(BASE))
    assert (image.format, image.mode, image.size) == ("JPEG", "RGB", (1400, 1400))


def test_m4a_carries_the_same_fields_cover_and_chapters(show_dir, out_dir, run_cli, ffmpeg_exe) -> None:
    show_file = show_dir / "show.toml"
    show_file.write_text(show_file.read_text().replace('format = "mp3"', 'format = "aac"'))
    path = _published(run_cli, out_dir)[EPISODE_151]
    assert path.suffix == ".m4a"
    mp4 = MP4(path)
    assert mp4.tags is not None
    assert mp4.tags["\xa9nam"] == ["Brexit Withdrawal Agreement may lead to Theresa May's downfall"]
    assert mp4.tags["\xa9alb"] == ["News in Review"] and mp4.tags["aART"] == ["The Duran"]
    assert mp4.tags["trkn"] == [(151, 0)] and mp4.tags["\xa9day"] == ["2018-11-16"] and mp4.tags["pcst"] is True
    assert mp4.tags["purl"] == [BASE + "feed.xml"] and mp4.tags["egid"]
    (cover,) = mp4.tags["covr"]
    assert Image.open(io.BytesIO(bytes(cover))).size == (600, 600)
    assert [round(chapter.start * 1000) for chapter in mp4.chapters] == [0, 8000, 19000, 25000, 35000]
    assert [chapter.title for chapter in mp4.chapters][
        1
    ] == "The draft Withdrawal Agreement and the Cabinet resignations"
    metadata, ff_chapters = ffmetadata(ffmpeg_exe, path)
    assert metadata["title"] == "Brexit Withdrawal Agreement may lead to Theresa May's downfall"
    assert [int(c["start"]) for c in ff_chapters] == [0, 8000, 19000, 25000, 35000]


def test_embedded_cover_is_small_even_for_noisy_artwork(tmp_path) -> None:
    import os

    from mediapub.images import embedded_cover

    noisy = tmp_path / "noise.png"
    Image.frombytes("RGB", (3000, 3000), os.urandom(3000 * 3000 * 3)).save(noisy)
    data = embedded_cover(noisy)
    assert len(data) < 200_000 and Image.open(io.BytesIO(data)).size == (600, 600)


def test_unreadable_audio_is_a_media_error(tmp_path) -> None:
    from mediapub.errors import MediaError
    from mediapub.tagging import write_mp4

    show = load_show(Path(__file__).resolve().parent.parent / "episodes")
    tags = episode_tags(show.show, show.episodes[1], guid="g", description="d", feed_url="https://x.example/f",
                        episode_url="https://x.example/e")  # fmt: skip
    broken = tmp_path / "broken.m4a"
    broken.write_bytes(b"not an mp4 at all")
    with pytest.raises(MediaError, match=r"broken\.m4a"):
        write_mp4(broken, tags, FFmpeg())
