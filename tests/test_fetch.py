"""Fetching linked pages from real HTTP servers on 127.0.0.1: every hostile server ends within its limits."""

from __future__ import annotations

import gzip
import re
import threading
import time
from collections.abc import Callable, Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from mediapub.fetch import FetchFailure, FetchLimits, Page, fetch_pages

ARTICLE = b"<html><head><title>Story</title></head><body><article><h1>Story</h1><p>Text.</p></article></body></html>"


class Handler(BaseHTTPRequestHandler):
    """Behaves according to the path: each path is one kind of server a producer's link might reach."""

    protocol_version = "HTTP/1.1"
    delay = 0.0
    active: list[int]  # set per server: how many requests are in flight right now, and the most seen

    def log_message(self, *args: object) -> None:  # keep the test output clean
        pass

    def _send(self, status: int, body: bytes, content_type: str = "text/html; charset=utf-8", **headers: str) -> None:
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        for name, value in headers.items():
            self.send_header(name.replace("_", "-"), value)
        self.end_headers()
        self.wfile.write(body)

    def do_GET(self) -> None:
        self.active[0] += 1
        self.active[1] = max(self.active[1], self.active[0])
        try:
            self._route()
        except (BrokenPipeError, ConnectionResetError):
            pass
        finally:
            self.active[0] -= 1

    def _route(self) -> None:
        path = self.path
        if path.startswith("/slow"):
            time.sleep(self.delay)
            self._send(200, ARTICLE)
        elif path == "/ok":
            self._send(200, ARTICLE)
        elif path == "/trickle":
            self.send_response(200)
            self.send_header("Content-Type", "text/html")
            self.send_header("Content-Length", "100000")
            self.end_headers()
            for _ in range(100):
                self.wfile.write(b"<")
                self.wfile.flush()
                time.sleep(1)
        elif path == "/endless":
            self.send_response(200)
            self.send_header("Content-Type", "text/html")
            self.send_header("Transfer-Encoding", "chunked")
            self.end_headers()
            chunk = b"<p>" + b"x" * 65536 + b"</p>"
            while True:
                self.wfile.write(f"{len(chunk):x}\r\n".encode() + chunk + b"\r\n")
        elif path == "/big":
            self._send(200, b"<p>" + b"y" * 6_000_000)
        elif path == "/bomb":
            body = gzip.compress(b"<p>" + b"z" * 50_000_000)
            self._send(200, body, Content_Encoding="gzip")
        elif path == "/binary":
            self._send(200, bytes(range(256)) * 100, "image/png")
        elif path == "/missing":
            self._send(404, b"not here")
        elif path == "/broken":
            self._send(500, b"oops")
        elif path.startswith("/loop"):
            self._send(302, b"", Location="/loop-again" if path == "/loop" else "/loop")
        elif path == "/to-file":
            self._send(302, b"", Location="file:///etc/passwd")
        elif path == "/moved":
            self._send(301, b"", Location="/ok")
        else:
            self._send(404, b"")


@pytest.fixture
def server() -> Iterator[Callable[..., str]]:
    """Start HTTP servers on 127.0.0.1 (one per call); returns a function giving a base URL."""
    servers: list[ThreadingHTTPServer] = []

    def start(delay: float = 0.0) -> tuple[str, list[int]]:
        active = [0, 0]
        handler = type("H", (Handler,), {"delay": delay, "active": active})
        httpd = ThreadingHTTPServer(("127.0.0.1", 0), handler)
        httpd.daemon_threads = True
        threading.Thread(target=httpd.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True).start()
        servers.append(httpd)
        return f"http://127.0.0.1:{httpd.server_address[1]}", active

    yield start
    for httpd in servers:
        httpd.shutdown()
        httpd.server_close()


def test_a_page_and_a_redirect_are_fetched(server) -> None:
    base, _ = server()
    results = fetch_pages([f"{base}/ok", f"{base}/moved"])
    for url in results:
        page = results[url]
        assert isinstance(page, Page) and page.body == ARTICLE and page.charset == "utf-8"
    assert results[f"{base}/moved"].final_url == f"{base}/ok"  # type: ignore[union-attr]


@pytest.mark.parametrize(
    ("path", "reason"),
    [
        ("/trickle", r"took longer than 2 s"),
        ("/endless", r"larger than 1 MB"),
        ("/big", r"larger than 1 MB"),
        ("/bomb", r"larger than 1 MB"),
        ("/binary", r"is not a web page \(image/png\)"),
        ("/missing", r"answered 404 Not Found"),
        ("/broken", r"answered 500 Internal Server Error"),
        ("/loop", r"more than 5 redirects"),
        ("/to-file", r"not http\(s\)"),
    ],
)
def test_hostile_servers_end_within_their_limits(server, path, reason) -> None:
    base, _ = server()
    limits = FetchLimits(page_seconds=2.0, episode_seconds=10.0, max_bytes=1_000_000)
    started = time.monotonic()
    (result,) = fetch_pages([base + path], limits).values()
    assert time.monotonic() - started < 4.0
    assert isinstance(result, FetchFailure)
    assert re.search(reason, result.reason), result.reason


@pytest.mark.parametrize("url", ["ftp://127.0.0.1/x", "file:///etc/passwd", "javascript:alert(1)", "/relative"])
def test_only_http_links_are_fetched(url) -> None:
    (result,) = fetch_pages([url]).values()
    assert isinstance(result, FetchFailure) and "only http(s) links are fetched" in result.reason


def test_twenty_slow_pages_on_different_hosts_are_fetched_at_once(server) -> None:
    """Twenty sites that each take a second per page: all at once, not one after another."""
    urls = [f"{server(delay=1.0)[0]}/slow" for _ in range(20)]
    started = time.monotonic()
    results = fetch_pages(urls)
    elapsed = time.monotonic() - started
    assert all(isinstance(result, Page) for result in results.values())
    assert elapsed < 6.0, elapsed


def test_one_host_gets_one_connection_at_a_time(server) -> None:
    base, active = server(delay=0.3)
    started = time.monotonic()
    results = fetch_pages([f"{base}/slow{index}" for index in range(4)])
    assert all(isinstance(result, Page) for result in results.values())
    assert active[1] == 1  # never two requests in flight to the same host
    assert time.monotonic() - started >= 1.2


def test_the_episode_deadline_stops_everything(server) -> None:
    base, _ = server()
    slow, _ = server(delay=5.0)
    limits = FetchLimits(page_seconds=10.0, episode_seconds=1.5)
    started = time.monotonic()
    results = fetch_pages([f"{base}/ok", f"{slow}/slow"], limits)
    assert time.monotonic() - started < 3.0
    assert isinstance(results[f"{base}/ok"], Page)
    assert "within the episode's 1.5 s" in results[f"{slow}/slow"].reason  # type: ignore[union-attr]


def test_the_user_agent_names_mediapub() -> None:
    seen: list[str] = []

    class Recorder(Handler):
        def _route(self) -> None:
            seen.append(self.headers.get("User-Agent", ""))
            self._send(200, ARTICLE)

    httpd = ThreadingHTTPServer(("127.0.0.1", 0), type("R", (Recorder,), {"active": [0, 0]}))
    threading.Thread(target=httpd.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True).start()
    try:
        fetch_pages([f"http://127.0.0.1:{httpd.server_address[1]}/"])
    finally:
        httpd.shutdown()
        httpd.server_close()
    assert seen and seen[0].startswith("mediapub/")
