"""How does building and validating the feed, and building the web pages, grow with the number of episodes?

Builds the feed of a show with 100, 1,000 and 10,000 episodes (each with notes of
several articles, chapters and a YouTube version), validates it, builds the show's
web pages (three pages and an oEmbed document per episode), and prints time, peak
traced memory and the per-episode cost, with ratios against the smallest size run
in the same process. Linear growth shows as a flat per-episode cost.

    python benchmarks/feed_scale.py --sizes 100 1000 10000
"""

from __future__ import annotations

import argparse
import datetime as dt
import time
import tracemalloc
from pathlib import Path

from mediapub.feed import FeedLinks, build_feed
from mediapub.model import ArticleNote, Episode, PublishedEpisode, Show, StoredObject
from mediapub.notes import render_notes
from mediapub.site import Site, SiteLinks
from mediapub.validate import validate_feed

REPO = Path(__file__).resolve().parent.parent
SHOW = {
    "title": "Bench", "description": "A show with very many episodes.", "author": "Bench",
    "owner": {"name": "Bench", "email": "bench@example.com"}, "language": "en", "categories": ["News/Politics"],
    "artwork": str(REPO / "episodes" / "artwork.png"), "link": "https://example.com/",
    "base_url": "https://cdn.example.com/", "funding": [{"url": "https://www.patreon.com/bench"}],
    "hosts": ["Host One", "Host Two"], "update_frequency": "weekly",
}  # fmt: skip


def episodes(count: int) -> list[PublishedEpisode]:
    made = []
    start = dt.datetime(2000, 1, 1, tzinfo=dt.UTC)
    for number in range(1, count + 1):
        episode = Episode.model_validate({
            "slug": f"{number}-episode", "number": number, "title": f"Episode about topic {number}",
            "date": start + dt.timedelta(days=number), "summary": "A summary of the week's news. " * 4,
            "recording": "x.mp3", "youtube": "https://www.youtube.com/watch?v=Qm9V8kT3xNw",
            "articles": [f"https://news.example/{number}/{k}" for k in range(4)],
            "chapters": [{"start": k * 60, "title": f"Part {k}"} for k in range(5)],
        })  # fmt: skip
        notes = [ArticleNote(url=f"https://news.example/{number}/{k}", title=f"Headline {k}", source="News",
                             summary="One sentence that sums it up. " * 2) for k in range(4)]  # fmt: skip
        url = f"https://cdn.example.com/e/{number}.mp3"
        media = StoredObject(key=f"e/{number}.mp3", url=url, size=10_000_000 + number, content_type="audio/mpeg",
                             sha256="0" * 64, written=False)  # fmt: skip
        made.append(PublishedEpisode(episode=episode, guid=f"guid-{number}", media=media, duration=3600.0,
                                     notes=render_notes(episode, notes)))  # fmt: skip
    return made


def measure(count: int) -> tuple[float, float, float, int, float, int]:
    show = Show.model_validate(SHOW)
    items = episodes(count)
    links = FeedLinks(feed_url="https://cdn.example.com/feed.xml", artwork_url="https://cdn.example.com/a.png",
                      artwork_side=1400)  # fmt: skip
    guid = "917393e3-1b1e-5cef-ace4-edaa54e1f810"
    started = time.perf_counter()
    data = build_feed(show, items, links, podcast_guid=guid, generator="bench")
    built = time.perf_counter() - started
    started = time.perf_counter()
    errors = [f for f in validate_feed(data) if f.severity == "error"]
    checked = time.perf_counter() - started
    artwork = StoredObject(key="a.png", url="https://cdn.example.com/a.png", size=1, content_type="image/png",
                           sha256="0" * 64, written=False)  # fmt: skip
    pages = Site(show)
    site_links = SiteLinks(
        feed_url=links.feed_url, artwork=artwork, public_url=lambda key: f"https://cdn.example.com/{key}"
    )
    started = time.perf_counter()
    files = pages.build(items, site_links)
    paged = time.perf_counter() - started
    # Memory in a second pass: tracing slows Python down several times, so it must not touch the timings.
    tracemalloc.start()
    validate_feed(build_feed(show, items, links, podcast_guid=guid, generator="bench"))
    peak = tracemalloc.get_traced_memory()[1] / 1e6
    tracemalloc.stop()
    assert not errors, errors[:3]
    return built, checked, peak, len(data), paged, sum(len(f.data) for f in files)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", type=int, nargs="+", default=[100, 1000, 10000])
    options = parser.parse_args()
    rows = [(count, *measure(count)) for count in options.sizes]
    base = rows[0]
    print(f"{'episodes':>9} {'build s':>8} {'validate s':>10} {'peak MB':>8} {'feed MB':>8} {'build ms/ep':>11} "
          f"{'ratio':>6} {'pages s':>8} {'pages MB':>9} {'pages ms/ep':>11} {'ratio':>6}")  # fmt: skip
    for count, built, checked, peak, size, paged, page_bytes in rows:
        per, page_per = built / count * 1000, paged / count * 1000
        print(f"{count:>9} {built:8.2f} {checked:10.2f} {peak:8.1f} {size / 1e6:8.1f} {per:11.3f} "
              f"{per / (base[1] / base[0] * 1000):6.2f} {paged:8.2f} {page_bytes / 1e6:9.1f} {page_per:11.3f} "
              f"{page_per / (base[5] / base[0] * 1000):6.2f}")  # fmt: skip


if __name__ == "__main__":
    main()
