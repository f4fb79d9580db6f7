"""The preview server, through real HTTP on 127.0.0.1: what players, pages and podcast apps send."""

from __future__ import annotations

import http.client
import json
import logging
import os
import random
import socket
import struct
import threading
import time
import tracemalloc
from collections.abc import Iterator
from email.utils import parsedate_to_datetime
from http.server import ThreadingHTTPServer
from pathlib import Path

import pytest

from mediapub.errors import MediapubError
from mediapub.serve import make_server, serve_forever, server_url

SECRET = b"TOP SECRET: outside the served folder"
MEDIA = random.Random(150).randbytes(1 << 20)  # 1 MiB of noise: any misplaced byte shows


@pytest.fixture
def site(tmp_path: Path) -> Path:
    """A published folder, with a secret file right beside it that must never be served."""
    (tmp_path / "secret.txt").write_bytes(SECRET)
    root = tmp_path / "public"
    episode = root / "episodes" / "150-news"
    episode.mkdir(parents=True)
    (root / "index.html").write_text("<h1>News in Review</h1>")
    (root / "feed.xml").write_text("<rss version='2.0'><channel/></rss>")
    (root / "style.css").write_text("body {}")
    (root / "player.js").write_text("export {}")
    (root / "oembed.json").write_text(json.dumps({"version": "1.0"}))
    (root / "café.txt").write_text("decoded")
    (root / "empty.bin").write_bytes(b"")
    (root / ".env").write_text("hidden")
    (root / "notes").mkdir()
    (root / "notes" / "a.txt").write_text("no listing please")
    (episode / "index.html").write_text("<h1>150</h1>")
    (episode / "150-news.mp3").write_bytes(MEDIA)
    (episode / "chapters-150.json").write_text(json.dumps({"version": "1.2.0", "chapters": []}))
    (episode / "150-news.vtt").write_text("WEBVTT\n")
    return root


@pytest.fixture
def server(site: Path) -> Iterator[ThreadingHTTPServer]:
    running = make_server(site)
    thread = threading.Thread(target=running.serve_forever, kwargs={"poll_interval": 0.01}, daemon=True)
    thread.start()
    yield running
    running.shutdown()
    running.server_close()
    thread.join()


def connect(server: ThreadingHTTPServer) -> http.client.HTTPConnection:
    host, port = server.server_address[:2]
    return http.client.HTTPConnection(str(host), port, timeout=5)


def fetch(
    server: ThreadingHTTPServer, path: str, headers: dict[str, str] | None = None, *, method: str = "GET"
) -> tuple[http.client.HTTPResponse, bytes]:
    connection = connect(server)
    try:
        connection.request(method, path, headers=headers or {})  # sent as is: http.client does not normalise
        response = connection.getresponse()
        return response, response.read()
    finally:
        connection.close()


def test_get_and_head_send_the_same_headers(server: ThreadingHTTPServer) -> None:
    got, body = fetch(server, "/feed.xml")
    head, nothing = fetch(server, "/feed.xml", method="HEAD")
    assert got.status == head.status == 200
    assert body == b"<rss version='2.0'><channel/></rss>" and nothing == b""
    same = ["Content-Type", "Content-Length", "ETag", "Last-Modified", "Accept-Ranges", "Cache-Control"]
    assert [got.getheader(name) for name in same] == [head.getheader(name) for name in same]
    assert head.getheader("Content-Length") == str(len(body))


@pytest.mark.parametrize("method", ["POST", "PUT", "DELETE", "PATCH", "PROPFIND", "BREW"])
def test_other_methods_are_refused_with_allow(server: ThreadingHTTPServer, site: Path, method: str) -> None:
    response, body = fetch(server, "/feed.xml", method=method)
    assert response.status == 405
    assert response.getheader("Allow") == "GET, HEAD, OPTIONS"
    assert body.startswith(b"405") and (site / "feed.xml").exists()


def test_a_cors_preflight_allows_cross_origin_ranges_and_revalidation(server: ThreadingHTTPServer) -> None:
    headers = {"Origin": "https://newsroom.example", "Access-Control-Request-Method": "GET",
               "Access-Control-Request-Headers": "range, if-none-match"}  # fmt: skip
    response, body = fetch(server, "/feed.xml", method="OPTIONS", headers=headers)
    assert response.status == 204 and body == b""
    assert response.getheader("Access-Control-Allow-Origin") == "*"
    assert "GET" in response.getheader("Access-Control-Allow-Methods")
    allowed = {name.strip().lower() for name in response.getheader("Access-Control-Allow-Headers").split(",")}
    assert {"range", "if-none-match"} <= allowed
    response, _ = fetch(server, "/feed.xml", headers={"Range": "bytes=0-9"})
    exposed = {name.strip() for name in response.getheader("Access-Control-Expose-Headers").split(",")}
    assert {"Content-Range", "ETag"} <= exposed


@pytest.mark.parametrize(
    "path",
    [
        "/../secret.txt",
        "/%2e%2e/secret.txt",
        "/%2E%2E/secret.txt",
        "/.%2e/secret.txt",
        "/..%2fsecret.txt",
        "/%2e%2e%2fsecret.txt",
        "/episodes/../../secret.txt",
        "/episodes/%2e%2e/%2e%2e/secret.txt",
        "/episodes%2f..%2f..%2fsecret.txt",
        "/..\\secret.txt",
        "/%5c..%5csecret.txt",
        "/..%5csecret.txt",
        "/./../secret.txt",
        "/secret.txt%00",
        "/feed.xml%00.txt",
        "//secret.txt",
        "/%ff%fe",
    ],
)
def test_paths_cannot_leave_the_served_folder(server: ThreadingHTTPServer, path: str) -> None:
    response, body = fetch(server, path)
    assert response.status in (400, 404)
    assert b"SECRET" not in body and b"rss" not in body


def test_symlinks_out_of_the_folder_are_refused(server: ThreadingHTTPServer, site: Path) -> None:
    try:
        (site / "leak.txt").symlink_to(site.parent / "secret.txt")
        (site / "up").symlink_to(site.parent, target_is_directory=True)
        (site / "feed-link.xml").symlink_to(site / "feed.xml")
    except OSError:
        pytest.skip("this file system cannot make symlinks")
    for path in ["/leak.txt", "/up/secret.txt", "/up/"]:
        response, body = fetch(server, path)
        assert response.status == 404 and SECRET not in body
    response, body = fetch(server, "/feed-link.xml")  # a link that stays inside is an ordinary file
    assert response.status == 200 and body.startswith(b"<rss")


def test_paths_are_percent_decoded_and_queries_ignored(server: ThreadingHTTPServer) -> None:
    response, body = fetch(server, "/caf%C3%A9.txt?utm_source=test&t=1")
    assert (response.status, body) == (200, b"decoded")
    response, _ = fetch(server, "/episodes/150-news/150-news.mp3?download=1", method="HEAD")
    assert response.status == 200


def test_hidden_files_are_not_served(server: ThreadingHTTPServer) -> None:
    response, body = fetch(server, "/.env")
    assert response.status == 404 and b"hidden" not in body


def test_folders_serve_their_index_page(server: ThreadingHTTPServer) -> None:
    response, body = fetch(server, "/")
    assert (response.status, body) == (200, b"<h1>News in Review</h1>")
    response, body = fetch(server, "/episodes/150-news/")
    assert (response.status, body) == (200, b"<h1>150</h1>")
    assert response.getheader("Content-Type") == "text/html; charset=utf-8"


def test_a_folder_without_its_slash_is_redirected_keeping_the_query(server: ThreadingHTTPServer) -> None:
    response, _ = fetch(server, "/episodes/150-news?ref=feed&t=2")
    assert response.status == 301
    assert response.getheader("Location") == "/episodes/150-news/?ref=feed&t=2"
    response, _ = fetch(server, "/episodes")
    assert (response.status, response.getheader("Location")) == (301, "/episodes/")


def test_folders_are_never_listed(server: ThreadingHTTPServer) -> None:
    for path in ["/notes/", "/episodes/"]:
        response, body = fetch(server, path)
        assert response.status == 404 and b"a.txt" not in body and b"150-news" not in body
    response, _ = fetch(server, "/feed.xml/")  # a bucket has no key "feed.xml/"
    assert response.status == 404


@pytest.mark.parametrize(
    ("path", "content_type"),
    [
        ("/feed.xml", "application/rss+xml"),
        ("/episodes/150-news/150-news.mp3", "audio/mpeg"),
        ("/episodes/150-news/chapters-150.json", "application/json+chapters"),
        ("/oembed.json", "application/json"),
        ("/episodes/150-news/150-news.vtt", "text/vtt"),
        ("/index.html", "text/html; charset=utf-8"),
        ("/player.js", "text/javascript; charset=utf-8"),
        ("/style.css", "text/css; charset=utf-8"),
        ("/empty.bin", "application/octet-stream"),
    ],
)
def test_content_types_are_the_ones_the_bucket_gets(server: ThreadingHTTPServer, path: str, content_type: str) -> None:
    response, _ = fetch(server, path, method="HEAD")
    assert response.status == 200
    assert response.getheader("Content-Type") == content_type
    assert response.getheader("X-Content-Type-Options") == "nosniff"


def test_not_found_is_short_plain_text_without_paths(server: ThreadingHTTPServer, site: Path) -> None:
    for path in ["/missing.mp3", "/episodes/150-news/nothing/", "/../secret.txt"]:
        response, body = fetch(server, path)
        assert response.getheader("Content-Type") == "text/plain; charset=utf-8"
        assert len(body) < 40 and b"\n" not in body.rstrip(b"\n")
        assert str(site).encode() not in body and b"Traceback" not in body and b"public" not in body
    assert fetch(server, "/missing.mp3")[1] == b"404 Not Found\n"


def test_every_answer_says_no_cache_and_allows_any_origin(server: ThreadingHTTPServer) -> None:
    etag = fetch(server, "/feed.xml")[0].getheader("ETag")
    answers = [
        fetch(server, "/episodes/150-news/chapters-150.json")[0],
        fetch(server, "/feed.xml", {"If-None-Match": str(etag)})[0],
        fetch(server, "/missing")[0],
        fetch(server, "/episodes/150-news/150-news.mp3", {"Range": "bytes=0-1"})[0],
    ]
    assert [answer.status for answer in answers] == [200, 304, 404, 206]
    for answer in answers:
        assert answer.getheader("Cache-Control") == "no-cache"
        assert answer.getheader("Access-Control-Allow-Origin") == "*"


SIZE = len(MEDIA)


@pytest.mark.parametrize(
    ("header", "first", "last"),
    [
        ("bytes=0-99", 0, 99),
        ("bytes=1000-", 1000, SIZE - 1),
        ("bytes=-500", SIZE - 500, SIZE - 1),
        (f"bytes=-{SIZE * 2}", 0, SIZE - 1),
        (f"bytes={SIZE - 10}-{SIZE * 3}", SIZE - 10, SIZE - 1),
        ("BYTES = 7-7", 7, 7),
    ],
)
def test_a_byte_range_gets_exactly_that_slice(server: ThreadingHTTPServer, header: str, first: int, last: int) -> None:
    response, body = fetch(server, "/episodes/150-news/150-news.mp3", {"Range": header})
    assert response.status == 206
    assert response.getheader("Content-Range") == f"bytes {first}-{last}/{SIZE}"
    assert response.getheader("Content-Length") == str(last - first + 1)
    assert response.getheader("Content-Type") == "audio/mpeg"
    assert body == MEDIA[first : last + 1]


def test_several_ranges_come_as_multipart_byteranges(server: ThreadingHTTPServer) -> None:
    response, body = fetch(server, "/episodes/150-news/150-news.mp3", {"Range": "bytes=0-9, 5000-5999,-16"})
    assert response.status == 206
    content_type = str(response.getheader("Content-Type"))
    assert content_type.startswith("multipart/byteranges; boundary=")
    assert response.getheader("Content-Length") == str(len(body))
    delimiter = b"--" + content_type.split("boundary=")[1].encode()
    chunks = body.split(delimiter)
    assert chunks[0] == b"" and chunks[-1] == b"--\r\n"
    wanted = [(0, 9), (5000, 5999), (SIZE - 16, SIZE - 1)]
    assert len(chunks[1:-1]) == len(wanted)
    for chunk, (first, last) in zip(chunks[1:-1], wanted, strict=True):
        head, _, payload = chunk.partition(b"\r\n\r\n")
        assert head.split(b"\r\n")[1:] == [
            b"Content-Type: audio/mpeg",
            f"Content-Range: bytes {first}-{last}/{SIZE}".encode(),
        ]
        assert payload.endswith(b"\r\n")  # the CRLF before the next delimiter is part of it
        assert payload[:-2] == MEDIA[first : last + 1]


@pytest.mark.parametrize(
    "header", [f"bytes={SIZE}-", f"bytes={SIZE + 10}-{SIZE + 20}", "bytes=-0", f"bytes={SIZE}-,-0"]
)
def test_a_range_past_the_end_is_not_satisfiable(server: ThreadingHTTPServer, header: str) -> None:
    response, body = fetch(server, "/episodes/150-news/150-news.mp3", {"Range": header})
    assert response.status == 416
    assert response.getheader("Content-Range") == f"bytes */{SIZE}"
    assert MEDIA[:16] not in body


@pytest.mark.parametrize(
    "header",
    [
        "bytes=abc",
        "bytes=5-3",
        "items=0-5",
        "bytes=",
        "bytes=--5",
        "bytes=1-2-3",
        "0-5",
        "bytes=" + ",".join(["0-0"] * 65),
    ],
)
def test_a_malformed_range_is_ignored(server: ThreadingHTTPServer, header: str) -> None:
    response, body = fetch(server, "/episodes/150-news/150-news.mp3", {"Range": header})
    assert response.status == 200 and body == MEDIA


def test_if_range_honours_the_range_only_for_the_same_file(server: ThreadingHTTPServer) -> None:
    path = "/episodes/150-news/150-news.mp3"
    full, _ = fetch(server, path, method="HEAD")
    etag, modified = str(full.getheader("ETag")), str(full.getheader("Last-Modified"))
    cases = [(etag, 206), (modified, 206), ('"another-file"', 200), (f"W/{etag}", 200)]
    for if_range, status in cases:
        response, body = fetch(server, path, {"Range": "bytes=10-19", "If-Range": if_range})
        assert response.status == status, if_range
        assert body == (MEDIA[10:20] if status == 206 else MEDIA)


def test_a_player_seeking_gets_every_slice_byte_for_byte(server: ThreadingHTTPServer) -> None:
    """An audio element streams ``bytes=0-``, drops it at a seek, asks again from there, and so on."""
    seeks = [
        ("bytes=0-", 0, SIZE - 1),
        ("bytes=700000-", 700_000, SIZE - 1),
        ("bytes=300000-300099", 300_000, 300_099),
        ("bytes=-4096", SIZE - 4096, SIZE - 1),
        ("bytes=123457-188888", 123_457, 188_888),
        ("bytes=65536-", 65_536, SIZE - 1),
        (f"bytes={SIZE - 1}-", SIZE - 1, SIZE - 1),
    ]
    connection = connect(server)
    for header, first, last in seeks:
        connection.request("GET", "/episodes/150-news/150-news.mp3", headers={"Range": header})
        response = connection.getresponse()
        assert response.status == 206
        assert response.getheader("Content-Range") == f"bytes {first}-{last}/{SIZE}"
        if last - first >= 1 << 16:  # a long stream is dropped part way, as a player does when it seeks
            assert response.read(1 << 16) == MEDIA[first : first + (1 << 16)]
            connection.close()
            connection = connect(server)
        else:
            assert response.read() == MEDIA[first : last + 1]
    connection.close()


def test_big_files_are_streamed_not_read_into_memory(server: ThreadingHTTPServer, site: Path) -> None:
    big = site / "big.mp4"
    with big.open("wb") as file:
        file.truncate(64 << 20)  # sparse: 64 MiB of zeros at no cost
    connection = connect(server)
    tracemalloc.start()
    try:
        connection.request("GET", "/big.mp4")
        response = connection.getresponse()
        received = 0
        while chunk := response.read(1 << 16):
            received += len(chunk)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
        connection.close()
    assert received == 64 << 20
    assert peak < 8 << 20


def test_feed_validators_give_304_until_the_feed_changes(server: ThreadingHTTPServer, site: Path) -> None:
    """What podcast apps do every few minutes: poll feed.xml with the validators of their last copy."""
    first, _ = fetch(server, "/feed.xml")
    etag, modified = str(first.getheader("ETag")), str(first.getheader("Last-Modified"))
    assert etag.startswith('"') and etag.endswith('"') and not etag.startswith("W/")
    assert parsedate_to_datetime(modified).timestamp() == int((site / "feed.xml").stat().st_mtime)
    for headers in [
        {"If-None-Match": etag},
        {"If-None-Match": f'"stale", {etag}'},
        {"If-None-Match": f"W/{etag}"},
        {"If-None-Match": "*"},
        {"If-Modified-Since": modified},
        {"If-Modified-Since": "Fri, 01 Jan 2100 00:00:00 GMT"},
    ]:
        response, body = fetch(server, "/feed.xml", headers)
        assert response.status == 304, headers
        assert body == b"" and response.getheader("ETag") == etag
    for headers in [
        {"If-None-Match": '"stale"'},
        {"If-Modified-Since": "Fri, 16 Nov 2018 00:00:00 GMT"},
        {"If-None-Match": '"stale"', "If-Modified-Since": modified},  # If-None-Match alone decides
        {"If-Modified-Since": "not a date"},
    ]:
        response, body = fetch(server, "/feed.xml", headers)
        assert response.status == 200 and body.startswith(b"<rss"), headers

    feed = site / "feed.xml"
    stat = feed.stat()
    os.utime(feed, ns=(stat.st_atime_ns, stat.st_mtime_ns + 2_000_000_000))  # touched: same bytes, new mtime
    touched, _ = fetch(server, "/feed.xml", {"If-None-Match": etag})
    assert touched.status == 200 and touched.getheader("ETag") != etag
    feed.write_text("<rss version='2.0'><channel><item/></channel></rss>")  # republished
    changed, body = fetch(server, "/feed.xml", {"If-None-Match": str(touched.getheader("ETag"))})
    assert changed.status == 200 and body == feed.read_bytes()
    assert changed.getheader("ETag") not in (etag, touched.getheader("ETag"))


def test_empty_files_are_served(server: ThreadingHTTPServer) -> None:
    response, body = fetch(server, "/empty.bin")
    assert (response.status, body, response.getheader("Content-Length")) == (200, b"", "0")
    assert fetch(server, "/empty.bin", {"Range": "bytes=0-"})[0].status == 416


def test_a_client_leaving_mid_body_is_logged_quietly(
    server: ThreadingHTTPServer,
    site: Path,
    caplog: pytest.LogCaptureFixture,
    capsys: pytest.CaptureFixture[str],
) -> None:
    caplog.set_level(logging.DEBUG, logger="mediapub.serve")
    with (site / "big.mp4").open("wb") as file:
        file.truncate(64 << 20)  # far more than the socket buffers hold
    host, port = server.server_address[:2]
    client = socket.create_connection((str(host), port), timeout=5)
    client.sendall(b"GET /big.mp4 HTTP/1.1\r\nHost: preview\r\n\r\n")
    assert client.recv(1024).startswith(b"HTTP/1.1 200")
    client.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))  # reset, as a closed tab does
    client.close()
    deadline = time.monotonic() + 3
    while not any("disconnected" in record.getMessage() for record in caplog.records):
        assert time.monotonic() < deadline, "the server never noticed the client leave"
        time.sleep(0.01)
    assert fetch(server, "/feed.xml")[0].status == 200  # and it carries on
    assert not [record for record in caplog.records if record.levelno >= logging.WARNING]
    assert any('"GET /feed.xml HTTP/1.1" 200' in record.getMessage() for record in caplog.records)
    assert capsys.readouterr().err == ""


def test_make_server_refuses_what_it_cannot_serve(tmp_path: Path, site: Path) -> None:
    for root in [tmp_path / "missing", site / "feed.xml"]:
        with pytest.raises(MediapubError, match="not a folder") as raised:
            make_server(root)
        assert "\n" not in str(raised.value)
    taken = socket.socket()
    taken.bind(("127.0.0.1", 0))
    taken.listen()
    try:
        port = taken.getsockname()[1]
        with pytest.raises(MediapubError, match=f"port {port} .*already in use"):
            make_server(site, port=port)
    finally:
        taken.close()


def test_serve_forever_serves_until_shut_down_then_frees_the_port(site: Path) -> None:
    running = make_server(site)
    assert running.server_address[1] > 0
    assert server_url(running) == f"http://127.0.0.1:{running.server_address[1]}/"
    thread = threading.Thread(target=serve_forever, args=(running,), daemon=True)
    thread.start()
    assert fetch(running, "/feed.xml")[0].status == 200
    running.shutdown()
    thread.join(timeout=3)
    assert not thread.is_alive() and running.socket.fileno() == -1


def test_ipv6_loopback_is_served_with_a_bracketed_url(site: Path) -> None:
    try:
        running = make_server(site, host="::1")
    except MediapubError:
        pytest.skip("no IPv6 loopback here")
    thread = threading.Thread(target=running.serve_forever, kwargs={"poll_interval": 0.01}, daemon=True)
    thread.start()
    try:
        assert server_url(running) == f"http://[::1]:{running.server_address[1]}/"
        assert fetch(running, "/feed.xml")[0].status == 200
    finally:
        running.shutdown()
        running.server_close()
