"""The published pages in headless Chromium (Debian's package, driven by Playwright), served by `mediapub serve`.

The example show is published with its base URL pointing at the preview
server, so every absolute link (oEmbed, canonical) resolves locally. Nothing
leaves 127.0.0.1: the one outside address a page may load, YouTube's player,
is answered by a stand-in route, which also records when it was asked for.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

from mediapub.serve import make_server

pytestmark = [pytest.mark.browser, pytest.mark.slow]

SLUG = "151-brexit-withdrawal-agreement"
#: What the probe of this machine found Chromium needs in a closed network.
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--disable-dev-shm-usage"]  # fmt: skip


def chromium_path() -> str:
    found = os.environ.get("MEDIAPUB_CHROMIUM") or shutil.which("chromium") or shutil.which("chromium-browser")
    if found:
        return found
    if os.environ.get("CI"):
        pytest.fail("Chromium is missing: the README's test command runs tests/setup-browser.sh to install it")
    pytest.skip("no Chromium here: run tests/setup-browser.sh (or set MEDIAPUB_CHROMIUM)")


@pytest.fixture(scope="module")
def browser() -> Iterator[object]:
    playwright = pytest.importorskip("playwright.sync_api")
    path = chromium_path()
    with playwright.sync_playwright() as driver:
        launched = driver.chromium.launch(executable_path=path, headless=True, args=CHROMIUM_ARGS)
        yield launched
        launched.close()


def start(root: Path) -> tuple[str, object]:
    server = make_server(root, host="127.0.0.1", port=0)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return f"http://127.0.0.1:{server.server_address[1]}/", server


@pytest.fixture
def site(show_dir, tmp_path, run_cli) -> Iterator[str]:
    """The example show, published into a folder that the real `mediapub serve` command serves on 127.0.0.1."""
    public = tmp_path / "public"
    public.mkdir()
    command = [sys.executable, "-m", "mediapub", "serve", str(public), "--port", "0"]
    server = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        first = server.stdout.readline() if server.stdout else ""
        found = re.search(r" at (http://127\.0\.0\.1:\d+/)", first)
        assert found, first + (server.stderr.read() if server.stderr and server.poll() is not None else "")
        base = found[1]
        result = run_cli("publish", "episodes", "--out", "public", "--base-url", base)
        assert result.exit_code == 0, result.output
        yield base
    finally:
        server.terminate()
        server.wait(timeout=10)


class Watched:
    """A page with its console errors, uncaught exceptions and outside requests recorded."""

    def __init__(self, context: object) -> None:
        self.page = context.new_page()
        self.errors: list[str] = []
        self.youtube: list[str] = []
        self.page.on("console", lambda message: message.type == "error" and self.errors.append(message.text))
        self.page.on("pageerror", lambda error: self.errors.append(str(error)))
        self.page.on("dialog", lambda dialog: (self.errors.append(f"dialog: {dialog.message}"), dialog.dismiss()))

        def youtube(route: object) -> None:
            self.youtube.append(route.request.url)
            route.fulfill(status=200, content_type="text/html", body="<!doctype html><title>YouTube stand-in</title>")

        self.page.route("https://www.youtube-nocookie.com/**", youtube)


def test_the_episode_page_plays_seeks_by_chapter_and_loads_youtube_only_on_click(browser, site) -> None:
    context = browser.new_context(viewport={"width": 390, "height": 844})  # a phone
    watched = Watched(context)
    page = watched.page
    page.goto(f"{site}episodes/{SLUG}/")
    page.wait_for_load_state("networkidle")
    assert watched.errors == []
    enclosure = page.evaluate("document.getElementById('audio').currentSrc")
    feed = (page.context.request.get(f"{site}feed.xml")).text()
    assert f'url="{enclosure}"' in feed  # the page's player plays the feed's enclosure

    page.get_by_role("link", name="Play from 0:19: Letters of no confidence").click()
    page.wait_for_function(
        "() => { const a = document.getElementById('audio'); return !a.paused && a.currentTime >= 19; }"
    )
    current = page.locator(".chapters li[aria-current='true'] .title").inner_text()
    assert current == "Letters of no confidence"

    caption = page.locator("[data-caption]")
    caption.wait_for()  # browsers show no captions for audio: the page shows the current line itself
    assert caption.inner_text() == "Conservative MPs are sending in letters of no confidence."

    page.evaluate("document.getElementById('audio').pause()")
    page.get_by_role("link", name="Play from 0:08: The draft Withdrawal Agreement and the Cabinet resignations").focus()
    page.keyboard.press("Enter")  # by keyboard, back to an earlier chapter: only the seek can get it there
    landed = "() => { const t = document.getElementById('audio').currentTime; return t >= 8 && t < 9.5; }"
    page.wait_for_function(landed, timeout=5000)

    assert page.locator("iframe").count() == 0 and watched.youtube == []  # nothing from YouTube before the click
    page.get_by_role("link", name="Play the video").click()
    frame = page.locator("iframe")
    frame.wait_for()
    assert frame.get_attribute("src") == "https://www.youtube-nocookie.com/embed/Qm9V8kT3xNw?autoplay=1"
    assert watched.youtube[0].startswith("https://www.youtube-nocookie.com/embed/Qm9V8kT3xNw")
    assert watched.errors == []
    context.close()


def test_the_oembed_document_is_discovered_from_the_page(browser, site) -> None:
    watched = Watched(browser.new_context())
    page = watched.page
    page.goto(f"{site}episodes/{SLUG}/")
    found = page.evaluate(
        """async () => {
            const link = document.querySelector('link[rel=alternate][type="application/json+oembed"]');
            const response = await fetch(link.href);
            return {href: link.href, type: response.headers.get('content-type'), body: await response.json()};
        }"""
    )
    assert found["href"] == f"{site}episodes/{SLUG}/oembed.json" and found["type"].startswith("application/json")
    oembed = found["body"]
    assert (oembed["version"], oembed["type"]) == ("1.0", "rich")
    assert oembed["title"] == "Brexit Withdrawal Agreement may lead to Theresa May's downfall"
    assert f'src="{site}episodes/{SLUG}/embed/index.html"' in oembed["html"]
    assert oembed["thumbnail_url"].startswith(site) and page.context.request.get(oembed["thumbnail_url"]).ok
    assert watched.errors == []


def test_the_embed_player_works_inside_a_third_party_page(browser, site, tmp_path) -> None:
    host_root = tmp_path / "newsroom"
    host_root.mkdir()
    snippet = json.loads((tmp_path / "public" / "episodes" / SLUG / "oembed.json").read_text())["html"]
    (host_root / "index.html").write_text(f"<!doctype html><title>An article</title><p>Listen:</p>{snippet}")
    host, server = start(host_root)  # another port: another origin
    try:
        watched = Watched(browser.new_context(color_scheme="dark"))
        page = watched.page
        page.goto(host)
        frame = page.frame_locator("iframe")
        play = frame.get_by_role("button", name="Play")
        play.click()
        embed = next(f for f in page.frames if f.url.startswith(f"{site}episodes/{SLUG}/embed/"))
        embed.wait_for_function("() => !document.getElementById('audio').paused")
        assert frame.get_by_role("button", name="Pause").is_visible()
        frame.get_by_label("Playback speed").select_option("1.5")
        assert embed.evaluate("document.getElementById('audio').playbackRate") == 1.5
        embed.evaluate("document.getElementById('audio').pause()")
        frame.get_by_label("Chapter").select_option(label="0:25 The Northern Ireland backstop")
        embed.wait_for_function("() => document.getElementById('audio').currentTime === 25", timeout=5000)
        assert embed.evaluate("document.getElementById('audio').paused")  # choosing a chapter does not start it
        frame.get_by_label("Seek").fill("5")
        embed.wait_for_function("() => Math.abs(document.getElementById('audio').currentTime - 5) < 0.01", timeout=5000)
        assert frame.get_by_label("Seek").get_attribute("aria-valuetext") == "0:05 of 0:41"
        background = embed.evaluate("getComputedStyle(document.querySelector('.embed-player')).backgroundColor")
        assert background == "rgb(28, 30, 34)"  # the dark card, following the reader's system setting
        # A web player on the newsroom's own origin may read the media by ranges, revalidating as it goes
        # (If-None-Match is not a "simple" header: the browser sends a CORS preflight first).
        enclosure = embed.evaluate("document.getElementById('audio').currentSrc")
        read = """async url => {
            const r = await fetch(url, {headers: {Range: 'bytes=0-9', 'If-None-Match': '"old"'}});
            return [r.status, r.headers.get('content-range'), (await r.arrayBuffer()).byteLength]; }"""
        ranged = page.evaluate(read, enclosure)
        assert ranged[0] == 206 and ranged[1].startswith("bytes 0-9/") and ranged[2] == 10
        back = frame.get_by_role("link", name="Show notes and more episodes")
        assert back.get_attribute("target") == "_blank"
        back_to = embed.evaluate("new URL(document.querySelector('.more a').href).href")
        assert back_to == f"{site}episodes/{SLUG}/index.html"
        assert watched.errors == []
    finally:
        server.shutdown()
        server.server_close()


def test_hostile_notes_run_no_script(browser, show_dir, tmp_path) -> None:
    from mediapub.config import load_show
    from mediapub.site import Site, SiteLinks
    from tests.test_site import hostile_episode

    public = tmp_path / "hostile"
    public.mkdir()
    base, server = start(public)
    try:
        show = load_show(show_dir).show
        (public / "artwork").mkdir()
        shutil.copy(show.artwork, public / "artwork" / "c.png")
        item = hostile_episode(show_dir)
        from mediapub.model import StoredObject

        artwork = StoredObject(key="artwork/c.png", url=f"{base}artwork/c.png", size=1, content_type="image/png",
                               sha256="0" * 64, written=True)  # fmt: skip
        links = SiteLinks(feed_url=f"{base}feed.xml", artwork=artwork, public_url=lambda key: base + key)
        for file in Site(show).build([item], links):
            target = public / file.key
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(file.data)
        watched = Watched(browser.new_context())
        page = watched.page
        page.goto(f"{base}episodes/{item.episode.slug}/")
        page.wait_for_load_state("networkidle")
        page.locator(".notes").get_by_text("click", exact=True).click()  # was a javascript: link
        assert page.evaluate("typeof window.__pwned") == "undefined"
        assert [e for e in watched.errors if "__pwned" in e or e.startswith("dialog")] == []
        assert page.locator(".notes script, .notes img, .notes iframe").count() == 0
    finally:
        server.shutdown()
        server.server_close()


@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_every_kind_of_page_passes_axe_in_light_and_dark(browser, site, scheme) -> None:
    """axe-core (Deque's accessibility engine, bundled in axe-playwright-python): labels, names, landmarks,
    headings, and text contrast in both colour schemes."""
    from axe_playwright_python.sync_playwright import Axe

    axe = Axe()
    context = browser.new_context(color_scheme=scheme)
    for path in ("index.html", f"episodes/{SLUG}/index.html", f"episodes/{SLUG}/embed/index.html",
                 "episodes/150-midterms/index.html"):  # fmt: skip
        page = context.new_page()
        page.goto(site + path)
        page.wait_for_load_state("networkidle")
        violations = axe.run(page).response["violations"]
        assert [(v["id"], [n["target"] for n in v["nodes"]]) for v in violations] == [], path
    context.close()
