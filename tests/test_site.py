"""The web pages publish writes: show page, episode pages, embed players, oEmbed, and their metadata.

These read the published files as other software does (lxml's HTML parser,
json); tests/test_browser.py loads the same pages in Chromium.
"""

from __future__ import annotations

import json
import posixpath
from pathlib import Path

import pytest
from lxml import etree, html

from mediapub.model import PublishedEpisode, ShowNotes, StoredObject
from mediapub.site import CONTENT_SECURITY_POLICY, Site, SiteLinks

BASE = "https://podcast.theduran.example/news-in-review/"
SLUG = "151-brexit-withdrawal-agreement"


@pytest.fixture
def published(show_dir, out_dir, run_cli) -> Path:
    result = run_cli("publish", "episodes", "--out", "public")
    assert result.exit_code == 0, result.output
    return out_dir


def page(folder: Path, key: str) -> html.HtmlElement:
    return html.fromstring((folder / key).read_bytes())


def resolve(page_key: str, href: str) -> str:
    """The key a relative link on the page at ``page_key`` points at (folders mean their index.html)."""
    key = posixpath.normpath(posixpath.join(posixpath.dirname(page_key), href))
    return f"{key}/index.html" if href.endswith("/") else key


def meta(document: html.HtmlElement, name: str) -> str:
    found = document.xpath(f'//meta[@property="{name}" or @name="{name}"]/@content')
    assert found, name
    return found[0]


def feed_item(folder: Path, number: str) -> etree._Element:
    feed = etree.fromstring((folder / "feed.xml").read_bytes())
    ns = {"itunes": "http://www.itunes.com/dtds/podcast-1.0.dtd"}
    return next(item for item in feed.iter("item") if item.findtext("itunes:episode", namespaces=ns) == number)


def test_the_show_page_lists_subscribe_links_funding_and_the_latest_episodes(published) -> None:
    document = page(published, "index.html")
    assert document.xpath("//link[@rel='alternate'][@type='application/rss+xml']/@href") == [f"{BASE}feed.xml"]
    platforms = {a.get("data-platform"): a.text for a in document.xpath("//a[@data-platform]")}
    assert platforms == {"apple": "Apple Podcasts", "spotify": "Spotify", "pocket-casts": "Pocket Casts"}
    assert document.xpath("//input[@id='feed-url']/@value") == [f"{BASE}feed.xml"]
    assert "https://www.patreon.com/theduran" in document.xpath("//a/@href")
    listed = document.xpath("//ol[@class='episode-list']//h3/a")
    assert listed[0].text_content().startswith("151.")  # newest first
    for link in listed:
        assert (published / resolve("index.html", link.get("href"))).is_file()
    ld = json.loads(document.xpath("//script[@type='application/ld+json']/text()")[0])
    assert (ld["@type"], ld["webFeed"]) == ("PodcastSeries", f"{BASE}feed.xml")


def test_the_episode_page_plays_the_enclosure_with_chapters_video_notes_and_transcript(published) -> None:
    key = f"episodes/{SLUG}/index.html"
    document = page(published, key)
    enclosure = feed_item(published, "151").find("enclosure").get("url")
    audio = document.xpath("//audio")[0]
    assert BASE + resolve(key, audio.get("src")) == enclosure  # a relative link to the very file the feed lists
    track = audio.xpath("track")[0]
    assert (track.get("kind"), track.get("srclang")) == ("captions", "en")
    assert (published / resolve(key, track.get("src"))).read_text().startswith("WEBVTT")
    chapters = json.loads(next((published / "episodes" / SLUG).glob("chapters-*.json")).read_text())["chapters"]
    starts = [float(a.get("data-start")) for a in document.xpath("//ol[@class='chapters']//a[@data-start]")]
    assert starts == [chapter["startTime"] for chapter in chapters]
    assert not document.xpath("//iframe")  # the YouTube player is not on the page until a click asks for it
    facade = document.xpath("//a[@data-youtube]")[0]
    assert facade.get("data-youtube").startswith("https://www.youtube-nocookie.com/embed/Qm9V8kT3xNw")
    assert facade.get("href") == "https://www.youtube.com/watch?v=Qm9V8kT3xNw"  # without script, a plain link
    notes = document.xpath("//section[@class='notes']")[0].text_content()
    assert "Withdrawal Agreement and Political Declaration" in notes
    cues = document.xpath("//details[@class='transcript']//li")
    assert [c.text_content().split(None, 1)[0] for c in cues] == ["0:00", "0:08", "0:19", "0:25", "0:35"]
    assert cues[2].text_content().endswith("Conservative MPs are sending in letters of no confidence.")
    download = document.xpath("//a[@download and contains(@class, 'button')]")[0]
    assert BASE + resolve(key, download.get("href")) == enclosure
    assert (
        feed_item(published, "151").findtext("link") == f"{BASE}episodes/{SLUG}/index.html"
    )  # the feed links the page


def test_discovery_metadata_oembed_open_graph_and_json_ld(published) -> None:
    key = f"episodes/{SLUG}/index.html"
    document = page(published, key)
    enclosure = feed_item(published, "151").find("enclosure")
    assert document.xpath("//link[@rel='canonical']/@href") == [f"{BASE}episodes/{SLUG}/index.html"]
    assert meta(document, "og:audio") == enclosure.get("url")
    assert meta(document, "og:audio:type") == "audio/mpeg"
    assert meta(document, "og:video") == "https://www.youtube-nocookie.com/embed/Qm9V8kT3xNw"
    assert meta(document, "og:image").startswith(BASE) and meta(document, "twitter:card") == "player"
    assert meta(document, "twitter:player") == f"{BASE}episodes/{SLUG}/embed/index.html"

    (link,) = document.xpath("//link[@rel='alternate'][@type='application/json+oembed']")
    assert link.get("href") == f"{BASE}episodes/{SLUG}/oembed.json"
    oembed = json.loads((published / link.get("href").removeprefix(BASE)).read_text())
    assert oembed["version"] == "1.0" and oembed["type"] == "rich"
    assert {"html", "width", "height", "title", "author_name", "provider_name", "thumbnail_url"} <= oembed.keys()
    assert isinstance(oembed["width"], int) and isinstance(oembed["height"], int)
    assert oembed["thumbnail_url"] == f"{BASE}{next((published / 'artwork').glob('cover-*')).relative_to(published)}"
    assert oembed["thumbnail_width"] == oembed["thumbnail_height"] == 1400  # the spec wants the size with it
    frame = html.fromstring(oembed["html"])
    assert frame.tag == "iframe" and frame.get("src") == f"{BASE}episodes/{SLUG}/embed/index.html"
    assert (published / f"episodes/{SLUG}/embed/index.html").is_file()

    ld = json.loads(document.xpath("//script[@type='application/ld+json']/text()")[0])
    assert ld["@type"] == "PodcastEpisode" and ld["episodeNumber"] == 151
    assert ld["associatedMedia"]["contentUrl"] == enclosure.get("url")
    assert ld["partOfSeries"]["webFeed"] == f"{BASE}feed.xml"
    assert ld["video"]["embedUrl"] == "https://www.youtube-nocookie.com/embed/Qm9V8kT3xNw"

    # Only our own script: every page says so to the browser, and has no inline code to forbid.
    for name in ("index.html", key, f"episodes/{SLUG}/embed/index.html"):
        document = page(published, name)
        assert document.xpath("//meta[@http-equiv='Content-Security-Policy']/@content") == [CONTENT_SECURITY_POLICY]
        for script in document.xpath("//script"):
            assert script.get("type") == "application/ld+json" or resolve(name, script.get("src")).startswith("assets/")


def test_the_embed_player_has_its_controls_and_a_way_back(published) -> None:
    key = f"episodes/{SLUG}/embed/index.html"
    document = page(published, key)
    cover = published / resolve(key, document.xpath("//img[@class='cover']/@src")[0])
    assert cover.name.startswith("thumb-") and cover.stat().st_size < 80_000  # not the 1400 px artwork
    audio = document.xpath("//audio")[0]
    assert BASE + resolve(key, audio.get("src")) == feed_item(published, "151").find("enclosure").get("url")
    assert audio.get("controls") is not None  # the browser's own controls until the script replaces them
    assert document.xpath("//button[@data-play]/@aria-label") == ["Play"]
    assert document.xpath("//input[@type='range'][@data-seek]/@aria-label") == ["Seek"]
    assert len(document.xpath("//select[@data-speed]/option")) == 6
    assert [o.text.split(" ", 1)[1] for o in document.xpath("//select[@data-chapters]/option")][:2] == [
        "Introduction", "The draft Withdrawal Agreement and the Cabinet resignations"]  # fmt: skip
    back = document.xpath("//h1[@class='episode-title']/a")[0]
    assert resolve(key, back.get("href")) == f"episodes/{SLUG}/index.html" and back.get("target") == "_blank"


def test_embed_prints_the_snippet_the_oembed_document_hands_out(published, run_cli) -> None:
    result = run_cli("embed", SLUG, "--show", "episodes", "--json")
    assert result.exit_code == 0, result.output
    printed = json.loads(result.stdout)
    oembed = json.loads((published / printed["oembed"].removeprefix(BASE)).read_text())
    assert printed["iframe"] == oembed["html"] and printed["page"] == f"{BASE}episodes/{SLUG}/index.html"
    result = run_cli("embed", "no-such-episode", "--show", "episodes")
    assert result.exit_code == 2 and "no episode 'no-such-episode'" in result.stderr


def test_republishing_rewrites_no_page_and_prune_keeps_them(published, run_cli) -> None:
    result = run_cli("publish", "episodes", "--out", "public", "--json")
    written = [item["key"] for item in json.loads(result.stdout)["files"] if item["written"]]
    assert written == []  # the pages are the same bytes for the same show
    result = run_cli("prune", "episodes", "--out", "public", "--grace", "0", "--json")
    assert result.exit_code == 0, result.output
    assert (published / f"episodes/{SLUG}/index.html").is_file()
    assert (published / f"episodes/{SLUG}/embed/index.html").is_file()
    assert (published / f"episodes/{SLUG}/oembed.json").is_file()


def test_a_show_can_replace_a_template_and_use_folder_links(show_dir, out_dir, run_cli) -> None:
    templates = show_dir / "templates"
    templates.mkdir()
    (templates / "episode.html").write_text(
        '{% extends "base.html" %}{% block main %}<h1 class="custom">{{ title }}</h1>{{ notes }}{% endblock %}'
    )
    show_file = show_dir / "show.toml"
    show_file.write_text(show_file.read_text() + '\n[site]\ntemplates = "templates"\nclean_urls = true\n')
    assert run_cli("publish", "episodes", "--out", "public").exit_code == 0
    document = page(out_dir, f"episodes/{SLUG}/index.html")
    assert document.xpath("//h1[@class='custom']/text()")[0].startswith("Brexit Withdrawal Agreement")
    show_page = page(out_dir, "index.html")
    assert show_page.xpath("//ol[@class='episode-list']//a/@href")[0] == f"episodes/{SLUG}/"
    assert feed_item(out_dir, "151").findtext("link") == f"{BASE}episodes/{SLUG}/"  # for hosts with index pages


def test_a_broken_template_stops_the_publish_before_any_work(show_dir, out_dir, run_cli) -> None:
    (show_dir / "templates").mkdir()
    (show_dir / "templates" / "episode.html").write_text("{% block main %}unclosed")
    show_file = show_dir / "show.toml"
    show_file.write_text(show_file.read_text() + '\n[site]\ntemplates = "templates"\n')
    result = run_cli("publish", "episodes", "--out", "public")
    assert result.exit_code == 2
    assert result.stderr.strip().splitlines() == [result.stderr.strip()]
    assert "site.templates: template episode.html, line 1" in result.stderr
    assert not out_dir.exists()


HOSTILE = (
    '<p>Fine</p><script>window.__pwned = 1</script><img src="x" onerror="window.__pwned = 2">'
    '<a href="javascript:window.__pwned = 3">click</a><a href="https://example.org/" onclick="x()">ok</a>'
    '<iframe src="https://evil.example/"></iframe><style>body{display:none}</style>'
)


def hostile_episode(show_dir: Path) -> PublishedEpisode:
    from mediapub.config import load_show

    episode = load_show(show_dir).episodes[-1]
    media = StoredObject(key=f"episodes/{episode.slug}/a.mp3", url=f"{BASE}episodes/{episode.slug}/a.mp3", size=1000,
                         content_type="audio/mpeg", sha256="0" * 64, written=True)  # fmt: skip
    notes = ShowNotes(html=HOSTILE, markdown="", text="")
    return PublishedEpisode(episode=episode, guid="g", media=media, duration=60.0, notes=notes)


def test_notes_html_is_sanitized_again_before_it_reaches_a_page(show_dir) -> None:
    from mediapub.config import load_show

    show = load_show(show_dir).show
    artwork = StoredObject(key="artwork/c.png", url=f"{BASE}artwork/c.png", size=1, content_type="image/png",
                           sha256="0" * 64, written=True)  # fmt: skip
    links = SiteLinks(feed_url=f"{BASE}feed.xml", artwork=artwork, public_url=lambda key: BASE + key)
    item = hostile_episode(show_dir)
    files = {f.key: f.data.decode() for f in Site(show).build([item], links)}
    text = files[f"episodes/{item.episode.slug}/index.html"]
    document = html.fromstring(text)
    notes = document.xpath("//section[@class='notes']")[0]
    assert notes.xpath(".//p/text()") == ["Fine"]
    assert not notes.xpath(".//script | .//iframe | .//style | .//img | .//*[@onerror] | .//*[@onclick]")
    assert all(not href.startswith("javascript:") for href in document.xpath("//a/@href"))
    assert "__pwned" not in text  # script bodies are dropped with their elements, not left as text


def test_the_show_page_lists_every_published_episode_and_keeps_off_a_foreign_site(show_dir, out_dir, run_cli) -> None:
    assert run_cli("publish", "episodes", "--out", "public").exit_code == 0
    import shutil

    shutil.rmtree(show_dir / "150-midterms")  # a later publish from a folder that holds only episode 151
    assert run_cli("publish", "episodes", "--out", "public").exit_code == 0
    titles = [a.text_content() for a in page(out_dir, "index.html").xpath("//ol[@class='episode-list']//h3/a")]
    assert [t.split(".")[0] for t in titles] == ["151", "150"]  # as the feed does, it lists both

    (out_dir / "index.html").write_text("<!doctype html><title>Our newsroom</title>")
    before = {path: path.stat().st_mtime_ns for path in out_dir.rglob("*") if path.is_file()}
    result = run_cli("publish", "episodes", "--out", "public")
    assert result.exit_code != 0
    assert result.stderr.strip() == (
        f"error: {BASE}index.html: index.html there was not written by mediapub; move it, or set [site] enabled = false"
    )
    assert {path: path.stat().st_mtime_ns for path in out_dir.rglob("*") if path.is_file()} == before


def test_hostile_titles_and_chapters_are_text_on_the_pages(show_dir, out_dir, run_cli) -> None:
    episode_file = show_dir / SLUG / "episode.toml"
    hostile = "</script><img src=x onerror=alert(1)>{{ 7*7 }}"
    text = (
        episode_file.read_text()
        .replace('title = "Brexit Withdrawal Agreement may lead to Theresa May\'s downfall"', f"title = '{hostile}'")
        .replace('title = "Letters of no confidence"', f"title = '{hostile}'")
    )
    episode_file.write_text(text)
    assert run_cli("publish", "episodes", "--out", "public").exit_code == 0
    for key in (f"episodes/{SLUG}/index.html", f"episodes/{SLUG}/embed/index.html", "index.html"):
        document = page(out_dir, key)
        assert not document.xpath("//img[@onerror]") and not document.xpath("//*[@onerror]")
        assert hostile in document.text_content() or key == "index.html"
    ld = page(out_dir, f"episodes/{SLUG}/index.html").xpath("//script[@type='application/ld+json']/text()")[0]
    assert json.loads(ld)["name"] == hostile and "</script>" not in ld
    oembed = json.loads((out_dir / f"episodes/{SLUG}/oembed.json").read_text())
    assert html.fromstring(oembed["html"]).get("title").endswith(hostile)  # an attribute value, not markup


def test_prune_removes_the_pages_of_a_renamed_episode_with_its_old_media(show_dir, out_dir, run_cli) -> None:
    assert run_cli("publish", "episodes", "--out", "public").exit_code == 0
    (show_dir / "150-midterms").rename(show_dir / "150-midterms-2018")  # same GUID, new slug and keys
    assert run_cli("publish", "episodes", "--out", "public").exit_code == 0
    old = out_dir / "episodes" / "150-midterms"
    assert (old / "index.html").is_file() and (old / "embed" / "index.html").is_file()
    result = run_cli("prune", "episodes", "--out", "public", "--grace", "0")
    assert result.exit_code == 0, result.output
    assert not (old / "index.html").exists() and not (old / "embed" / "index.html").exists()
    assert not (old / "oembed.json").exists() and not list(old.glob("*.mp3"))
    new = out_dir / "episodes" / "150-midterms-2018"
    assert (
        (new / "index.html").is_file() and (new / "embed" / "index.html").is_file() and (new / "oembed.json").is_file()
    )
    assert (out_dir / f"episodes/{SLUG}/index.html").is_file()


def test_the_show_page_lists_only_the_latest_episodes_asked_for(show_dir, out_dir, run_cli) -> None:
    show_file = show_dir / "show.toml"
    show_file.write_text(show_file.read_text() + "\n[site]\nlatest = 1\n")
    assert run_cli("publish", "episodes", "--out", "public").exit_code == 0
    titles = [a.text_content() for a in page(out_dir, "index.html").xpath("//ol[@class='episode-list']//h3/a")]
    assert titles == ["151. Brexit Withdrawal Agreement may lead to Theresa May's downfall"]
