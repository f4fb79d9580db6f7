"""Fetching the news pages an episode links to: politely, concurrently, and within hard limits.

A producer's link list is untrusted input: a URL may point at a server that
trickles a byte a second, streams forever, answers with a video, or bounces
between redirects. Every fetch therefore has a total deadline (not just an
idle timeout, which a trickle never trips), a byte cap, a redirect cap and a
content-type check, and the whole episode has a deadline of its own. Pages
on different hosts are fetched at once; a host gets one connection at a time,
so a show with twenty links to one site does not hammer it.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Sequence
from dataclasses import dataclass, field
from urllib.parse import urlsplit

import httpx

from ._version import __version__

log = logging.getLogger(__name__)

USER_AGENT = f"mediapub/{__version__} (podcast show-notes builder; +https://pypi.org/project/mediapub/)"
HTML_TYPES = frozenset({"text/html", "application/xhtml+xml"})
FEED_TYPES = frozenset({"application/rss+xml", "application/xml", "text/xml", "application/atom+xml", "text/plain"})


@dataclass(frozen=True, slots=True)
class FetchLimits:
    """How long and how much one page, and one episode's pages, may take."""

    page_seconds: float = 15.0
    episode_seconds: float = 60.0
    max_bytes: int = 5_000_000
    max_redirects: int = 5
    user_agent: str = USER_AGENT


@dataclass(frozen=True, slots=True)
class Page:
    """A fetched HTML page: where it ended up, and its bytes with the charset the server declared."""

    url: str
    final_url: str
    status: int
    content_type: str
    charset: str | None
    body: bytes


@dataclass(frozen=True, slots=True)
class FetchFailure:
    """Why a URL gave no page: one line for the warning and the notes' fallback entry."""

    url: str
    reason: str


@dataclass(slots=True)
class _Hosts:
    """One lock per host, so a host gets one connection at a time."""

    locks: dict[str, asyncio.Lock] = field(default_factory=dict)

    def lock(self, url: str) -> asyncio.Lock:
        return self.locks.setdefault(urlsplit(url).netloc.lower(), asyncio.Lock())


def fetch_pages(
    urls: Sequence[str], limits: FetchLimits = FetchLimits(), *, accept: frozenset[str] = HTML_TYPES
) -> dict[str, Page | FetchFailure]:
    """Fetch every URL (each once), at most ``limits.episode_seconds`` for all of them together.

    ``accept`` lists the content types wanted (web pages by default; ``FEED_TYPES`` for feeds).
    """
    return asyncio.run(_fetch_all(list(dict.fromkeys(urls)), limits, accept))


async def _fetch_all(urls: list[str], limits: FetchLimits, accept: frozenset[str]) -> dict[str, Page | FetchFailure]:
    hosts = _Hosts()
    timeout = httpx.Timeout(limits.page_seconds)
    headers = {"User-Agent": limits.user_agent, "Accept": "text/html,application/xhtml+xml;q=0.9,*/*;q=0.1"}
    async with httpx.AsyncClient(
        follow_redirects=True, max_redirects=limits.max_redirects, timeout=timeout, headers=headers
    ) as client:
        tasks = {url: asyncio.create_task(_fetch_one(client, hosts, url, limits, accept)) for url in urls}
        done, pending = await asyncio.wait(tasks.values(), timeout=limits.episode_seconds)
        for task in pending:
            task.cancel()
        results: dict[str, Page | FetchFailure] = {}
        for url, task in tasks.items():
            if task in done:
                results[url] = task.result()
            else:
                results[url] = FetchFailure(url, f"not fetched within the episode's {limits.episode_seconds:g} s")
        if pending:
            await asyncio.wait(pending)
    return results


async def _fetch_one(
    client: httpx.AsyncClient, hosts: _Hosts, url: str, limits: FetchLimits, accept: frozenset[str]
) -> Page | FetchFailure:
    scheme = urlsplit(url).scheme.lower()
    if scheme not in ("http", "https"):
        return FetchFailure(url, f"only http(s) links are fetched, not {scheme or 'a relative link'}")
    async with hosts.lock(url):
        try:
            async with asyncio.timeout(limits.page_seconds):
                return await _download(client, url, limits, accept)
        except TimeoutError:
            return FetchFailure(url, f"took longer than {limits.page_seconds:g} s")
        except httpx.TooManyRedirects:
            return FetchFailure(url, f"more than {limits.max_redirects} redirects")
        except httpx.UnsupportedProtocol as exc:
            return FetchFailure(url, f"redirected to a link that is not http(s) ({exc})")
        except httpx.HTTPError as exc:
            return FetchFailure(url, f"could not be fetched: {exc.__class__.__name__}: {exc}".rstrip(": "))


async def _download(
    client: httpx.AsyncClient, url: str, limits: FetchLimits, accept: frozenset[str]
) -> Page | FetchFailure:
    async with client.stream("GET", url) as response:
        if response.status_code >= 400:
            return FetchFailure(url, f"the server answered {response.status_code} {response.reason_phrase}")
        content_type = response.headers.get("content-type", "").split(";")[0].strip().lower()
        if content_type and content_type not in accept:
            return FetchFailure(url, f"is not a {'web page' if accept == HTML_TYPES else 'feed'} ({content_type})")
        declared = response.headers.get("content-length", "")
        if declared.isdigit() and int(declared) > limits.max_bytes:
            return FetchFailure(url, f"is larger than {limits.max_bytes // 1_000_000} MB")
        chunks: list[bytes] = []
        size = 0
        # Decoded bytes are counted, so a small compressed body that inflates without end is stopped too.
        async for chunk in response.aiter_bytes():
            size += len(chunk)
            if size > limits.max_bytes:
                return FetchFailure(url, f"is larger than {limits.max_bytes // 1_000_000} MB")
            chunks.append(chunk)
        body = b"".join(chunks)
        if not content_type and b"\x00" in body[:1024]:
            return FetchFailure(url, "is not a web page (binary data)")
        return Page(
            url=url,
            final_url=str(response.url),
            status=response.status_code,
            content_type=content_type or "text/html",
            charset=response.charset_encoding,
            body=body,
        )
