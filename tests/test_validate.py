"""mediapub validate: each rule catches its violation on a hand-made broken feed, and our own feed is clean."""

from __future__ import annotations

import json
import re

import pytest

from mediapub.validate import validate_feed

GOOD = """<?xml version="1.0" encoding="UTF-8"?>
<rss version="2.0" xmlns:itunes="http://www.itunes.com/dtds/podcast-1.0.dtd"
     xmlns:podcast="https://podcastindex.org/namespace/1.0" xmlns:atom="http://www.w3.org/2005/Atom">
<channel>
  <title>Show</title>
  <description>A show about things.</description>
  <link>https://show.example/</link>
  <language>en</language>
  <atom:link href="https://show.example/feed.xml" rel="self"/>
  <itunes:image href="https://show.example/art.jpg"/>
  <itunes:category text="News"><itunes:category text="Politics"/></itunes:category>
  <itunes:explicit>false</itunes:explicit>
  <itunes:author>Host</itunes:author>
  <itunes:owner><itunes:name>Host</itunes:name><itunes:email>host@show.example</itunes:email></itunes:owner>
  <itunes:type>episodic</itunes:type>
  <podcast:guid>917393e3-1b1e-5cef-ace4-edaa54e1f810</podcast:guid>
  <podcast:locked owner="host@show.example">yes</podcast:locked>
  <podcast:funding url="https://www.patreon.com/show">Support</podcast:funding>
  <podcast:medium>podcast</podcast:medium>
  <podcast:person role="host">Host</podcast:person>
  <item>
    <title>An episode</title>
    <description>Notes.</description>
    <enclosure url="https://show.example/1.mp3" length="12345" type="audio/mpeg"/>
    <guid isPermaLink="false">ep-1</guid>
    <pubDate>Fri, 16 Nov 2018 18:00:00 +0000</pubDate>
    <itunes:duration>2460</itunes:duration>
    <itunes:episode>1</itunes:episode>
    <itunes:episodeType>full</itunes:episodeType>
    <itunes:explicit>false</itunes:explicit>
    <itunes:image href="https://show.example/1.png"/>
    <podcast:chapters url="https://show.example/1.json" type="application/json+chapters"/>
  </item>
  <item>
    <title>Another episode</title>
    <description>Notes.</description>
    <enclosure url="https://show.example/2.mp3" length="54321" type="audio/mpeg"/>
    <guid isPermaLink="false">ep-2</guid>
    <pubDate>Fri, 23 Nov 2018 18:00:00 +0000</pubDate>
    <itunes:duration>1:02:03</itunes:duration>
  </item>
</channel>
</rss>
"""

# (what breaks, the change to GOOD, the element and message the finding must carry)
BREAKS = {
    "not XML": ("<title>Show</title>", "<title>Show & Co</title>", r"document: not well-formed"),
    "not RSS 2.0": ('version="2.0"', 'version="0.91"', r"rss: the root must be"),
    "no title": ("<title>Show</title>", "<title> </title>", r"channel/title: is missing"),
    "long description": ("A show about things.", "x" * 4001, r"channel/description: is over 4000 bytes"),
    "no link": ("<link>https://show.example/</link>", "", r"channel/link: is missing"),
    "bad link": ("<link>https://show.example/</link>", "<link>show.example</link>", r"channel/link: is not an http"),
    "no language": ("<language>en</language>", "", r"channel/language: is missing"),
    "bad language": ("<language>en</language>", "<language>English</language>", r"not a language code"),
    "no artwork": ('<itunes:image href="https://show.example/art.jpg"/>', "", r"channel/itunes:image: is missing"),
    "GIF artwork": ("art.jpg", "art.gif", r"channel/itunes:image: must be an http\(s\) URL of a \.jpg or \.png"),
    "no category": ('<itunes:category text="News"><itunes:category text="Politics"/></itunes:category>', "",
                    r"channel/itunes:category: is missing"),
    "unknown category": ('text="Politics"', 'text="Gossip"', r'"Gossip" is not a subcategory of "News"'),
    "explicit yes": ("<itunes:explicit>false</itunes:explicit>\n  <itunes:author>",
                     "<itunes:explicit>yes</itunes:explicit>\n  <itunes:author>", r"channel/itunes:explicit"),
    "no author": ("<itunes:author>Host</itunes:author>", "", r"channel/itunes:author: is missing"),
    "no owner email": ("<itunes:email>host@show.example</itunes:email>", "", r"channel/itunes:owner: needs"),
    "bad show type": ("<itunes:type>episodic</itunes:type>", "<itunes:type>daily</itunes:type>",
                      r"channel/itunes:type"),
    "no self link": ('rel="self"', 'rel="alternate"', r'channel/atom:link: no rel="self"'),
    "bad podcast guid": ("917393e3-1b1e-5cef-ace4-edaa54e1f810", "not-a-uuid", r"channel/podcast:guid: is not a UUID"),
    "bad locked": (">yes</podcast:locked>", ">maybe</podcast:locked>", r'channel/podcast:locked: must be "yes"'),
    "funding without url": ('podcast:funding url="https://www.patreon.com/show"', "podcast:funding",
                            r"channel/podcast:funding: needs a url"),
    "bad medium": ("<podcast:medium>podcast</podcast:medium>", "<podcast:medium>radio</podcast:medium>",
                   r'"radio" is not a medium'),
    "no episode title": ("<title>An episode</title>", "<title></title>", r"item\[1\]/title: is missing"),
    "numbered title": ("<title>An episode</title>", "<title>Ep. 1: An episode</title>",
                       r"starts with an episode number"),
    "no enclosure": ('<enclosure url="https://show.example/1.mp3" length="12345" type="audio/mpeg"/>', "",
                     r"item\[1\]/enclosure: is missing"),
    "relative enclosure": ('url="https://show.example/1.mp3"', 'url="/1.mp3"', r"url is not an absolute"),
    "YouTube enclosure": ('url="https://show.example/1.mp3"', 'url="https://www.youtube.com/watch?v=Qm9V8kT3xNw"',
                          r"is a YouTube page, not a media file"),
    "no length": ('length="12345"', 'length=""', r"length must be the file's size"),
    "bad enclosure type": ('length="12345" type="audio/mpeg"', 'length="12345" type="audio/ogg"',
                           r"type 'audio/ogg' is not"),
    "no guid": ('<guid isPermaLink="false">ep-1</guid>', "", r"item\[1\]/guid: is missing"),
    "permalink guid": ('<guid isPermaLink="false">ep-1</guid>', "<guid>ep-1</guid>", r'needs isPermaLink="false"'),
    "duplicate guid": ('<guid isPermaLink="false">ep-2</guid>', '<guid isPermaLink="false">ep-1</guid>',
                       r'item/guid: "ep-1" is used by 2 episodes'),
    "no pubDate": ("<pubDate>Fri, 16 Nov 2018 18:00:00 +0000</pubDate>", "", r"item\[1\]/pubDate: is missing"),
    "ISO pubDate": ("Fri, 16 Nov 2018 18:00:00 +0000", "2018-11-16T18:00:00Z", r"is not an RFC 2822 date"),
    "bad duration": ("<itunes:duration>2460</itunes:duration>", "<itunes:duration>41 min</itunes:duration>",
                     r"itunes:duration: must be seconds"),
    "bad episode number": ("<itunes:episode>1</itunes:episode>", "<itunes:episode>one</itunes:episode>",
                           r"itunes:episode: must be a positive"),
    "bad episode type": ("<itunes:episodeType>full</itunes:episodeType>",
                         "<itunes:episodeType>extra</itunes:episodeType>", r"itunes:episodeType"),
    "long item description": ("<description>Notes.</description>", f"<description>{'y' * 4001}</description>",
                              r"item\[1\]/description: is over 4000 bytes"),
    "item artwork": ('href="https://show.example/1.png"', 'href="https://show.example/1.webp"',
                     r"item\[1\]/itunes:image: must be"),
    "bad chapters": ('type="application/json+chapters"', 'type="application/json"', r"podcast:chapters: needs"),
    "shared media": ('url="https://show.example/2.mp3"', 'url="https://show.example/1.mp3"',
                     r"1\.mp3 is the media of 2 episodes"),
}  # fmt: skip


def test_a_good_feed_has_no_findings() -> None:
    assert validate_feed(GOOD.encode()) == []


@pytest.mark.parametrize("case", sorted(BREAKS))
def test_each_rule_catches_its_violation(case) -> None:
    old, new, expected = BREAKS[case]
    assert old in GOOD, case
    findings = validate_feed(GOOD.replace(old, new, 1).encode())
    assert any(re.search(expected, finding.line()) for finding in findings), [f.line() for f in findings]
    assert all(finding.source for finding in findings)


def test_there_are_at_least_twenty_distinct_rules() -> None:
    messages = set()
    for old, new, _ in BREAKS.values():
        for finding in validate_feed(GOOD.replace(old, new, 1).encode()):
            messages.add((finding.element.split("/")[-1], re.sub(r'".*?"|\'.*?\'|\d+', "", finding.message)))
    assert len(messages) >= 20


def test_validate_command_prints_findings_and_exits_1_on_errors(run_cli, tmp_path) -> None:
    good, bad = tmp_path / "good.xml", tmp_path / "bad.xml"
    good.write_text(GOOD)
    bad.write_text(GOOD.replace("<itunes:explicit>false</itunes:explicit>", "<itunes:explicit>yes</itunes:explicit>"))
    ok = run_cli("validate", str(good))
    assert ok.exit_code == 0 and ok.stdout.strip().endswith("0 errors, 0 warnings")
    result = run_cli("validate", str(bad), "--json")
    assert result.exit_code == 1
    report = json.loads(result.stdout)
    assert report["errors"] >= 1
    assert {"severity", "element", "message", "source"} <= set(report["findings"][0])
    assert run_cli("validate", str(tmp_path / "none.xml")).exit_code == 2


def test_the_published_example_feed_is_valid(show_dir, out_dir, run_cli) -> None:
    assert run_cli("publish", "episodes", "--out", "public").exit_code == 0
    result = run_cli("validate", str(out_dir / "feed.xml"))
    assert result.exit_code == 0, result.stdout
    assert "0 errors, 0 warnings" in result.stdout


def test_publish_refuses_a_feed_directories_would_reject(show_dir, out_dir, run_cli) -> None:
    assert run_cli("publish", "episodes", "--out", "public").exit_code == 0
    feed = (out_dir / "feed.xml").read_bytes()
    # An episode number in the title is only a warning; a title that is just a number prefix and spaces is not
    # possible from config, so break the feed the one way config allows: a description over Apple's limit.
    show_file = show_dir / "show.toml"
    show_file.write_text(show_file.read_text().replace('description = """', 'description = """' + "z " * 2100, 1))
    result = run_cli("publish", "episodes", "--out", "public")
    assert result.exit_code == 1
    assert "the feed would be rejected" in result.stderr and "channel/description: is over 4000 bytes" in result.stderr
    assert (out_dir / "feed.xml").read_bytes() == feed


def test_localhost_and_addresses_are_absolute_urls() -> None:
    local = GOOD.replace("https://show.example/", "http://localhost:8000/")
    assert [f.line() for f in validate_feed(local.encode()) if f.severity == "error"] == []
