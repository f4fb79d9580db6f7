"""Reading and downloading videos from YouTube and other sites through yt-dlp's Python API.

Everything that touches yt-dlp lives here, so the rest of mediapub sees three
things: an info dictionary (``VideoSite.info``), a downloaded file
(``VideoSite.download``) and the bytes of a thumbnail or captions track
(``VideoSite.fetch``). yt-dlp is run the same way on every machine: no user
configuration file (the API never reads one), no plugins, no cache folder of
its own, and ffmpeg from imageio-ffmpeg. Its failures become one-line
``VideoError``s naming the URL, in words a producer can act on.
"""

from __future__ import annotations

import logging
import re
import sysconfig
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

from .errors import MediapubError

log = logging.getLogger(__name__)

#: Formats to download: the best audio alone when the video is published elsewhere, else an MP4 with sound.
AUDIO_ONLY = "bestaudio/best"
WITH_VIDEO = "bv*[ext=mp4]+ba[ext=m4a]/b[ext=mp4]/bv*+ba/b"
#: What a direct link (a URL to the file itself) may be: audio and video containers, and streaming playlists.
MEDIA_EXTENSIONS = frozenset(
    {"mp4", "m4a", "m4v", "mov", "webm", "mkv", "mp3", "ogg", "oga", "opus", "wav", "flac", "aac", "ts", "m3u8", "mpd"}
)
#: The most a thumbnail or captions track may weigh; they are small, anything larger is not what we asked for.
SMALL_FILE_LIMIT = 20 * 1024 * 1024
#: ``BROWSER[+KEYRING][:PROFILE][::CONTAINER]``, as yt-dlp's own ``--cookies-from-browser`` takes it.
_BROWSER_SPEC = re.compile(
    r"(?P<name>[^+:]+)(?:\+(?P<keyring>[^:]+))?(?::(?!:)(?P<profile>.+?))?(?:::(?P<container>.+))?"
)


class VideoError(MediapubError):
    """A video URL could not be read or downloaded; the URL it names never shows a password."""

    def __init__(self, message: str, *, subject: str | Path | None = None) -> None:
        super().__init__(message, subject=shown_url(subject) if isinstance(subject, str) else subject)


def shown_url(url: str) -> str:
    """``url`` without a user name and password, for messages and files (signed query strings stay: they are
    the address itself, and the producer chose to share it)."""
    parts = urlsplit(url)
    if parts.scheme in ("http", "https") and "@" in parts.netloc:
        host = parts.hostname or ""
        host = f"[{host}]" if ":" in host else host
        return urlunsplit(parts._replace(netloc=f"{host}:{parts.port}" if parts.port else host))
    return url


@dataclass(frozen=True, slots=True)
class Access:
    """How to reach members-only or age-restricted videos: a cookies.txt file or a browser's cookie store."""

    cookies: Path | None = None
    cookies_from_browser: str | None = None


def check_video_url(url: str) -> str:
    """``url`` if it is an http(s) address with a host; anything else is refused before yt-dlp sees it."""
    parts = urlsplit(url.strip())
    if parts.scheme.lower() not in ("http", "https"):
        shown = f"{parts.scheme}:" if parts.scheme else "no scheme"
        raise VideoError(f"not a video URL ({shown}); give an http:// or https:// address", subject=url)
    if not parts.hostname:
        raise VideoError("not a video URL: it names no host", subject=url)
    return url.strip()


def youtube_dl_params(access: Access, progress: Callable[[Mapping[str, Any]], None] | None = None) -> dict[str, Any]:
    """The options every yt-dlp run of ours uses, on any machine."""
    import imageio_ffmpeg

    params: dict[str, Any] = {
        "quiet": True,
        "no_warnings": False,
        "noprogress": True,
        "noplaylist": True,
        "cachedir": False,
        "socket_timeout": 30,
        "retries": 3,
        "fragment_retries": 3,
        "ffmpeg_location": imageio_ffmpeg.get_ffmpeg_exe(),
        "logger": _Log(),
        "js_runtimes": _js_runtimes(),
        "progress_hooks": [progress] if progress else [],
    }
    if access.cookies is not None:
        if not access.cookies.is_file():
            raise VideoError("no such cookies file", subject=access.cookies)
        params["cookiefile"] = str(access.cookies)
    if access.cookies_from_browser:
        params["cookiesfrombrowser"] = _browser(access.cookies_from_browser)
    return params


def _js_runtimes() -> dict[str, dict[str, str]]:
    """Every JavaScript runtime yt-dlp can use for YouTube, not only its default (deno): whichever the machine has.

    Deno installed into this environment (``pip install 'mediapub[youtube]'``) is found even when the
    environment is not activated.
    """
    runtimes: dict[str, dict[str, str]] = {"deno": {}, "node": {}, "bun": {}, "quickjs": {}}
    scripts = Path(sysconfig.get_path("scripts"))
    for name in ("deno", "deno.exe"):
        if (scripts / name).is_file():
            runtimes["deno"] = {"path": str(scripts / name)}
    return runtimes


def _browser(spec: str) -> tuple[str, str | None, str | None, str | None]:
    from yt_dlp.cookies import SUPPORTED_BROWSERS, SUPPORTED_KEYRINGS

    found = _BROWSER_SPEC.fullmatch(spec.strip())
    if found is None or found["name"].lower() not in SUPPORTED_BROWSERS:
        raise VideoError(f"--cookies-from-browser: choose one of {', '.join(sorted(SUPPORTED_BROWSERS))}", subject=spec)
    keyring = found["keyring"].upper() if found["keyring"] else None
    if keyring is not None and keyring not in SUPPORTED_KEYRINGS:
        raise VideoError(f"--cookies-from-browser: keyring must be one of {', '.join(sorted(SUPPORTED_KEYRINGS))}",
                         subject=spec)  # fmt: skip
    return found["name"].lower(), found["profile"], keyring, found["container"]


class _Log:
    """yt-dlp's messages go to our log: its debug chatter hidden, its warnings shown with ``-v``."""

    def debug(self, message: str) -> None:
        log.debug("yt-dlp: %s", message)

    def info(self, message: str) -> None:
        log.debug("yt-dlp: %s", message)

    def warning(self, message: str) -> None:
        log.info("yt-dlp: %s", message)

    def error(self, message: str) -> None:
        log.debug("yt-dlp: %s", message)  # raised as an exception too; reported once, from there


#: Extractors whose IDs come from the page's file name ("index-1"), unique only together with the page's URL.
_PAGE_EXTRACTORS = frozenset({"Generic", "HTML5MediaEmbed"})


def video_identity(info: Mapping[str, Any]) -> tuple[str, str]:
    """(extractor, ID) naming the video wherever it is linked from; on plain web pages the ID includes the page."""
    extractor = str(info.get("extractor_key") or "Generic")
    video_id = str(info.get("id") or "")
    if extractor in _PAGE_EXTRACTORS:
        video_id = f"{info.get('webpage_url') or info.get('original_url') or ''}#{video_id}"
    return extractor, video_id


class VideoSite:
    """One yt-dlp session: read a video's info, download its media, fetch its small files."""

    def __init__(self, access: Access = Access()) -> None:
        self.access = access

    @contextmanager
    def _session(self, **extra: Any) -> Iterator[Any]:
        import yt_dlp
        from yt_dlp.globals import plugin_dirs

        # The same behaviour on every machine: plugins found in the user's folders would change extraction.
        plugin_dirs.value = []
        with yt_dlp.YoutubeDL(youtube_dl_params(self.access) | extra) as ydl:
            yield ydl

    def info(self, url: str) -> dict[str, Any]:
        """The video's metadata (processed: formats chosen, subtitles and chapters normalized), nothing downloaded."""
        url = check_video_url(url)
        # A playlist or channel is only listed (flat), not read video by video, before it is refused.
        with self._session(format=AUDIO_ONLY, extract_flat="in_playlist") as ydl, explained(url):
            info = ydl.sanitize_info(ydl.extract_info(url, download=False))
            if isinstance(info, dict) and info.get("_type") == "playlist":
                entries = [entry for entry in info.get("entries") or () if entry]
                if len(entries) != 1:
                    raise VideoError(f"this page has {len(entries)} videos; give the URL of one of them", subject=url)
                info = entries[0]
                if info.get("_type") == "url" and info.get("url"):
                    info = ydl.sanitize_info(ydl.extract_info(str(info["url"]), download=False))
        if not isinstance(info, dict) or info.get("_type") not in (None, "video"):
            raise VideoError("this address is not one video (a playlist or channel?); give the URL of one video",
                             subject=url)  # fmt: skip
        if info.get("direct") and str(info.get("ext") or "").lower() not in MEDIA_EXTENSIONS:
            raise VideoError(f"this address is a .{info.get('ext')} file, not a video or audio recording", subject=url)
        if info.get("is_live") or info.get("live_status") in ("is_live", "is_upcoming"):
            raise VideoError("this is a live or upcoming stream; ingest its replay once it has ended", subject=url)
        return dict(info)

    def download(
        self,
        info: Mapping[str, Any],
        folder: Path,
        *,
        name: str,
        video: bool = False,
        progress: Callable[[float, float | None], None] | None = None,
    ) -> Path:
        """Download the video's media into ``folder`` as ``name.<ext>``: its best audio, or an MP4 when ``video``."""
        url = str(info.get("webpage_url") or info.get("original_url") or "")

        def hook(state: Mapping[str, Any]) -> None:
            if progress is not None and state.get("status") == "downloading":
                total = state.get("total_bytes") or state.get("total_bytes_estimate")
                progress(float(state.get("downloaded_bytes") or 0), float(total) if total else None)

        extra = {
            "format": WITH_VIDEO if video else AUDIO_ONLY,
            "merge_output_format": "mp4" if video else None,
            "outtmpl": {"default": str(folder / f"{name}.%(ext)s")},
            "overwrites": True,
            "progress_hooks": [hook],
        }
        with self._session(**extra) as ydl, explained(url):
            done = ydl.process_ie_result(dict(info), download=True)
        downloads = (done or {}).get("requested_downloads") or ()
        files = [Path(item["filepath"]) for item in downloads if item.get("filepath")]
        if not files or not files[0].is_file():
            raise VideoError("yt-dlp finished without a file", subject=url)
        return files[0]

    def fetch(self, url: str, *, limit: int = SMALL_FILE_LIMIT) -> bytes:
        """A thumbnail or captions track, through yt-dlp's network stack (its cookies and headers)."""
        check_video_url(url)
        with self._session() as ydl, explained(url), ydl.urlopen(url) as response:
            data = response.read(limit + 1)
        if len(data) > limit:
            raise VideoError(f"larger than {limit // (1024 * 1024)} MB", subject=url)
        return bytes(data)


@contextmanager
def explained(url: str) -> Iterator[None]:
    """yt-dlp's exceptions, as one line a producer can act on."""
    from yt_dlp.networking.exceptions import HTTPError, RequestError
    from yt_dlp.utils import DownloadError, ExtractorError

    try:
        yield
    except (DownloadError, ExtractorError, RequestError) as exc:
        cause = exc.exc_info[1] if isinstance(exc, DownloadError) and exc.exc_info else exc
        if isinstance(cause, ExtractorError) and isinstance(cause.cause, HTTPError):
            cause = cause.cause
        raise VideoError(_reason(cause), subject=url) from None
    except OSError as exc:
        raise VideoError(f"could not save the download: {exc.strerror or exc}", subject=url) from None


def _reason(cause: BaseException) -> str:
    from yt_dlp.networking.exceptions import HTTPError, TransportError
    from yt_dlp.utils import ExtractorError, GeoRestrictedError, UnsupportedError

    if isinstance(cause, UnsupportedError):
        return "no video found on this page (no yt-dlp extractor matches it and it embeds no playable media)"
    if isinstance(cause, GeoRestrictedError):
        return "this video is not available from this country (geo-blocked)"
    if isinstance(cause, HTTPError):
        return f"the server answered HTTP {cause.status} {cause.reason or ''}".rstrip()
    if isinstance(cause, TransportError):
        return f"network error: {_first_line(str(cause))}"
    text = cause.orig_msg if isinstance(cause, ExtractorError) else str(cause)
    lowered = text.lower()
    if "private video" in lowered:
        return "this video is private; if your account can see it, pass --cookies or --cookies-from-browser"
    if "members" in lowered or "sign in" in lowered or "login" in lowered or "age" in lowered.split():
        return f"{_first_line(text)}; pass --cookies or --cookies-from-browser for an account that can watch it"
    if "unavailable" in lowered or "removed" in lowered or "deleted" in lowered:
        return f"this video is unavailable: {_first_line(text)}"
    return _first_line(text)


def _first_line(text: str) -> str:
    """yt-dlp's message without its "ERROR:" and "[extractor] id:" prefixes or its bug-report advice."""
    line = text.strip().splitlines()[0] if text.strip() else "failed"
    line = re.sub(r"^(?:ERROR:\s*)?(?:\[[\w:]+\]\s*)?(?:[\w-]+:\s+)?", "", line)
    return line.split("; please report this issue")[0].strip() or "failed"
