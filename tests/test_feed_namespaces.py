"""The published feed's Podcasting 2.0 and Media RSS elements, YouTube links, and hostile text."""

from __future__ import annotations

import shutil
import uuid

import feedparser
import podcastparser
import pytest
from lxml import etree

from mediapub.config import load_show
from mediapub.errors import ConfigError
from mediapub.model import youtube_video_id

BASE = "https://podcast.theduran.example/news-in-review/"
NS = {
    "podcast": "https://podcastindex.org/namespace/1.0",
    "itunes": "http://www.itunes.com/dtds/podcast-1.0.dtd",
    "media": "http://search.yahoo.com/mrss/",
    "atom": "http://www.w3.org/2005/Atom",
}


@pytest.fixture
def feed(show_dir, out_dir, run_cli) -> etree._Element:
    result = run_cli("publish", "episodes", "--out", "public")
    assert result.exit_code == 0, result.output
    return etree.fromstring((out_dir / "feed.xml").read_bytes())


def test_channel_carries_the_podcasting_2_tags(feed) -> None:
    channel = feed.find("channel")
    one = lambda path: channel.find(path, NS)  # noqa: E731
    # podcast:guid: UUIDv5 of the feed URL without scheme and trailing slash, in the namespace's own UUID namespace.
    expected = uuid.uuid5(uuid.UUID("ead4c236-bf58-58c6-a2c6-a6b28d128cb6"), BASE.split("://")[1] + "feed.xml")
    assert one("podcast:guid").text == str(expected)
    assert (one("podcast:locked").get("owner"), one("podcast:locked").text) == ("podcast@theduran.example", "yes")
    assert (one("podcast:funding").get("url"), one("podcast:funding").text) == (
        "https://www.patreon.com/theduran", "Support News in Review on Patreon")  # fmt: skip
    people = channel.findall("podcast:person", NS)
    assert [(p.get("role"), p.text) for p in people] == [("host", "Alex Christoforou"), ("host", "Alexander Mercouris")]
    assert one("podcast:medium").text == "podcast"
    assert (one("podcast:updateFrequency").get("rrule"), one("podcast:updateFrequency").text) == (
        "FREQ=WEEKLY",
        "Weekly",
    )
    image = one("podcast:image")
    assert image.get("href") == one("itunes:image").get("href") and image.get("href").startswith(BASE)
    assert (image.get("purpose"), image.get("width"), image.get("height")) == ("artwork", "1400", "1400")
    assert one("atom:link").get("rel") == "self" and one("atom:link").get("href") == BASE + "feed.xml"
    # Items come after every channel element.
    tags = [child.tag for child in channel]
    assert set(tags[tags.index("item") :]) == {"item"}  # nothing after the first item but items


def test_items_carry_the_youtube_version_but_never_as_enclosure(feed) -> None:
    items = {item.findtext("itunes:episode", namespaces=NS): item for item in feed.iter("item")}
    item = items["151"]
    assert item.findtext("podcast:episode", namespaces=NS) == "151"
    link = item.find("podcast:contentLink", NS)
    assert link.get("href") == "https://www.youtube.com/watch?v=Qm9V8kT3xNw"
    player = item.find("media:player", NS)
    assert player.get("url") == "https://www.youtube-nocookie.com/embed/Qm9V8kT3xNw"
    assert (player.get("width"), player.get("height")) == ("1280", "720")
    thumbnail = item.find("media:thumbnail", NS)
    assert thumbnail.get("url") == "https://i.ytimg.com/vi/Qm9V8kT3xNw/maxresdefault.jpg"
    poster = [image for image in item.findall("podcast:image", NS) if image.get("purpose") == "poster"]
    assert (
        len(poster) == 1 and poster[0].get("aspect-ratio") == "16/9" and poster[0].get("href") == thumbnail.get("url")
    )
    for each in items.values():
        assert "youtube" not in each.find("enclosure").get("url")
        assert each.find("enclosure").get("url").startswith(BASE)
    chapters = item.find("podcast:chapters", NS)
    assert chapters.get("type") == "application/json+chapters" and chapters.get("url").startswith(BASE)


def test_real_clients_read_the_extras(show_dir, out_dir, run_cli) -> None:
    assert run_cli("publish", "episodes", "--out", "public").exit_code == 0
    data = (out_dir / "feed.xml").read_bytes()
    parsed = feedparser.parse(data)
    assert not parsed.bozo
    entry = next(e for e in parsed.entries if e.itunes_episode == "151")
    assert entry.media_player["url"] == "https://www.youtube-nocookie.com/embed/Qm9V8kT3xNw"
    assert entry.media_thumbnail[0]["url"].endswith("/Qm9V8kT3xNw/maxresdefault.jpg")
    gpodder = podcastparser.parse(BASE + "feed.xml", (out_dir / "feed.xml").open("rb"))
    assert {e["number"] for e in gpodder["episodes"]} == {150, 151}
    assert gpodder["episodes"][0]["link"] == BASE + "episodes/151-brexit-withdrawal-agreement/index.html"


@pytest.mark.parametrize(
    ("url", "video"),
    [
        ("https://www.youtube.com/watch?v=Qm9V8kT3xNw", "Qm9V8kT3xNw"),
        ("https://youtube.com/watch?v=Qm9V8kT3xNw&t=42s&list=PL123", "Qm9V8kT3xNw"),
        ("https://m.youtube.com/watch?feature=share&v=Qm9V8kT3xNw", "Qm9V8kT3xNw"),
        ("https://music.youtube.com/watch?v=Qm9V8kT3xNw", "Qm9V8kT3xNw"),
        ("https://youtu.be/Qm9V8kT3xNw?t=90", "Qm9V8kT3xNw"),
        ("https://www.youtube.com/shorts/Qm9V8kT3xNw", "Qm9V8kT3xNw"),
        ("https://www.youtube.com/live/Qm9V8kT3xNw?si=abc", "Qm9V8kT3xNw"),
        ("https://www.youtube.com/embed/Qm9V8kT3xNw?start=10", "Qm9V8kT3xNw"),
        ("https://www.youtube-nocookie.com/embed/Qm9V8kT3xNw", "Qm9V8kT3xNw"),
        ("http://www.youtube.com/v/Qm9V8kT3xNw", "Qm9V8kT3xNw"),
    ],
)
def test_youtube_urls_of_every_common_form(url, video) -> None:
    assert youtube_video_id(url) == video


@pytest.mark.parametrize(
    "url",
    [
        "https://www.youtube.com/@theduran",
        "https://www.youtube.com/playlist?list=PL123",
        "https://www.youtube.com/watch?v=short",
        "https://vimeo.com/123456",
        "https://youtu.be/",
        "https://evil.example/watch?v=Qm9V8kT3xNw",
        "https://www.youtube.com.evil.example/watch?v=Qm9V8kT3xNw",
    ],
)
def test_anything_else_is_a_clear_config_error(url, show_dir) -> None:
    episode_file = show_dir / "151-brexit-withdrawal-agreement" / "episode.toml"
    text = episode_file.read_text().replace("https://www.youtube.com/watch?v=Qm9V8kT3xNw", url)
    episode_file.write_text(text)
    with pytest.raises(ConfigError, match=r"youtube: (not a YouTube video URL|not an http)"):
        load_show(show_dir)


HOSTILE_TITLE = "Breaking <script>alert(1)</script> ]]> & \u202eevil\u202c " + "long " * 2000


def test_hostile_text_gives_a_well_formed_feed(show_dir, out_dir, run_cli) -> None:
    episode_file = show_dir / "151-brexit-withdrawal-agreement" / "episode.toml"
    text = episode_file.read_text()
    text = text.replace("Brexit Withdrawal Agreement may lead to Theresa May's downfall", HOSTILE_TITLE.strip())
    text = text.replace("Theresa May's draft", "<script>steal()</script> ]]> Theresa May's draft & co")
    episode_file.write_text(text)
    show_file = show_dir / "show.toml"
    show_file.write_text(show_file.read_text().replace('"Alex Christoforou"', '"Alex <b>&amp;</b> ]]> \u200fC"', 1))
    result = run_cli("publish", "episodes", "--out", "public")
    assert result.exit_code == 0, result.output
    data = (out_dir / "feed.xml").read_bytes()
    root = etree.fromstring(data)  # well-formed
    item = next(i for i in root.iter("item") if i.findtext("itunes:episode", namespaces=NS) == "151")
    assert item.findtext("title") == HOSTILE_TITLE.strip()  # kept as text, escaped by the XML
    for notes in (item.findtext("description"), item.findtext("{http://purl.org/rss/1.0/modules/content/}encoded")):
        assert "<script" not in notes and "steal()" not in notes
        assert "<p>]]&gt; Theresa May's draft &amp; co" in notes  # the script went, the text stayed
    assert b"<script>" not in data
    parsed = feedparser.parse(data)
    assert not parsed.bozo and len(parsed.entries) == 2
    assert podcastparser.parse(BASE + "feed.xml", (out_dir / "feed.xml").open("rb"))["episodes"]


def _more_episodes(show_dir, count: int) -> None:
    """Copies of episode 150 as episodes 1..count (same recording: mastered once, then cached)."""
    source = show_dir / "150-midterms"
    for number in range(1, count + 1):
        folder = show_dir / f"{number:03d}-copy"
        shutil.copytree(source, folder)
        text = (folder / "episode.toml").read_text()
        text = text.replace("number = 150", f"number = {number}").replace("2018-11-09", f"2017-01-{number:02d}")
        (folder / "episode.toml").write_text(text)


def test_a_capped_feed_moves_older_episodes_to_stable_archive_pages(show_dir, out_dir, run_cli) -> None:
    shutil.rmtree(show_dir / "151-brexit-withdrawal-agreement")
    _more_episodes(show_dir, 4)  # episodes 1-4 and 150: five in all
    show_file = show_dir / "show.toml"
    show_file.write_text(show_file.read_text().replace("[publish]\n", "[publish]\nmax_items = 2\n"))
    assert run_cli("publish", "episodes", "--out", "public").exit_code == 0, "publish"

    def document(name: str) -> etree._Element:
        return etree.fromstring((out_dir / name).read_bytes())

    def numbers(root: etree._Element) -> list[str]:
        return [item.findtext("itunes:episode", namespaces=NS) for item in root.iter("item")]

    def links(root: etree._Element) -> dict[str, str]:
        return {link.get("rel"): link.get("href") for link in root.find("channel").findall("atom:link", NS)}

    live, second, first = document("feed.xml"), document("feed-archive-2.xml"), document("feed-archive-1.xml")
    assert numbers(live) == ["150", "4"]
    assert links(live) == {"self": BASE + "feed.xml", "prev-archive": BASE + "feed-archive-2.xml"}
    assert numbers(second) == ["4", "3"] and numbers(first) == ["2", "1"]
    assert links(second) == {"self": BASE + "feed-archive-2.xml", "current": BASE + "feed.xml",
                             "prev-archive": BASE + "feed-archive-1.xml"}  # fmt: skip
    assert "prev-archive" not in links(first)
    history = "{http://purl.org/syndication/history/1.0}archive"
    assert second.find(f"channel/{history}") is not None and live.find(f"channel/{history}") is None
    every = {item.findtext("guid") for root in (live, second, first) for item in root.iter("item")}
    assert len(every) == 5  # every episode ever published is still reachable
    for name in ("feed.xml", "feed-archive-1.xml", "feed-archive-2.xml"):
        assert run_cli("validate", str(out_dir / name)).exit_code == 0

    pages_before = {name: (out_dir / name).read_bytes() for name in ("feed-archive-1.xml", "feed-archive-2.xml")}
    template = show_dir / "150-midterms"
    text = (template / "episode.toml").read_text()
    folder = show_dir / "152-later"
    shutil.copytree(template, folder)
    (folder / "episode.toml").write_text(
        text.replace("number = 150", "number = 152").replace("2018-11-09", "2018-12-01")
    )
    assert run_cli("publish", "episodes", "--out", "public").exit_code == 0
    for name, data in pages_before.items():
        assert (out_dir / name).read_bytes() == data, f"{name} changed: archive pages must be stable"
    assert numbers(document("feed.xml")) == ["152", "150"]


def test_transcript_video_soundbites_guests_license_and_txt(show_dir, out_dir, run_cli) -> None:
    import base64
    import hashlib

    folder = show_dir / "151-brexit-withdrawal-agreement"  # its transcript, captions.vtt, is in the example
    episode_file = folder / "episode.toml"
    extra = (
        'video = "recording.mp4"\n'
        'soundbites = [{ start = "00:08", duration = 11.5, title = "The resignations" }]\n'
        'guests = [{ name = "Jane Doe", role = "Guest", href = "https://janedoe.example/" }]\n'
    )
    episode_file.write_text(episode_file.read_text().replace('recording = "recording.mp4"\n',
                                                             'recording = "recording.mp4"\n' + extra))  # fmt: skip
    show_file = show_dir / "show.toml"
    show_file.write_text(show_file.read_text().replace(
        'type = "episodic"\n',
        'type = "episodic"\nlicense = { name = "cc-by-4.0", url = "https://creativecommons.org/licenses/by/4.0/" }\n'
        'txt = [{ purpose = "verify", text = "S6lpp-7ZCn8-dZfGc-OoyaG" }]\n'))  # fmt: skip
    assert run_cli("publish", "episodes", "--out", "public").exit_code == 0
    root = etree.fromstring((out_dir / "feed.xml").read_bytes())
    channel = root.find("channel")
    license_ = channel.find("podcast:license", NS)
    assert (license_.text, license_.get("url")) == ("cc-by-4.0", "https://creativecommons.org/licenses/by/4.0/")
    txt = channel.find("podcast:txt", NS)
    assert (txt.get("purpose"), txt.text) == ("verify", "S6lpp-7ZCn8-dZfGc-OoyaG")

    item = next(i for i in root.iter("item") if i.findtext("itunes:episode", namespaces=NS) == "151")
    transcript = item.find("podcast:transcript", NS)
    assert (transcript.get("type"), transcript.get("rel"), transcript.get("language")) == ("text/vtt", "captions", "en")
    assert (out_dir / transcript.get("url").removeprefix(BASE)).read_text().startswith("WEBVTT")
    soundbite = item.find("podcast:soundbite", NS)
    assert (soundbite.get("startTime"), soundbite.get("duration"), soundbite.text) == ("8", "11.5", "The resignations")
    guest = item.find("podcast:person", NS)
    assert (guest.get("role"), guest.get("href"), guest.text) == ("guest", "https://janedoe.example/", "Jane Doe")
    alternate = item.find("podcast:alternateEnclosure", NS)
    source = alternate.find("podcast:source", NS).get("uri")
    video = out_dir / source.removeprefix(BASE)
    assert video.read_bytes() == (folder / "recording.mp4").read_bytes()
    assert (alternate.get("type"), alternate.get("length")) == ("video/mp4", str(video.stat().st_size))
    expected = "sha256-" + base64.b64encode(hashlib.sha256(video.read_bytes()).digest()).decode()
    assert alternate.find("podcast:integrity", NS).get("value") == expected
    assert item.find("enclosure").get("type") == "audio/mpeg"  # the video is an alternate, never the enclosure
    assert run_cli("validate", str(out_dir / "feed.xml")).exit_code == 0
