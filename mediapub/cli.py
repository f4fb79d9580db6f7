"""The ``mediapub`` command line: parse options, build the context, run the pipeline, report.

Errors mediapub expects (``MediapubError``) become one ``error:`` line on
stderr and an exit code: 2 for usage and configuration, 1 when an episode
failed. Tracebacks appear only with ``--debug``.
"""

from __future__ import annotations

import dataclasses
import functools
import json
import logging
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import click
from pydantic import TypeAdapter, ValidationError
from rich.console import Console
from rich.logging import RichHandler
from rich.table import Table

from . import site
from ._version import __version__
from .articles import ArticleCache, ArticleOptions, read_articles
from .cache import ENV_VAR as CACHE_ENV_VAR
from .cache import FileCache, default_cache_dir
from .config import EPISODE_FILE, SHOW_FILE, display_path, load_show, load_show_file
from .errors import ConfigError, MediaError, MediapubError, UsageError
from .extract import decode_html, extract_article
from .fetch import FEED_TYPES, FetchFailure, fetch_pages
from .ffmpeg import FFmpeg
from .mastering import master
from .model import (
    Article,
    ArticleNote,
    AudioSettings,
    BaseUrl,
    Episode,
    MasterReport,
    PublishResult,
    PublishSettings,
    url_scheme,
)
from .notes import render_notes
from .pipeline import ITEMS_PREFIX, PublishContext, PublishError, publish
from .plot import loudness_plot
from .progress import Reporter
from .prune import plan_prune
from .serve import make_server, serve_forever, server_url
from .storage import DryRunStorage, LocalStorage, S3Location, S3Storage, Storage
from .validate import validate_feed
from .video_download import Access

DEFAULT_OUT = Path("public")
BASE_URL: TypeAdapter[Any] = TypeAdapter(BaseUrl)


def _debug_options(command: Callable[..., Any]) -> Callable[..., Any]:
    """``-v``/``--debug`` on every command, and the one place errors turn into exit codes."""

    @click.option("-v", "--verbose", count=True, help="Say more (-vv for every ffmpeg command).")
    @click.option("--debug", is_flag=True, help="Log everything and show tracebacks.")
    @functools.wraps(command)
    def wrapper(*args: Any, verbose: int, debug: bool, **kwargs: Any) -> Any:
        level = logging.DEBUG if debug or verbose > 1 else logging.INFO if verbose else logging.WARNING
        logging.basicConfig(
            level=level, handlers=[RichHandler(console=Console(stderr=True), show_path=False)], force=True
        )
        # Their debug logs print request headers, credentials included: they never go above warnings.
        for noisy in ("botocore", "boto3", "s3transfer", "urllib3", "httpx", "httpcore"):
            logging.getLogger(noisy).setLevel(logging.WARNING)
        err = Console(stderr=True, highlight=False, soft_wrap=True)
        try:
            return command(*args, **kwargs)
        except PublishError as exc:
            for line in (*exc.failures, exc):
                err.print("[red]error:[/red] ", end="", markup=True)
                err.print(str(line), markup=False)
            if debug:
                raise
            sys.exit(exc.exit_code)
        except MediapubError as exc:
            err.print("[red]error:[/red] ", end="", markup=True)
            err.print(str(exc), markup=False)
            if debug:
                raise
            sys.exit(exc.exit_code)
        except KeyboardInterrupt:
            err.print("interrupted; the published feed was left as it was")
            sys.exit(130)

    return wrapper


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="mediapub")
def cli() -> None:
    """Publish a podcast and its video episodes: encode, tag, write show notes, store, and write the feed."""


def _cache_option(command: Callable[..., Any]) -> Callable[..., Any]:
    return click.option(
        "--no-cache",
        is_flag=True,
        help=f"Master again even if this recording was mastered with these settings before "
        f"(the cache is in ${CACHE_ENV_VAR}, else ~/.cache/mediapub).",
    )(command)


def _article_options(command: Callable[..., Any]) -> Callable[..., Any]:
    for option in (
        click.option("--strict", is_flag=True, help="An article that cannot be fetched or read is an error."),
        click.option("--refresh", is_flag=True, help="Fetch linked articles again even if they are cached."),
        click.option("--offline", is_flag=True, help="Never fetch: use the article cache only."),
    ):
        command = option(command)
    return command


def _article_settings(offline: bool, refresh: bool, strict: bool) -> ArticleOptions:
    if offline and refresh:
        raise UsageError("--offline and --refresh contradict each other: pick one")
    return ArticleOptions(offline=offline, refresh=refresh, strict=strict)


def _video_access_options(command: Callable[..., Any]) -> Callable[..., Any]:
    for option in (
        click.option(
            "--cookies-from-browser",
            metavar="BROWSER[+KEYRING][:PROFILE][::CONTAINER]",
            help="Use a browser's cookies for members-only videos (as yt-dlp's option of that name).",
        ),
        click.option(
            "--cookies",
            type=click.Path(path_type=Path, dir_okay=False),
            help="A Netscape cookies.txt file for members-only or age-restricted videos.",
        ),
    ):
        command = option(command)
    return command


def _show_option(command: Callable[..., Any]) -> Callable[..., Any]:
    return click.option(
        "--show",
        "show_dir",
        default="episodes",
        type=click.Path(path_type=Path, file_okay=False),
        help="The show folder (default ./episodes).",
    )(command)


@cli.command("publish")
@click.argument("show_dir", required=False, default="episodes", type=click.Path(path_type=Path, file_okay=False))
@click.option(
    "--out",
    type=click.Path(path_type=Path, file_okay=False),
    help=f"Folder to publish into. Default: [publish] target in {SHOW_FILE}, else ./public.",
)
@click.option("--to", "to", metavar="s3://BUCKET/PREFIX", help="Publish to a bucket instead of a folder.")
@click.option("--base-url", help="Public URL the output is served from; overrides base_url in show.toml.")
@click.option("--dry-run", is_flag=True, help="Do all the work in a temporary folder and list what would be written.")
@click.option("--json", "as_json", is_flag=True, help="Print a JSON summary on stdout (no progress output).")
@_cache_option
@_article_options
@_video_access_options
@_debug_options
def publish_command(
    show_dir: Path,
    out: Path | None,
    to: str | None,
    base_url: str | None,
    dry_run: bool,
    as_json: bool,
    no_cache: bool,
    offline: bool,
    refresh: bool,
    strict: bool,
    cookies: Path | None,
    cookies_from_browser: str | None,
) -> None:
    """Publish every episode under SHOW_DIR (default ./episodes), then the feed."""
    source = load_show(show_dir)
    public = _base_url(base_url) if base_url else str(source.show.base_url)
    storage, where = _storage(source.show.publish, out, to, show_dir, public)
    if dry_run:
        storage = DryRunStorage(storage)
    reporter = Reporter(Console(stderr=True, soft_wrap=True), progress=not as_json)
    cache = None if no_cache else FileCache(default_cache_dir(), read_only=dry_run)
    context = PublishContext(
        storage=storage,
        ffmpeg=FFmpeg(),
        reporter=reporter,
        cache=cache,
        articles=_article_settings(offline, refresh, strict),
        downloads=FileCache(default_cache_dir(), read_only=dry_run),
        video_access=Access(cookies=cookies, cookies_from_browser=cookies_from_browser),
        dry_run=dry_run,
    )
    result = publish(source, context)
    summary = summarize(result, dry_run=dry_run)
    summary["feed"]["path"] = (
        display_path((where / result.feed.key).resolve()) if isinstance(where, Path) else f"{where}/{result.feed.key}"
    )
    if as_json:
        click.echo(json.dumps(summary, indent=2, ensure_ascii=False))
    else:
        _print_summary(Console(highlight=False, soft_wrap=True), summary)


@cli.command("ingest")
@click.argument("url")
@_show_option
@click.option("--slug", help='The episode folder\'s name (default "<number>-<words of the title>").')
@click.option(
    "--number",
    type=click.IntRange(min=0),
    help="The episode number (default: the title's, if free, else one more than the last).",
)
@click.option("--video", is_flag=True, help="Keep the video (MP4) too and publish it as the episode's video version.")
@click.option("--language", help="Captions language (default: the show's language).")
@click.option("--redownload", is_flag=True, help="Download the recording again even if an earlier ingest has it.")
@click.option("--json", "as_json", is_flag=True, help="Print a JSON summary on stdout (no progress output).")
@_video_access_options
@_debug_options
def ingest_command(
    url: str,
    show_dir: Path,
    slug: str | None,
    number: int | None,
    video: bool,
    language: str | None,
    redownload: bool,
    as_json: bool,
    cookies: Path | None,
    cookies_from_browser: str | None,
) -> None:
    """Create the episode for the video at URL (YouTube or any site yt-dlp reads), or update it.

    Fills episode.toml from the video: title, description, date, chapters,
    linked articles, captions (as the transcript) and poster; downloads the
    recording. Run it again to refresh the episode: fields you edited stay as
    you left them.
    """
    from .ingest import IngestOptions, ingest  # tomlkit, slugify and webvtt load only for this command

    options = IngestOptions(
        slug=slug,
        number=number,
        video=video,
        language=language,
        redownload=redownload,
        access=Access(cookies=cookies, cookies_from_browser=cookies_from_browser),
    )
    reporter = Reporter(Console(stderr=True, soft_wrap=True), progress=not as_json)
    result = ingest(url, show_dir, options, reporter)
    for warning in result.warnings:
        reporter.warn(warning)
    summary = {**dataclasses.asdict(result), "folder": display_path(result.folder)}
    summary["episode"] = display_path(result.folder / EPISODE_FILE)
    if as_json:
        click.echo(json.dumps(summary, indent=2, ensure_ascii=False))
        return
    out = Console(highlight=False, soft_wrap=True)
    verb = "created" if result.created else "updated"
    out.print(f"{verb} {summary['episode']}: episode {result.number}, {result.title}")
    if result.created and number is None:
        out.print(f"  number {result.number} is a guess (the title's, else one after the show's last): check it")
    facts = [f"{result.chapters} chapters", f"{result.articles} linked articles",
             f"captions {result.captions}" if result.captions else "no captions",
             "poster" if result.poster else "no poster"]  # fmt: skip
    out.print("  " + ", ".join(facts))
    if result.kept:
        out.print(f"  kept your edits to: {', '.join(result.kept)}")


@cli.command("embed")
@click.argument("slug")
@_show_option
@click.option("--base-url", help="Public URL the show is served from; overrides base_url in show.toml.")
@click.option("--json", "as_json", is_flag=True, help="Print the snippet and URLs as JSON.")
@_debug_options
def embed_command(slug: str, show_dir: Path, base_url: str | None, as_json: bool) -> None:
    """Print the <iframe> snippet and the oEmbed URL of episode SLUG, for an editor to paste."""
    source = load_show(show_dir)
    show = source.show
    episode = next((e for e in source.episodes if e.slug == slug), None)
    if episode is None:
        known = ", ".join(e.slug for e in source.episodes) or "none"
        raise UsageError(f"no episode {slug!r} in {display_path(show_dir)} (episodes: {known})")
    if not show.site.enabled:
        show_file = display_path(show_dir / SHOW_FILE)
        raise ConfigError("the show publishes no pages ([site] enabled = false)", file=show_file, field="site.enabled")
    public = _base_url(base_url) if base_url else str(show.base_url)

    def public_url(key: str) -> str:
        return public + key

    clean = show.site.clean_urls
    embed_url = site.page_url(public_url, site.embed_page_key(slug), clean=clean)
    found = {
        "slug": slug,
        "page": site.page_url(public_url, site.episode_page_key(slug), clean=clean),
        "embed": embed_url,
        "oembed": public_url(site.oembed_key(slug)),
        "iframe": site.iframe_snippet(embed_url, f"{show.title}: {episode.title}"),
    }
    if as_json:
        click.echo(json.dumps(found, indent=2, ensure_ascii=False))
        return
    click.echo(found["iframe"])
    click.echo()
    click.echo(f"oEmbed:  {found['oembed']}")
    click.echo(f"Page:    {found['page']}  (paste this into a CMS that supports oEmbed)")
    click.echo("Dark:    add ?theme=dark to the iframe's src for a dark player")


@cli.command("serve")
@click.argument("folder", required=False, type=click.Path(path_type=Path, file_okay=False))
@_show_option
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to listen on.")
@click.option("--port", type=click.IntRange(0, 65535), default=8000, show_default=True, help="Port (0: any free one).")
@_debug_options
def serve_command(folder: Path | None, show_dir: Path, host: str, port: int) -> None:
    """Preview a published folder the way the production host serves it (ranges, ETags, types).

    Pages and players work from any address: publish with --base-url http://HOST:PORT/ to make
    the feed and oEmbed links point here too.
    """
    if folder is None:
        target = load_show_file(show_dir).publish.target if (show_dir / SHOW_FILE).is_file() else None
        folder = Path(target) if target and not url_scheme(target) else DEFAULT_OUT
    server = make_server(folder, host=host, port=port)
    url = server_url(server)
    click.echo(f"Serving {display_path(folder)} at {url}  (Ctrl-C to stop)")
    if (folder / "index.html").is_file():
        click.echo(f"Show page: {url}")
    serve_forever(server)


@cli.command("master")
@click.argument("source", type=click.Path(path_type=Path, dir_okay=True))
@click.argument("output", type=click.Path(path_type=Path, dir_okay=False))
@click.option("--loudness", type=float, help="Target integrated loudness, LUFS (default -16 stereo, -19 mono).")
@click.option("--true-peak", type=float, help="True-peak ceiling, dBTP (default -1).")
@click.option("--bitrate", type=int, help="Bitrate, kbit/s (default 128 stereo, 64 mono).")
@click.option("--vbr", type=click.IntRange(0, 9), help="MP3 variable bitrate quality instead (0 best, 9 smallest).")
@click.option("--mono/--stereo", "mono", default=None, help="Output channels (default stereo).")
@click.option("--sample-rate", type=click.Choice(["44100", "48000"]), help="Output sample rate (default 44100).")
@click.option("--trim-silence", is_flag=True, help="Cut silence longer than half a second from both ends.")
@click.option("--intro", type=click.Path(path_type=Path, exists=True, dir_okay=False), help="Clip to play first.")
@click.option("--outro", type=click.Path(path_type=Path, exists=True, dir_okay=False), help="Clip to play last.")
@click.option("--crossfade", type=float, help="Seconds the intro and outro overlap the programme (default 1).")
@click.option("--plot", type=click.Path(path_type=Path, dir_okay=False), help="Also draw loudness over time as PNG.")
@click.option("--json", "as_json", is_flag=True, help="Print the loudness report as JSON on stdout.")
@_cache_option
@_debug_options
def master_command(
    source: Path,
    output: Path,
    loudness: float | None,
    true_peak: float | None,
    bitrate: int | None,
    vbr: int | None,
    mono: bool | None,
    sample_rate: str | None,
    trim_silence: bool,
    intro: Path | None,
    outro: Path | None,
    crossfade: float | None,
    plot: Path | None,
    as_json: bool,
    no_cache: bool,
) -> None:
    """Master one recording: normalize SOURCE's loudness and encode it to OUTPUT (.mp3 or .m4a)."""
    if not source.exists():
        raise UsageError(f"{source}: file not found")
    if not source.is_file():
        raise UsageError(f"{source}: not a regular file")
    formats = {".mp3": "mp3", ".m4a": "aac"}
    if output.suffix.lower() not in formats:
        raise UsageError(f"{output}: the output must end in .mp3 or .m4a, which picks the format")
    if not output.parent.is_dir():
        raise UsageError(f"{output}: its folder does not exist")
    for given in (source, intro, outro):
        if given is not None and output.resolve() == given.resolve():
            raise UsageError(f"{output}: the output would overwrite an input; choose another file name")
    chosen = {
        "format": formats[output.suffix.lower()],
        "loudness": loudness,
        "true_peak": true_peak,
        "bitrate": bitrate,
        "vbr": vbr,
        "channels": None if mono is None else 1 if mono else 2,
        "sample_rate": None if sample_rate is None else int(sample_rate),
        "trim_silence": trim_silence or None,
        "intro": intro,
        "outro": outro,
        "crossfade": crossfade,
    }
    try:
        settings = AudioSettings.model_validate({k: v for k, v in chosen.items() if v is not None})
    except ValidationError as exc:
        error = exc.errors()[0]
        option = "--" + str(error["loc"][0]).replace("_", "-") if error["loc"] else "options"
        raise UsageError(f"{option}: {error['msg'].removeprefix('Value error, ')}") from None
    ffmpeg = FFmpeg()
    reporter = Reporter(Console(stderr=True, soft_wrap=True), progress=not as_json)
    cache = None if no_cache else FileCache(default_cache_dir())
    with reporter.task(f"Mastering {source.name}") as advance:
        encoded = master(ffmpeg, source, output, settings, cache=cache, on_progress=advance)
    assert encoded.report is not None
    report = {"input_file": str(source), "output_file": str(output), **encoded.report.to_dict()}
    if plot is not None:
        plot.write_bytes(loudness_plot(encoded.report, source.name))
        report["plot_file"] = str(plot)
    if as_json:
        click.echo(json.dumps(report, indent=2))
    else:
        click.echo(_loudness_line(encoded.report))


@cli.command("notes")
@click.argument("urls", nargs=-1, required=True)
@click.option("--format", "form", type=click.Choice(["markdown", "html", "json"]), default="markdown",
              help="What to print (default markdown).")  # fmt: skip
@click.option("--json", "as_json", is_flag=True, help="Same as --format json.")
@click.option("--html", "as_html", is_flag=True, help="Same as --format html.")
@click.option("--markdown", "as_markdown", is_flag=True, help="Same as --format markdown.")
@click.option("--cache-dir", type=click.Path(path_type=Path, file_okay=False), help="Article cache (default: none).")
@_article_options
@_debug_options
def notes_command(
    urls: tuple[str, ...],
    form: str,
    as_json: bool,
    as_html: bool,
    as_markdown: bool,
    cache_dir: Path | None,
    offline: bool,
    refresh: bool,
    strict: bool,
) -> None:
    """Show notes for the articles at URLS: headline, source, date, summary and link for each."""
    form = "json" if as_json else "html" if as_html else "markdown" if as_markdown else form
    articles = []
    for url in urls:
        try:
            articles.append(Article.model_validate({"url": url}))
        except ValidationError:
            raise UsageError(f"{url}: not an http(s) URL") from None
    episode = Episode.model_construct(summary="", articles=tuple(articles), chapters=())
    reporter = Reporter(Console(stderr=True, soft_wrap=True), progress=form != "json")
    cache = ArticleCache(cache_dir) if cache_dir else None
    notes = read_articles(tuple(articles), cache, _article_settings(offline, refresh, strict), reporter.warn)
    rendered = render_notes(episode, notes)
    if form == "json":
        click.echo(json.dumps({"summary": rendered.summary, "articles": [_note_json(n) for n in notes]}, indent=2,
                              ensure_ascii=False))  # fmt: skip
    else:
        click.echo(rendered.html if form == "html" else rendered.markdown.strip())


@cli.command("extract")
@click.argument("source")
@click.option("--json", "as_json", is_flag=True, help="Print every field as JSON.")
@_debug_options
def extract_command(source: str, as_json: bool) -> None:
    """Read one article from a URL or a saved HTML file: its headline, source, author, date and text."""
    path = Path(source)
    if url_scheme(source) in ("http", "https"):
        page = fetch_pages([source])[source]
        if isinstance(page, FetchFailure):
            raise MediaError(page.reason, subject=source)
        html, url = decode_html(page.body, page.charset), page.final_url
    elif url_scheme(source):
        raise UsageError(f"{source}: only http(s) URLs and local files can be read")
    elif path.is_file():
        html, url = decode_html(path.read_bytes(), None), path.resolve().as_uri()
    else:
        raise UsageError(f"{source}: no such file")
    try:
        article = extract_article(html, url)
    except ValueError as exc:
        raise MediaError(f"no article found ({exc})", subject=source) from None
    if as_json:
        fields = {**dataclasses.asdict(article), "published": article.published and article.published.isoformat()}
        click.echo(json.dumps(fields, indent=2, ensure_ascii=False))
        return
    byline = ", ".join(part for part in (article.via or article.site_name, ", ".join(article.authors),
                                          article.published and article.published.isoformat()) if part)  # fmt: skip
    click.echo(f"{article.title or '(no headline)'}\n{byline}\n\n{article.text}")


@cli.command("prune")
@click.argument("show_dir", required=False, default="episodes", type=click.Path(path_type=Path, file_okay=False))
@click.option("--out", type=click.Path(path_type=Path, file_okay=False), help="The published folder.")
@click.option("--to", "to", metavar="s3://BUCKET/PREFIX", help="The published bucket.")
@click.option("--base-url", help="The public URL the folder or bucket was published under (default: base_url).")
@click.option("--grace", type=click.FloatRange(min=0), default=60.0, show_default=True,
              help="Keep files written in the last this many minutes (a publish may be running).")  # fmt: skip
@click.option("--dry-run", is_flag=True, help="List what would be deleted; delete nothing.")
@click.option("--json", "as_json", is_flag=True, help="Print what was (or would be) deleted as JSON.")
@_debug_options
def prune_command(
    show_dir: Path,
    out: Path | None,
    to: str | None,
    base_url: str | None,
    grace: float,
    dry_run: bool,
    as_json: bool,
) -> None:
    """Delete published media and images that no feed refers to any more (publish never deletes)."""
    source = load_show(show_dir)
    public = _base_url(base_url) if base_url else str(source.show.base_url)
    storage, where = _storage(source.show.publish, out, to, show_dir, public)
    feed_key = source.show.publish.feed_name
    feed = storage.get(feed_key)
    if feed is None:
        raise UsageError(f"{where}: nothing is published there (no {feed_key}); refusing to prune")
    if b'<enclosure url="' in feed and f'<enclosure url="{public}'.encode() not in feed:
        # Every reference would look foreign and every file unreferenced: never guess, stop.
        raise UsageError(f"{where}: the feed's media is not under {public}; pass the --base-url it was published with")
    plan = plan_prune(storage, [feed_key, *storage.list(ITEMS_PREFIX)], grace_seconds=grace * 60)
    if plan.foreign:
        raise UsageError(
            f"{where}: episodes published under another base URL ({plan.foreign[0]}); "
            "republish them under this one first, or pass --base-url"
        )
    if not dry_run:
        for key in plan.unreferenced:
            storage.delete(key)
    if as_json:
        click.echo(json.dumps({"dry_run": dry_run, "deleted": list(plan.unreferenced)}, indent=2))
        return
    verb = "would delete" if dry_run else "deleted"
    for key in plan.unreferenced:
        click.echo(f"{verb} {key}")
    click.echo(f"{verb} {len(plan.unreferenced)} files")


@cli.command("validate")
@click.argument("feed")
@click.option("--json", "as_json", is_flag=True, help="Print the findings as JSON.")
@_debug_options
def validate_command(feed: str, as_json: bool) -> None:
    """Check a podcast feed (a file or an http(s) URL) against Apple's, Spotify's and Podcasting 2.0 rules."""
    if url_scheme(feed) in ("http", "https"):
        page = fetch_pages([feed], accept=FEED_TYPES)[feed]
        if isinstance(page, FetchFailure):
            raise MediaError(page.reason, subject=feed)
        data = page.body
    elif url_scheme(feed):
        raise UsageError(f"{feed}: only http(s) URLs and local files can be checked")
    else:
        path = Path(feed)
        if not path.is_file():
            raise UsageError(f"{feed}: no such file")
        data = path.read_bytes()
    findings = validate_feed(data)
    errors = sum(finding.severity == "error" for finding in findings)
    if as_json:
        click.echo(json.dumps({"feed": feed, "errors": errors, "findings": [dataclasses.asdict(f) for f in findings]},
                              indent=2, ensure_ascii=False))  # fmt: skip
    else:
        for finding in findings:
            click.echo(finding.line())
        click.echo(f"{feed}: {errors} errors, {len(findings) - errors} warnings")
    if errors:
        sys.exit(1)


def _note_json(note: ArticleNote) -> dict[str, Any]:
    return {**dataclasses.asdict(note), "published": note.published and note.published.isoformat()}


def _loudness_line(report: MasterReport) -> str:
    source, output = report.source, report.output
    return (
        f"{source.integrated:.1f} LUFS -> {output.integrated:.1f} LUFS, true peak {output.peak:.1f} dBTP, "
        f"LRA {output.loudness_range:.1f} LU, gain {report.gain_db:+.1f} dB" + (" (cached)" if report.cached else "")
    )


def _base_url(value: str) -> str:
    try:
        return str(BASE_URL.validate_python(value))
    except ValidationError as exc:
        reason = exc.errors()[0]["msg"].removeprefix("Value error, ")
        raise UsageError(f"--base-url: not a usable base URL ({reason}): {value!r}") from None


def _storage(
    settings: PublishSettings, out: Path | None, to: str | None, show_dir: Path, public: str
) -> tuple[Storage, Path | str]:
    """The storage to publish into: --out (a folder), --to (a bucket), else [publish] target, else ./public."""
    if out is not None and to is not None:
        raise UsageError("--out and --to both say where to publish: pick one")
    target = str(out) if out is not None else to if to is not None else settings.target
    if target is None:
        return LocalStorage(DEFAULT_OUT, public), DEFAULT_OUT
    scheme = url_scheme(target) if out is None else None
    if scheme is None:
        return LocalStorage(Path(target), public), Path(target)
    if scheme != "s3":
        message = f'"{target}": publish to a folder or an s3://bucket/prefix URL'
        if to is not None:
            raise UsageError(f"--to: {message}")
        raise ConfigError(message, file=display_path(show_dir / SHOW_FILE), field="publish.target")
    bucket, _, prefix = target[len("s3://") :].partition("/")
    if not bucket:
        raise UsageError(f'"{target}": no bucket name')
    location = S3Location(
        bucket=bucket,
        prefix=prefix,
        endpoint_url=str(settings.endpoint_url).rstrip("/") if settings.endpoint_url else None,
        region=settings.region,
        addressing_style=settings.addressing_style,
        acl=settings.acl,
    )
    return S3Storage(location, public), location.label


def summarize(result: PublishResult, *, dry_run: bool) -> dict[str, Any]:
    """The ``--json`` summary: episodes published and every file with its size."""
    return {
        "dry_run": dry_run,
        "episodes": [
            {
                "slug": item.episode.slug,
                "number": item.episode.number,
                "title": item.episode.title,
                "guid": item.guid,
                "duration": round(item.duration, 3),
                "media": item.media.url,
                "size": item.media.size,
                "loudness": item.mastering.to_dict() if item.mastering else None,
                "loudness_plot": item.loudness_plot.url if item.loudness_plot else None,
                "notes": item.notes_file.url if item.notes_file else None,
                "notes_summary": item.notes.summary,
                "articles": [_note_json(note) for note in item.notes.articles],
            }
            for item in result.episodes
        ],
        "files": [
            {"key": obj.key, "url": obj.url, "size": obj.size, "content_type": obj.content_type, "written": obj.written}
            for obj in result.objects
        ],
        "feed": {"key": result.feed.key, "url": result.feed.url, "size": result.feed.size},
    }


def _print_summary(console: Console, summary: dict[str, Any]) -> None:
    verb = "would write" if summary["dry_run"] else "wrote"
    past = "to write" if summary["dry_run"] else "written"
    table = Table("#", "episode", "duration", "size", "loudness", box=None, pad_edge=False)
    for item in summary["episodes"]:
        minutes, seconds = divmod(round(item["duration"]), 60)
        loudness = item["loudness"] and item["loudness"]["output"]
        level = f"{loudness['integrated_lufs']:.1f} LUFS, {loudness['peak_db']:.1f} dBTP" if loudness else ""
        table.add_row(str(item["number"]), item["title"], f"{minutes}:{seconds:02d}", _size(item["size"]), level)
    console.print(table)
    written = [f for f in summary["files"] if f["written"]]
    for file in written:
        console.print(f"  {verb} {file['key']} ({_size(file['size'])})")
    unchanged = len(summary["files"]) - len(written)
    feed = summary["feed"]
    console.print(
        f"{len(summary['episodes'])} episodes; {len(written)} files {past}, {unchanged} unchanged; "
        f"feed {feed.get('path', feed['key'])} -> {feed['url']}"
    )


def _size(size: int) -> str:
    for unit in ("B", "KB", "MB", "GB"):
        if size < 1000 or unit == "GB":
            return f"{size:.0f} {unit}" if unit == "B" else f"{size:.1f} {unit}"
        size /= 1000  # type: ignore[assignment]
    return str(size)


def main() -> None:
    cli(prog_name="mediapub")
