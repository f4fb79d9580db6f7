"""Show notes from linked articles, end to end: pages served from 127.0.0.1, read, cached, summarized, rendered."""

from __future__ import annotations

import json
import re
import threading
from collections.abc import Callable, Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import feedparser
import pytest
from mutagen.id3 import ID3

EPISODE_151 = "151-brexit-withdrawal-agreement"

STORY = """<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><title>{title} | Daily Ledger</title>
<meta property="og:site_name" content="Daily Ledger"><meta name="author" content="Jane Reporter">
<meta property="article:published_time" content="2018-11-15T08:00:00Z"></head><body>
<nav><a href="/">Home</a></nav><article><h1>{title}</h1><p class="byline">By Jane Reporter</p>
<p>Ministers met in Downing Street on Wednesday to discuss the draft agreement, which runs to nearly six hundred
pages and took two years to negotiate.</p>
<p>The Prime Minister told the Cabinet that the deal delivered on the referendum while protecting jobs, although several
ministers were said to have raised objections during the five-hour meeting.</p>
<p>{extra}</p></article>
<aside>Liked it? Take a second to support Daily Ledger on Patreon!</aside>
<footer>Leave a Reply</footer></body></html>"""

HOSTILE = """<html><head><title>Hostile</title><style>body{background:url(javascript:alert(1))}</style></head><body>
<article><h1>Hostile <script>alert("title")</script>headline</h1>
<p>The council approved the budget on Tuesday after a long debate about <script>alert(1)</script> road repairs and
school funding across the district.</p>
<p>Residents <img src=x onerror="alert(2)"> will see the changes next year, officials said, with
<a href="javascript:alert(3)">more details</a> promised in the spring.</p></article></body></html>"""


class Site(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    pages: dict[str, bytes]
    hits: list[str]

    def log_message(self, *args: object) -> None:
        pass

    def do_GET(self) -> None:
        self.hits.append(self.path)
        body = self.pages.get(self.path)
        status = 200 if body is not None else 404
        body = body if body is not None else b"missing"
        self.send_response(status)
        self.send_header("Content-Type", "text/html; charset=utf-8")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)


@pytest.fixture
def site() -> Iterator[Callable[[dict[str, str]], tuple[str, list[str], Callable[[], None]]]]:
    """Serve ``{path: html}`` on 127.0.0.1; returns the base URL, the list of paths requested, and a stop function."""
    started: list[ThreadingHTTPServer] = []

    def serve(pages: dict[str, str]) -> tuple[str, list[str], Callable[[], None]]:
        hits: list[str] = []
        handler = type("S", (Site,), {"pages": {k: v.encode() for k, v in pages.items()}, "hits": hits})
        httpd = ThreadingHTTPServer(("127.0.0.1", 0), handler)
        threading.Thread(target=httpd.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True).start()
        started.append(httpd)

        def stop() -> None:
            httpd.shutdown()
            httpd.server_close()

        return f"http://127.0.0.1:{httpd.server_address[1]}", hits, stop

    yield serve
    for httpd in started:
        httpd.shutdown()
        httpd.server_close()


def _link_articles(show_dir: Path, urls: list[str], chapter_url: str | None = None) -> None:
    """Point episode 151 at ``urls`` (and its second chapter at ``chapter_url``), in a fresh copy of the show."""
    episode_file = show_dir / EPISODE_151 / "episode.toml"
    text = episode_file.read_text()
    text = re.sub(
        r"articles = \[.*?\n\]\n", "articles = [" + ", ".join(f'"{u}"' for u in urls) + "]\n", text, flags=re.S
    )
    if chapter_url:
        text = text.replace("https://theduran.com/theresa-mays-brexit-deal-cabinet-resignations/", chapter_url)
    episode_file.write_text(text)


def _entry(out_dir: Path, number: str = "151") -> feedparser.FeedParserDict:
    parsed = feedparser.parse((out_dir / "feed.xml").read_bytes())
    return next(entry for entry in parsed.entries if entry.itunes_episode == number)


def test_linked_articles_become_notes_with_headline_source_date_summary_and_time(
    show_dir, out_dir, run_cli, site
) -> None:
    base, hits, stop = site({"/deal": STORY.format(title="Cabinet backs draft Brexit deal", extra="More follows.")})
    _link_articles(show_dir, [f"{base}/deal"], chapter_url=f"{base}/deal")
    result = run_cli("publish", "episodes", "--out", "public")
    assert result.exit_code == 0, result.output
    assert hits == ["/deal"]

    notes = _entry(out_dir).content[0].value
    assert notes.startswith("<p>Theresa May's draft Brexit Withdrawal Agreement")  # the producer's summary first
    item = re.search(r"<li>(.*?)</li>", notes, re.S).group(1)  # type: ignore[union-attr]
    assert f'<a href="{base}/deal" rel="noopener noreferrer">Cabinet backs draft Brexit deal</a>' in item
    assert "(Daily Ledger; 15 November 2018; at 0:08)" in item  # source, date, and when the episode gets to it
    assert "Ministers met in Downing Street on Wednesday" in item
    assert "Patreon" not in notes and "Leave a Reply" not in notes
    comment = ID3(next((out_dir / "episodes" / EPISODE_151).glob("*.mp3"))).getall("COMM")[0].text[0]
    assert "Cabinet backs draft Brexit deal (Daily Ledger; 15 November 2018; at 0:08)" in comment

    # The page is cached with the show: a republish with the site gone gives the same notes, without a fetch.
    stop()
    cached = list((show_dir / ".articles").glob("*.json"))
    assert any(json.loads(path.read_text())["url"] == f"{base}/deal" for path in cached)
    assert run_cli("publish", "episodes", "--out", "public", "--offline").exit_code == 0
    assert _entry(out_dir).content[0].value == notes


def test_refresh_fetches_again_and_offline_never_fetches(show_dir, out_dir, run_cli, site) -> None:
    base, hits, _ = site({"/deal": STORY.format(title="First headline", extra="")})
    _link_articles(show_dir, [f"{base}/deal"])
    assert run_cli("publish", "episodes", "--out", "public").exit_code == 0
    assert run_cli("publish", "episodes", "--out", "public", "--offline").exit_code == 0
    assert run_cli("publish", "episodes", "--out", "public").exit_code == 0
    assert hits == ["/deal"]  # cached after the first fetch
    assert run_cli("publish", "episodes", "--out", "public", "--refresh").exit_code == 0
    assert hits == ["/deal", "/deal"]
    assert run_cli("publish", "episodes", "--offline", "--refresh").exit_code == 2


def test_an_unreachable_link_falls_back_with_a_warning_and_strict_makes_it_an_error(
    show_dir, out_dir, run_cli, site
) -> None:
    base, _, _ = site({"/deal": STORY.format(title="Cabinet backs draft Brexit deal", extra="")})
    _link_articles(show_dir, [f"{base}/deal", f"{base}/gone"])
    result = run_cli("publish", "episodes", "--out", "public")
    assert result.exit_code == 0, result.output
    assert f"warning: episode {EPISODE_151}: {base}/gone: the server answered 404 Not Found" in " ".join(
        result.stderr.split()
    )
    notes = _entry(out_dir).content[0].value
    assert f'<a href="{base}/gone" rel="noopener noreferrer">{base}/gone</a></li>' in notes  # listed by its link

    strict = run_cli("publish", "episodes", "--out", "public2", "--strict")
    assert strict.exit_code == 1
    assert f"error: episode {EPISODE_151}: {base}/gone: the server answered 404 Not Found" in strict.stderr
    assert not (out_dir.parent / "public2").exists()


def test_hostile_page_content_never_reaches_the_notes(show_dir, out_dir, run_cli, site) -> None:
    base, _, _ = site({"/hostile": HOSTILE})
    _link_articles(show_dir, [f"{base}/hostile"])
    assert run_cli("publish", "episodes", "--out", "public").exit_code == 0
    feed = (out_dir / "feed.xml").read_text()
    for bad in ("<script", "onerror", "javascript:", "alert(", "<style", "background:url"):
        assert bad not in feed, bad
    assert "The council approved the budget on Tuesday" in _entry(out_dir).content[0].value


def test_many_articles_keep_the_description_within_4000_bytes(show_dir, out_dir, run_cli, site) -> None:
    pages = {f"/story{i}": STORY.format(title=f"Story number {i} about the Brexit talks é ü", extra="x " * 50)
             for i in range(30)}  # fmt: skip
    base, _, _ = site(pages)
    _link_articles(show_dir, [base + path for path in pages])
    assert run_cli("publish", "episodes", "--out", "public").exit_code == 0
    raw = (out_dir / "feed.xml").read_text()
    description = re.findall(r"<description><!\[CDATA\[(.*?)\]\]></description>", raw, re.S)
    longest = max(len(text.encode()) for text in description)
    assert 3000 < longest <= 4000
    full = _entry(out_dir).content[0].value
    assert full.count("<li>") == 30  # content:encoded keeps every article
    for text in description:
        assert text.count("<li>") == text.count("</li>") and text.endswith(("</ul>", "</p>"))


def test_notes_command_prints_json_markdown_and_html(run_cli, site) -> None:
    base, _, _ = site({"/a": STORY.format(title="Cabinet backs draft Brexit deal", extra="")})
    data = json.loads(run_cli("notes", f"{base}/a", "--json").stdout)
    (article,) = data["articles"]
    assert article["title"] == "Cabinet backs draft Brexit deal" and article["source"] == "Daily Ledger"
    assert article["published"] == "2018-11-15" and article["authors"] == ["Jane Reporter"]
    assert data["summary"].startswith("Ministers met in Downing Street")
    markdown = run_cli("notes", f"{base}/a", "--markdown").stdout
    assert markdown.startswith(
        f"## Articles discussed in this episode\n\n- [Cabinet backs draft Brexit deal](<{base}/a>)"
    )
    html = run_cli("notes", f"{base}/a", "--html").stdout
    assert html.startswith("<p>Articles discussed in this episode:</p><ul><li><a href=")
    bad = run_cli("notes", "not a url")
    assert bad.exit_code == 2 and "not an http(s) URL" in bad.stderr


def test_extract_command_reads_a_file_or_a_url(run_cli, site, tmp_path) -> None:
    page = tmp_path / "story.html"
    page.write_text(STORY.format(title="Cabinet backs draft Brexit deal", extra="Final words here."))
    from_file = json.loads(run_cli("extract", str(page), "--json").stdout)
    assert from_file["title"] == "Cabinet backs draft Brexit deal" and from_file["published"] == "2018-11-15"
    assert "Final words here." in from_file["text"] and "Patreon" not in from_file["text"]
    base, _, _ = site({"/s": page.read_text()})
    assert json.loads(run_cli("extract", f"{base}/s", "--json").stdout)["text"] == from_file["text"]
    missing = run_cli("extract", str(tmp_path / "nope.html"))
    assert missing.exit_code == 2 and "no such file" in missing.stderr
    gone = run_cli("extract", f"{base}/missing")
    assert gone.exit_code == 1 and "answered 404" in gone.stderr


def test_the_example_show_publishes_offline_from_its_article_cache(show_dir, out_dir, run_cli) -> None:
    result = run_cli("publish", "episodes", "--out", "public", "--offline", "--strict")
    assert result.exit_code == 0, result.output
    notes = _entry(out_dir).content[0].value
    assert (
        "Raab and McVey resign over Theresa May's Brexit deal</a> (The Duran, via BBC News; 15 November 2018" in notes
    )


def test_markdown_notes_are_stored_beside_the_episode_and_listed_in_the_summary(show_dir, out_dir, run_cli) -> None:
    summary = json.loads(run_cli("publish", "episodes", "--out", "public", "--offline", "--json").stdout)
    episode = next(e for e in summary["episodes"] if e["number"] == 151)
    markdown = (out_dir / episode["notes"].removeprefix("https://podcast.theduran.example/news-in-review/")).read_text()
    assert markdown.startswith("# 151: Brexit Withdrawal Agreement may lead to Theresa May's downfall\n\nTheresa May's")
    assert "## Articles discussed in this episode" in markdown
    assert "- [Raab and McVey resign over Theresa May's Brexit deal](<https://theduran.com/" in markdown
    assert [a["source"] for a in episode["articles"]][:2] == ["GOV.UK", "The Duran, via BBC News"]
    assert episode["notes_summary"].startswith("The Government has published the draft agreement")
