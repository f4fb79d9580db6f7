"""`mediapub ingest URL` and URL recordings in `mediapub publish`, against a real video page on 127.0.0.1.

The code under test is the real yt-dlp (its generic extractor reads the page's
<video> and <track>), real ffmpeg, and the real publish pipeline.
"""

from __future__ import annotations

import json
import tomllib
from pathlib import Path

import pytest
from lxml import etree
from PIL import Image

from mediapub.captions import transcript
from mediapub.config import load_show
from tests.video_server import CAPTIONS, MEMBER_COOKIE, make_site_files, page, serve

NS = {"podcast": "https://podcastindex.org/namespace/1.0", "media": "http://search.yahoo.com/mrss/",
      "itunes": "http://www.itunes.com/dtds/podcast-1.0.dtd"}  # fmt: skip
BASE = "https://podcast.theduran.example/news-in-review/"
INFO = Path(__file__).resolve().parent / "info"


@pytest.fixture(scope="module")
def site_files(tmp_path_factory, ffmpeg_exe) -> Path:
    root = tmp_path_factory.mktemp("site")
    make_site_files(root, ffmpeg_exe)
    return root


@pytest.fixture
def site(site_files, tmp_path):
    """A private copy of the site per test, so a test may change its pages."""
    import shutil

    root = tmp_path / "site"
    shutil.copytree(site_files, root)
    with serve(root) as running:
        yield running


def folders(show: Path) -> set[str]:
    return {path.name for path in show.iterdir() if path.is_dir()}


def ingest(run_cli, *args: str) -> dict:
    result = run_cli("ingest", *args, "--show", "episodes", "--json")
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


def test_ingest_makes_an_episode_that_publish_masters_and_publishes(show_dir, out_dir, site, run_cli) -> None:
    summary = ingest(run_cli, site.url("index.html"))
    assert summary["created"] and summary["number"] == 152  # one more than the show's last (151)
    assert summary["slug"] == "152-the-budget"  # "Episode 152" is not repeated in the slug
    folder = show_dir / "152-the-budget"
    data = tomllib.loads((folder / "episode.toml").read_text())
    assert data["title"] == "Episode 152: The budget"  # yt-dlp's " (1)" for a page's first video is dropped
    assert data["summary"] == "The chancellor's budget, line by line. https://news.example.org/budget-2018"
    assert data["articles"] == [{"url": "https://news.example.org/budget-2018"}]
    assert data["recording"] == "recording.mp4"
    assert (folder / "recording.mp4").read_bytes() == (site.root / "talk.mp4").read_bytes()
    assert data["poster"] == "poster.jpg"
    with Image.open(folder / "poster.jpg") as poster:
        assert (poster.format, poster.size) == ("JPEG", (1280, 720))
    assert data["transcript"] == ["captions.vtt", "captions.srt"]
    assert (folder / "captions.vtt").read_text() == CAPTIONS  # already tidy: kept as written
    srt = (folder / "captions.srt").read_text()
    assert srt.startswith("1\n00:00:00,000 --> 00:00:01,500\nWelcome to News in Review.\n")
    assert "Today: the budget & what comes next." in srt  # SRT is plain text: the entity is decoded
    assert not [name for name in folders(show_dir) if name.startswith(".ingest")]  # no staging left behind

    result = run_cli("publish", "episodes", "--out", "public", "--offline", "--json")
    assert result.exit_code == 0, result.output
    feed = etree.fromstring((out_dir / "feed.xml").read_bytes())
    item = next(i for i in feed.iter("item") if i.findtext("itunes:episode", namespaces=NS) == "152")
    assert item.findtext("title") == "Episode 152: The budget"
    assert (out_dir / item.find("enclosure").get("url").removeprefix(BASE)).stat().st_size > 10_000
    kinds = [(t.get("type"), t.get("rel")) for t in item.findall("podcast:transcript", NS)]
    assert kinds == [("text/vtt", "captions"), ("application/x-subrip", "captions")]
    thumbnail = item.find("media:thumbnail", NS)
    assert (thumbnail.get("width"), thumbnail.get("height")) == ("1280", "720")
    assert (out_dir / thumbnail.get("url").removeprefix(BASE)).read_bytes() == (folder / "poster.jpg").read_bytes()
    assert item.find("podcast:image[@purpose='poster']", NS).get("aspect-ratio") == "16/9"


def test_ingest_again_updates_in_place_and_keeps_the_producers_edits(show_dir, site, run_cli) -> None:
    ingest(run_cli, site.url("index.html"))
    folder = show_dir / "152-the-budget"
    episode_file = folder / "episode.toml"
    edited = episode_file.read_text().replace('title = "Episode 152: The budget"', 'title = "The budget, explained"')
    episode_file.write_text("# Checked by the editor.\n" + edited)
    (site.root / "index.html").write_text(page("Episode 152: The budget", "A corrected description."))
    (site.root / "talk.vtt").write_text(CAPTIONS.replace("Welcome", "Hello and welcome"))
    media_requests = site.count("talk.mp4")

    summary = ingest(run_cli, site.url("index.html"))
    assert not summary["created"] and summary["slug"] == "152-the-budget"
    assert [name for name in folders(show_dir) if name.startswith("152")] == ["152-the-budget"]  # no duplicate
    assert summary["kept"] == ["title"] and "summary" in summary["updated"]
    text = episode_file.read_text()
    assert text.startswith("# Checked by the editor.\n")  # comments and layout survive
    data = tomllib.loads(text)
    assert data["title"] == "The budget, explained"  # the producer's edit stays
    assert data["summary"] == "A corrected description."  # untouched fields follow the video
    assert data["articles"] == [{"url": "https://news.example.org/budget-2018"}]  # a known article is not lost
    assert "Hello and welcome" in (folder / "captions.vtt").read_text()
    assert site.count("talk.mp4") == media_requests  # the same video is not downloaded again
    assert load_show(show_dir).episodes[-1].title == "The budget, explained"


def test_chapters_time_and_links_come_from_the_videos_metadata(show_dir, site, run_cli) -> None:
    summary = ingest(run_cli, site.url("elections.html"))
    data = tomllib.loads((show_dir / summary["slug"] / "episode.toml").read_text())
    assert summary["number"] == 153 and summary["slug"] == "153-the-elections"  # the number the title gives
    assert summary["chapters"] == 2
    assert data["chapters"] == [{"start": "00:00", "title": "Introduction"}, {"start": "00:01", "title": "The results"}]
    assert data["date"].isoformat() == "2018-11-20T18:00:00+00:00"
    assert data["summary"] == "Our look at the elections."  # timestamps became chapters, link lines articles
    assert data["articles"] == [{"url": "https://news.example.org/results"}]  # Patreon is not an article
    assert "transcript" not in data and summary["captions"] is None  # this video has none
    episode = next(e for e in load_show(show_dir).episodes if e.number == 153)
    assert [(c.start, c.title) for c in episode.chapters] == [(0.0, "Introduction"), (1.0, "The results")]


def test_a_recording_url_is_downloaded_once_into_the_cache(show_dir, out_dir, site, run_cli, tmp_path) -> None:
    folder = show_dir / "152-from-a-url"
    folder.mkdir()
    (folder / "episode.toml").write_text(
        f'number = 152\ntitle = "From a URL"\ndate = 2018-11-30\nsummary = "Downloaded at publish."\n'
        f'recording = "{site.url("index.html")}"\n'
    )
    assert run_cli("publish", "episodes", "--out", "public").exit_code == 0
    assert site.count("talk.mp4") == 1
    site.served.clear()
    assert run_cli("publish", "episodes", "--out", "public", "--offline").exit_code == 0
    assert site.served == []  # the second publish took it from the cache, without asking the site anything
    feed = etree.fromstring((out_dir / "feed.xml").read_bytes())
    assert "From a URL" in [item.findtext("title") for item in feed.iter("item")]


def test_an_uncached_recording_url_is_an_error_offline_or_when_it_fails(show_dir, site, run_cli, tmp_path) -> None:
    folder = show_dir / "152-missing"
    folder.mkdir()
    missing = site.url("gone.html")
    (folder / "episode.toml").write_text(
        f'number = 152\ntitle = "Gone"\ndate = 2018-11-30\nsummary = "Not there."\nrecording = "{missing}"\n'
    )
    for extra in ((), ("--offline",)):
        result = run_cli("publish", "episodes", "--out", "public", *extra)
        assert result.exit_code != 0
        lines = result.stderr.strip().splitlines()
        assert len(lines) == 1 and missing in lines[0] and "Traceback" not in result.output
        assert ("--offline" in lines[0]) == bool(extra) and ("404" in lines[0]) != bool(extra)
    assert not (tmp_path / "public" / "feed.xml").exists()


@pytest.mark.parametrize(
    ("url", "message"),
    [
        ("not a url", "not a video URL"),
        ("file:///etc/passwd", "not a video URL (file:)"),
        ("{site}text.html", "no video found on this page"),
        ("{site}missing.html", "HTTP 404"),
        ("{site}talk.vtt", "is a .vtt file, not a video"),
        ("{site}members/index.html", "HTTP 403"),
    ],
)
def test_bad_urls_give_one_line_and_make_no_folder(show_dir, site, run_cli, url, message) -> None:
    url = url.format(site=site.url(""))
    before = folders(show_dir)
    result = run_cli("ingest", url, "--show", "episodes")
    assert result.exit_code != 0
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith(f"error: {url}: ") and message in lines[0]
    assert folders(show_dir) == before


def test_cookies_reach_a_members_only_video(show_dir, site, run_cli, tmp_path) -> None:
    cookies = tmp_path / "cookies.txt"
    name, value = MEMBER_COOKIE
    cookies.write_text(f"# Netscape HTTP Cookie File\n127.0.0.1\tFALSE\t/\tFALSE\t0\t{name}\t{value}\n")
    summary = ingest(run_cli, site.url("members/index.html"), "--cookies", str(cookies), "--slug", "members-budget")
    assert summary["slug"] == "members-budget" and (show_dir / "members-budget" / "recording.mp4").is_file()
    result = run_cli("ingest", site.url("members/index.html"), "--show", "episodes", "--cookies", "no-such.txt")
    assert result.exit_code != 0 and result.stderr.strip() == "error: no-such.txt: no such cookies file"


def test_automatic_captions_lose_their_rolling_repeats() -> None:
    rolling = (INFO / "auto_captions.en.vtt").read_bytes()  # as YouTube serves them: blank lines hold a space
    tidy = transcript(rolling, "vtt", source="auto.vtt", rolling=True)
    assert tidy.cues == 3
    assert tidy.srt == (
        "1\n00:00:00,000 --> 00:00:02,310\nwelcome to news in review\n\n"
        "2\n00:00:02,320 --> 00:00:04,870\ntoday the budget\n\n"
        "3\n00:00:04,880 --> 00:00:06,000\nand what next\n"
    )
    written = transcript(rolling, "vtt", source="auto.vtt", rolling=False)  # a person's captions are kept whole
    assert written.cues == 5


def test_srt_captions_become_webvtt_too() -> None:
    srt = b"1\r\n00:00:01,000 --> 00:00:02,500\r\nFish & chips <i>now</i>\r\n\r\n"
    both = transcript(srt, "srt", source="c.srt")
    assert both.vtt == "WEBVTT\n\n00:00:01.000 --> 00:00:02.500\nFish &amp; chips now\n"


def test_a_plain_pages_video_is_named_by_its_page_too() -> None:
    from mediapub.video_download import video_identity

    one = {"extractor_key": "HTML5MediaEmbed", "id": "index-1", "webpage_url": "http://a.example/index.html"}
    other = {**one, "webpage_url": "http://b.example/index.html"}
    assert video_identity(one) != video_identity(other)  # "index-1" alone would mix up two sites' videos
    youtube = {"extractor_key": "Youtube", "id": "Qm9V8kT3xNw", "webpage_url": "https://youtu.be/Qm9V8kT3xNw"}
    assert video_identity(youtube) == ("Youtube", "Qm9V8kT3xNw")  # any link to it is the same video


def _raised(exc: BaseException) -> str:
    from yt_dlp.utils import DownloadError

    from mediapub.video_download import VideoError, explained

    try:
        with explained("https://www.youtube.com/watch?v=Qm9V8kT3xNw"):
            try:
                raise exc
            except BaseException as cause:
                raise DownloadError(f"ERROR: {cause}", exc_info=(type(cause), cause, None)) from None
    except VideoError as error:
        return str(error)
    raise AssertionError("no error")


@pytest.mark.parametrize(
    ("make", "expected"),
    [
        (lambda u: u.GeoRestrictedError("The uploader has not made this video available in your country"),
         "not available from this country"),
        (lambda u: u.ExtractorError("Private video. Sign in if you've been granted access", expected=True),
         "this video is private; if your account can see it, pass --cookies"),
        (lambda u: u.ExtractorError("Join this channel to get access to members-only content", expected=True),
         "pass --cookies or --cookies-from-browser"),
        (lambda u: u.ExtractorError("Video unavailable. This video has been removed by the uploader", expected=True),
         "this video is unavailable: Video unavailable. This video has been removed by the uploader"),
        (lambda u: u.UnsupportedError("https://example.org/"), "no video found on this page"),
    ],
)  # fmt: skip
def test_site_refusals_are_explained_in_one_line(make, expected) -> None:
    import yt_dlp.utils

    message = _raised(make(yt_dlp.utils))
    assert message.startswith("https://www.youtube.com/watch?v=Qm9V8kT3xNw: ") and expected in message
    assert "\n" not in message and "report this issue" not in message


def test_a_poster_missing_once_is_picked_up_later_and_a_producers_file_is_never_overwritten(
    show_dir, site, run_cli
) -> None:
    (site.root / "poster.jpg").rename(site.root / "poster.hidden")
    first = ingest(run_cli, site.url("index.html"))
    folder = show_dir / first["slug"]
    assert not first["poster"] and "poster" not in tomllib.loads((folder / "episode.toml").read_text())
    (site.root / "poster.hidden").rename(site.root / "poster.jpg")
    (folder / "captions.srt").write_text("the producer's own file, not named in episode.toml\n")
    episode_file = folder / "episode.toml"
    data = tomllib.loads(episode_file.read_text())
    assert data["transcript"] == ["captions.vtt", "captions.srt"]
    second = ingest(run_cli, site.url("index.html"))
    data = tomllib.loads(episode_file.read_text())
    assert second["poster"] and data["poster"] == "poster.jpg" and second["kept"] == []
    # captions.srt was ingest's own (it wrote it), so refreshing it is right; a file it never wrote is left alone:
    (folder / "notes.jpg").write_bytes(b"mine")
    assert ingest(run_cli, site.url("index.html"))["kept"] == []
    assert (folder / "notes.jpg").read_bytes() == b"mine"


def test_a_hand_made_episode_is_found_by_its_recording_url_and_keeps_its_files(show_dir, site, run_cli) -> None:
    folder = show_dir / "152-budget"
    folder.mkdir()
    (folder / "poster.jpg").write_bytes((show_dir / "artwork.png").read_bytes())  # not a JPEG: must not be replaced
    (folder / "episode.toml").write_text(
        f'number = 152\ntitle = "The budget"\ndate = 2018-11-30\nsummary = "Written by hand."\n'
        f'recording = "{site.url("index.html")}"\n\n[[articles]]\nurl = "https://news.example.org/other"\n'
    )
    summary = ingest(run_cli, site.url("index.html"))
    assert not summary["created"] and summary["slug"] == "152-budget"
    assert set(summary["kept"]) >= {"title", "summary", "recording"}  # the producer's words and choice stay
    data = tomllib.loads((folder / "episode.toml").read_text())
    assert data["articles"] == [
        {"url": "https://news.example.org/other"},
        {"url": "https://news.example.org/budget-2018"},
    ]
    assert data["poster"] == "poster-2.jpg"  # beside the producer's poster.jpg, not over it
    assert (folder / "poster.jpg").read_bytes() == (show_dir / "artwork.png").read_bytes()
    assert site.count("talk.mp4") == 0  # the recording is the producer's URL: nothing to download


def test_a_taken_number_and_a_password_in_the_url_are_refused_cleanly(show_dir, site, run_cli) -> None:
    before = folders(show_dir)
    result = run_cli("ingest", site.url("index.html"), "--show", "episodes", "--number", "151")
    assert (
        result.exit_code != 0
        and result.stderr.strip() == "error: --number: episode 151 exists already; choose another number"
    )
    secret = site.url("missing.html").replace("http://", "http://editor:hunter2@")
    result = run_cli("ingest", secret, "--show", "episodes")
    assert result.exit_code != 0 and "hunter2" not in result.output and "HTTP 404" in result.stderr
    assert folders(show_dir) == before and site.count("talk.mp4") == 0


def test_an_update_that_would_leave_a_broken_episode_puts_everything_back(show_dir, site, run_cli) -> None:
    ingest(run_cli, site.url("index.html"))
    folder = show_dir / "152-the-budget"
    episode_file = folder / "episode.toml"
    episode_file.write_text(episode_file.read_text() + 'artwork = "missing.png"\n')  # broken by hand since
    (site.root / "talk.vtt").write_text(CAPTIONS.replace("Welcome", "Hello"))
    before = {path.name: path.read_bytes() for path in folder.iterdir()}
    result = run_cli("ingest", site.url("index.html"), "--show", "episodes")
    assert result.exit_code != 0
    assert result.stderr.strip().splitlines() == [
        f"error: {Path('episodes/152-the-budget/episode.toml')}: artwork: file not found: "
        f"{Path('episodes/152-the-budget/missing.png')}"
    ]
    assert {path.name: path.read_bytes() for path in folder.iterdir()} == before  # captions and file as they were
