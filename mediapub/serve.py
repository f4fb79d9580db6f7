"""Preview a published folder over HTTP the way the production host serves it.

``mediapub publish --out DIR`` lays files out exactly as the bucket behind the CDN holds them.
Pages, embed players and podcast apps only show their bugs over HTTP, though: a player seeks with
byte ranges, an app polls the feed with ``If-None-Match``, a page on another origin fetches chapters
and transcripts through CORS. This server answers those requests the way the CDN / S3 in front of
the same files does (content types from the storage layer, ranges, validators, folder index pages),
so all of it can be tried on a local URL before anything is uploaded. The one deliberate difference:
nothing may be cached (``no-cache``), so a republish shows at once.
"""

from __future__ import annotations

import email.utils
import errno
import logging
import os
import re
import secrets
import socket
import socketserver
from datetime import UTC
from email.message import Message
from functools import partial
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any, BinaryIO
from urllib.parse import unquote

from .errors import MediapubError
from .storage.base import content_type_for

log = logging.getLogger("mediapub.serve")

#: Sent with every answer: previews are never cached, and web players on any origin may read them.
_ALWAYS = {
    "Cache-Control": "no-cache",
    "Access-Control-Allow-Origin": "*",
    # What a web player on another origin needs to read to seek and to revalidate, as a bucket's CORS rule gives.
    "Access-Control-Expose-Headers": "Content-Range, Content-Length, Accept-Ranges, ETag, Last-Modified",
    "X-Content-Type-Options": "nosniff",
}
#: The answer to a CORS preflight: the reads a player on another origin makes (ranges, conditional requests).
_PREFLIGHT = {
    "Allow": "GET, HEAD, OPTIONS",
    "Access-Control-Allow-Methods": "GET, HEAD",
    "Access-Control-Allow-Headers": "Range, If-None-Match, If-Modified-Since, If-Range",
    "Access-Control-Max-Age": "3600",
    "Content-Length": "0",
}
#: More parts than any player asks for is a client probing: the Range header is ignored (RFC 9110 §14.2).
_MAX_RANGES = 64
_CRLF = "\r\n"
_RANGE = re.compile(r"(\d*)-(\d*)")
_ENTITY_TAG = re.compile(r'(?:W/)?"[^"]*"')
#: Request lines are logged; a crafted one must not drive the terminal.
_CONTROL = str.maketrans({code: f"\\x{code:02x}" for code in [*range(0x20), *range(0x7F, 0xA0)]})


class _Answer(Exception):
    """A request that names no file to send: the status (and redirect) to answer with instead."""

    def __init__(self, status: HTTPStatus, *, location: str | None = None) -> None:
        super().__init__(status.phrase)
        self.status = status
        self.location = location


def _inside(root: Path, path: Path) -> Path:
    """``path`` with every symlink resolved, provided it still lies under ``root``: links never lead out."""
    try:
        resolved = path.resolve(strict=True)
    except (OSError, RuntimeError):  # missing, unreadable, or a symlink loop
        raise _Answer(HTTPStatus.NOT_FOUND) from None
    if not resolved.is_relative_to(root):
        raise _Answer(HTTPStatus.NOT_FOUND)
    return resolved


def _locate(root: Path, target: str) -> tuple[Path, str]:
    """The file under ``root`` (resolved) that a request target names, and the key name its type comes from.

    Segments are split *before* percent-decoding, so ``%2F`` can never join two names and ``%2e%2e``
    is as refused as ``..``. Targets no browser sends (dot segments, backslashes, NULs) are a 400;
    names a bucket cannot hold (empty segments, hidden files, a file named with a trailing slash)
    are a 404, as they would be in production.
    """
    path, _, query = target.partition("?")
    if not path.startswith("/") or "\\" in path:
        raise _Answer(HTTPStatus.BAD_REQUEST)
    segments = path[1:].split("/")
    folder_url = segments[-1] == ""
    try:
        names = [unquote(segment, errors="strict") for segment in (segments[:-1] if folder_url else segments)]
    except UnicodeDecodeError:
        raise _Answer(HTTPStatus.BAD_REQUEST) from None
    for name in names:
        if name in (".", "..") or any(char in name for char in "/\\\0"):
            raise _Answer(HTTPStatus.BAD_REQUEST)
        if not name or name.startswith("."):  # keys never have these (storage.check_key); temp files do
            raise _Answer(HTTPStatus.NOT_FOUND)
    resolved = _inside(root, root.joinpath(*names))
    if resolved.is_dir():
        if not folder_url:  # relative links in its index page only work under the slash form
            raise _Answer(HTTPStatus.MOVED_PERMANENTLY, location=f"{path}/" + (f"?{query}" if query else ""))
        resolved, names = _inside(root, resolved / "index.html"), [*names, "index.html"]
    elif folder_url:
        raise _Answer(HTTPStatus.NOT_FOUND)
    if not resolved.is_file():  # a FIFO or device would block or never end
        raise _Answer(HTTPStatus.NOT_FOUND)
    return resolved, names[-1]


def _http_date(value: str | None) -> float | None:
    """Seconds since the epoch for an HTTP date, or None for anything unparseable (then it is ignored)."""
    try:
        when = email.utils.parsedate_to_datetime(value or "")
    except (TypeError, ValueError):
        return None
    return (when if when.tzinfo else when.replace(tzinfo=UTC)).timestamp()


def _not_modified(headers: Message, etag: str, mtime: float) -> bool:
    """Whether the client's copy is current (RFC 9110 §13.2.2: If-None-Match, when sent, decides alone)."""
    wanted = headers.get("If-None-Match")
    if wanted is not None:  # weak comparison: W/"x" matches "x"
        tags = {tag.removeprefix("W/") for tag in _ENTITY_TAG.findall(wanted)}
        return wanted.strip() == "*" or etag in tags
    since = _http_date(headers.get("If-Modified-Since"))
    return since is not None and int(mtime) <= since  # Last-Modified has whole seconds


def _range_applies(if_range: str | None, etag: str, mtime: float) -> bool:
    """Whether a Range is for the file as it is now; otherwise the whole (new) file is sent."""
    if if_range is None:
        return True
    if if_range.strip().startswith(('"', "W/")):
        return if_range.strip() == etag  # strong comparison: a weak tag never matches
    return _http_date(if_range) == int(mtime)


def _byte_ranges(header: str | None, size: int) -> list[tuple[int, int]] | None:
    """The satisfiable ``(first, last)`` byte pairs a Range header asks for.

    ``[]`` means none is satisfiable (416); ``None`` means the header is absent or malformed and is
    ignored, so the whole file is sent, as RFC 9110 §14.2 asks.
    """
    unit, _, specs = (header or "").partition("=")
    items = [item.strip() for item in specs.split(",") if item.strip()]
    if unit.strip().lower() != "bytes" or not 0 < len(items) <= _MAX_RANGES:
        return None
    ranges = []
    for item in items:
        match = _RANGE.fullmatch(item)
        if not match or match.groups() == ("", ""):
            return None
        first, last = (int(group) if group else None for group in match.groups())
        if first is None:  # a suffix: the last n bytes
            if last and size:
                ranges.append((max(0, size - last), size - 1))
        elif last is not None and last < first:
            return None
        elif first < size:
            ranges.append((first, size - 1 if last is None else min(last, size - 1)))
    return ranges


class _PreviewHandler(BaseHTTPRequestHandler):
    """Answers GET and HEAD for files under one root; everything else is refused."""

    protocol_version = "HTTP/1.1"  # keep-alive: a player seeks with many range requests on one connection
    server_version = "mediapub-preview"
    timeout = 60  # an idle keep-alive connection gives its thread back
    # Headers and body go out in separate writes; with Nagle's algorithm on, each small response on a
    # keep-alive connection waits for the client's delayed ACK (40 ms): 22 feed polls a second instead of 1,500.
    disable_nagle_algorithm = True

    def __init__(self, *args: Any, root: Path, **kwargs: Any) -> None:
        self.root = root
        super().__init__(*args, **kwargs)

    def handle(self) -> None:
        try:
            super().handle()
        except (BrokenPipeError, ConnectionResetError, ConnectionAbortedError, TimeoutError) as error:
            log.debug("%s disconnected: %s", self.address_string(), error)  # players abort on every seek

    def parse_request(self) -> bool:
        """Refuse every method but GET and HEAD (and CORS preflights), even ones never heard of, as a read-only
        bucket does."""
        if not super().parse_request():
            return False
        if self.command in ("GET", "HEAD"):
            return True
        if self.command == "OPTIONS":  # a browser asking first, for a cross-origin range or conditional read
            self._start(HTTPStatus.NO_CONTENT, _PREFLIGHT)
            return False
        self.close_connection = True  # its body, if any, is unread
        self._send_text(HTTPStatus.METHOD_NOT_ALLOWED, {"Allow": "GET, HEAD, OPTIONS"})
        return False

    def send_error(self, code: int, message: str | None = None, explain: str | None = None) -> None:
        """Protocol errors (a bad request line, huge headers) get the same short plain text as ours."""
        self.close_connection = True
        self._send_text(HTTPStatus(code), {"Connection": "close"})

    def version_string(self) -> str:
        return self.server_version  # no Python version: production does not say what it runs either

    def log_message(self, format: str, *args: Any) -> None:
        log.info("%s %s", self.address_string(), (format % args).translate(_CONTROL))

    def _start(self, status: HTTPStatus, headers: dict[str, str]) -> None:
        self.send_response(status)
        for name, value in {**_ALWAYS, **headers}.items():
            self.send_header(name, value)
        self.end_headers()

    def _send_text(self, status: HTTPStatus, headers: dict[str, str] | None = None) -> None:
        """A one-line plain-text answer: the status phrase, never a path or a traceback."""
        body = f"{status.value} {status.phrase}\n".encode()
        self._start(status, {"Content-Type": "text/plain; charset=utf-8", "Content-Length": str(len(body)),
                             **(headers or {})})  # fmt: skip
        if self.command != "HEAD":
            self.wfile.write(body)

    def _send_bytes(self, file: BinaryIO, first: int, last: int) -> None:
        """Stream one slice straight from the file (sendfile where the OS has it): media can be gigabytes."""
        count = last - first + 1
        if count > 0 and self.connection.sendfile(file, first, count) < count:
            self.close_connection = True  # the file shrank under us: the promised length is a lie

    def _serve_file(self) -> None:
        try:
            path, name = _locate(self.root, self.path)
            file = path.open("rb")
        except _Answer as answer:
            location = {"Location": answer.location} if answer.location else {}
            self._send_text(answer.status, location)
            return
        except OSError:  # vanished or unreadable since it was found
            self._send_text(HTTPStatus.NOT_FOUND)
            return
        with file:
            stat = os.fstat(file.fileno())
            size, etag = stat.st_size, f'"{stat.st_size:x}-{stat.st_mtime_ns:x}"'
            headers = {"ETag": etag, "Last-Modified": email.utils.formatdate(stat.st_mtime, usegmt=True)}
            if _not_modified(self.headers, etag, stat.st_mtime):
                self._start(HTTPStatus.NOT_MODIFIED, headers)
                return
            headers |= {"Accept-Ranges": "bytes"}
            # HEAD answers with the headers GET would get, ranges included, as S3 does.
            ranges = None
            if _range_applies(self.headers.get("If-Range"), etag, stat.st_mtime):
                ranges = _byte_ranges(self.headers.get("Range"), size)
            if ranges == []:
                self._send_text(
                    HTTPStatus.REQUESTED_RANGE_NOT_SATISFIABLE, {**headers, "Content-Range": f"bytes */{size}"}
                )
                return
            self._send_file(file, content_type_for(name), size, ranges, headers)

    def _send_file(
        self,
        file: BinaryIO,
        content_type: str,
        size: int,
        ranges: list[tuple[int, int]] | None,
        headers: dict[str, str],
    ) -> None:
        """The whole file (200), one range or several as multipart/byteranges (206); for HEAD, only headers."""
        status, tail = HTTPStatus.PARTIAL_CONTENT, b""
        if ranges is None:
            status, parts = HTTPStatus.OK, [(b"", 0, size - 1)]
            headers["Content-Type"] = content_type
        elif len(ranges) == 1:
            ((first, last),) = ranges
            parts = [(b"", first, last)]
            headers |= {"Content-Type": content_type, "Content-Range": f"bytes {first}-{last}/{size}"}
        else:
            boundary = secrets.token_hex(16)
            parts = [  # the CRLF before each boundary belongs to the delimiter (RFC 2046 §5.1.1)
                (f"{_CRLF if index else ''}--{boundary}{_CRLF}Content-Type: {content_type}{_CRLF}"
                 f"Content-Range: bytes {first}-{last}/{size}{_CRLF}{_CRLF}".encode(), first, last)
                for index, (first, last) in enumerate(ranges)
            ]  # fmt: skip
            tail = f"{_CRLF}--{boundary}--{_CRLF}".encode()
            headers["Content-Type"] = f"multipart/byteranges; boundary={boundary}"
        headers["Content-Length"] = str(sum(len(head) + last - first + 1 for head, first, last in parts) + len(tail))
        self._start(status, headers)
        if self.command == "GET":
            for head, first, last in parts:
                self.wfile.write(head)
                self._send_bytes(file, first, last)
            self.wfile.write(tail)

    do_GET = do_HEAD = _serve_file


class _PreviewServer(ThreadingHTTPServer):
    daemon_threads = True  # a player holding a connection open never blocks Ctrl-C

    def __init__(self, address: tuple[str, int], handler: Any, family: socket.AddressFamily) -> None:
        self.address_family = family
        super().__init__(address, handler)

    def server_bind(self) -> None:
        socketserver.TCPServer.server_bind(self)  # HTTPServer's getfqdn() can stall seconds on reverse DNS
        host, port = self.server_address[:2]
        self.server_name, self.server_port = str(host), port

    def handle_error(self, request: Any, client_address: Any) -> None:
        log.exception("request from %s failed", client_address[0])  # to the log, never to the client


def make_server(root: Path, *, host: str = "127.0.0.1", port: int = 0) -> ThreadingHTTPServer:
    """A server for the files under ``root``, bound and ready for ``serve_forever`` (port 0: any free one)."""
    if not root.is_dir():
        raise MediapubError("not a folder: nothing to serve", subject=root)
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    try:
        return _PreviewServer((host, port), partial(_PreviewHandler, root=root.resolve()), family)
    except OSError as error:
        if error.errno == errno.EADDRINUSE:
            raise MediapubError(f"port {port} on {host} is already in use: choose another port") from None
        raise MediapubError(f"cannot listen on {host} port {port}: {error.strerror or error}") from None


def server_url(server: ThreadingHTTPServer) -> str:
    """The URL to open in a browser or give to an app, e.g. ``http://127.0.0.1:8000/``."""
    host, port = server.server_address[:2]
    host = host.decode() if isinstance(host, bytes | bytearray) else host
    return f"http://[{host}]:{port}/" if ":" in host else f"http://{host}:{port}/"


def serve_forever(server: ThreadingHTTPServer) -> None:
    """Serve until interrupted (Ctrl-C) or shut down, then free the port: all a command needs after make_server."""
    with server:
        try:
            server.serve_forever()
        except KeyboardInterrupt:
            log.info("stopped serving %s", server_url(server))
