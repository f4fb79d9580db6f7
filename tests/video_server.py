"""A video site on 127.0.0.1 for ingest tests: a page with <video> and <track>, the MP4, captions and a poster.

yt-dlp's generic extractor reads such a page the way it reads any site
without an extractor of its own, so ingest runs end to end without the
internet. The server logs the paths it served (to prove what was downloaded
again and what was not) and can keep a "members-only" page behind a cookie.
"""

from __future__ import annotations

import functools
import http.server
import json
import subprocess
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from PIL import Image

#: The cookie the members-only page wants (what a cookies.txt from the producer's browser would carry).
MEMBER_COOKIE = ("session", "member-7f3a")

CAPTIONS = """WEBVTT

00:00:00.000 --> 00:00:01.500
Welcome to News in Review.

00:00:01.500 --> 00:00:03.000
Today: the budget &amp; what comes next.
"""


def page(title: str, description: str, *, media: str = "talk.mp4", captions: str | None = "talk.vtt") -> str:
    track = f'<track kind="captions" src="{captions}" srclang="en" label="English">' if captions else ""
    return f"""<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>{title}</title>
<meta property="og:description" content="{description}"></head>
<body><h1>{title}</h1>
<video controls poster="poster.jpg"><source src="{media}" type="video/mp4">{track}</video>
</body></html>
"""


def json_ld_page(site_url: str) -> str:
    """A page that describes its video in schema.org JSON-LD (as news sites do): chapters, time, description."""
    video = {
        "@context": "https://schema.org",
        "@type": "VideoObject",
        "name": "Episode 153: The elections",
        "description": "Our look at the elections.\n\n00:00 Introduction\n00:01 The results\n"
        "Read more: https://news.example.org/results\nSupport us: https://www.patreon.com/example",
        "uploadDate": "2018-11-20T18:00:00Z",
        "contentUrl": f"{site_url}talk.mp4",
        "thumbnailUrl": f"{site_url}poster.jpg",
        "duration": "PT3S",
        "hasPart": [
            {"@type": "Clip", "name": "Introduction", "startOffset": 0, "endOffset": 1},
            {"@type": "Clip", "name": "The results", "startOffset": 1, "endOffset": 3},
        ],
    }
    return f"""<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Episode 153</title>
<script type="application/ld+json">{json.dumps(video)}</script></head>
<body><h1>Episode 153: The elections</h1></body></html>
"""


@dataclass
class Site:
    root: Path
    port: int
    served: list[str] = field(default_factory=list)

    def url(self, path: str) -> str:
        return f"http://127.0.0.1:{self.port}/{path}"

    def count(self, path: str) -> int:
        return sum(1 for served in self.served if served.split("?")[0] == f"/{path}")


def make_site_files(root: Path, ffmpeg: str) -> None:
    """A 3-second MP4 (moving picture, a voice-like tone), its captions, a poster and the pages that embed them."""
    root.mkdir(parents=True, exist_ok=True)
    subprocess.run(
        [ffmpeg, "-hide_banner", "-loglevel", "error", "-y",
         "-f", "lavfi", "-i", "testsrc2=size=320x180:rate=10",
         "-f", "lavfi", "-i", "sine=frequency=220:duration=3,tremolo=f=4:d=0.8",
         "-t", "3", "-c:v", "libx264", "-preset", "ultrafast", "-c:a", "aac", "-b:a", "96k",
         "-movflags", "+faststart", "-shortest", str(root / "talk.mp4")],
        check=True,
    )  # fmt: skip
    (root / "talk.vtt").write_text(CAPTIONS)
    Image.new("RGB", (1280, 720), (200, 40, 40)).save(root / "poster.jpg", quality=80)
    (root / "index.html").write_text(
        page(
            "Episode 152: The budget", "The chancellor&#39;s budget, line by line. https://news.example.org/budget-2018"
        )
    )
    (root / "text.html").write_text("<!doctype html><html><head><title>Text</title></head><body><p>No video.</p>")
    (root / "members").mkdir(exist_ok=True)
    (root / "members" / "index.html").write_text(page("Members: the budget", "For members.", media="../talk.mp4"))


@contextmanager
def serve(root: Path) -> Iterator[Site]:
    site = Site(root=root, port=0)

    class Handler(http.server.SimpleHTTPRequestHandler):
        def do_GET(self) -> None:
            site.served.append(self.path)
            if self.path.startswith("/members/") and f"{MEMBER_COOKIE[0]}={MEMBER_COOKIE[1]}" not in (
                self.headers.get("Cookie") or ""
            ):
                self.send_error(403, "Members only")
                return
            super().do_GET()

        def log_message(self, format: str, *args: object) -> None:
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(Handler, directory=str(root)))
    site.port = server.server_address[1]
    (root / "elections.html").write_text(json_ld_page(site.url("")))
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield site
    finally:
        server.shutdown()
        server.server_close()
