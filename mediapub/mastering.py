"""The mastering stage: a recording in, a loudness-normalized MP3 (or AAC) out.

How it works, and why:

1. **Measure** the programme once (ffmpeg's EBU R128 meter, sample peak:
   about a tenth of a transcode), after the same resampling and channel
   conversion the encode will apply.
2. **Gain, then limit.** One linear gain brings the integrated loudness to
   the target; a look-ahead limiter catches the peaks that gain pushes over
   the ceiling. A linear gain keeps the programme's dynamics, where ffmpeg's
   dynamic ``loudnorm`` pumps on speech.
3. **Encode and check at once.** The encoder's output is teed to a second
   ffmpeg that decodes it and measures loudness and true peak, on the other
   core, so the check is nearly free. Limiting and lossy coding both lower
   loudness (about 0.4 LU each on speech) and coding can raise true peaks,
   so what is measured is the file listeners get. If it misses the target
   (by more than ``TOLERANCE`` or over the true-peak ceiling), the gain and
   ceiling are corrected by the measured error and the encode runs again.
4. **Predict, for long programmes.** A second encode of a 3-hour show would
   double the cost, so for programmes longer than ``TRIAL_AFTER`` a few
   short excerpts go through the full chain first; the loudness they lose
   is added to the gain up front, and the first encode usually lands.

Everything streams through ffmpeg: memory does not grow with the programme.
"""

from __future__ import annotations

import dataclasses
import logging
import os
import re
import shutil
import tempfile
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field, replace
from pathlib import Path

from . import assembly
from .cache import FileCache, cache_key, sha256_of
from .errors import MediaError
from .ffmpeg import FFmpeg
from .loudness import SILENCE_LUFS, LoudnessLog, combine, meter_filter
from .model import AudioSettings, EncodedAudio, Loudness, MasterReport, MediaInfo

log = logging.getLogger(__name__)

#: Bump when the same input and settings would give different bytes: it invalidates cached masters.
ALGORITHM_VERSION = 3
#: Accept an encode whose integrated loudness is this close to the target (LU).
TOLERANCE = 0.3
MAX_ATTEMPTS = 5
#: The least loudness one more dB of gain is assumed to add, however hard the limiter works (LU/dB).
MIN_SLOPE = 0.3
#: Start the limiter this far under the true-peak target: inter-sample peaks and the codec add some back.
LIMITER_HEADROOM = 0.8
#: Programmes longer than this get a trial run on excerpts before the full encode (seconds).
TRIAL_AFTER = 60.0
#: The trial's excerpts: this many, together this share of the programme, within these bounds (s).
TRIAL_EXCERPTS, TRIAL_SHARE, TRIAL_MIN_SECONDS, TRIAL_MAX_SECONDS = 6, 0.02, 12.0, 60.0
#: Silence trimming: quieter than this (dBFS) for at least this long (s) at either end is cut, less a pad.
SILENCE_THRESHOLD_DB, SILENCE_MIN_SECONDS, SILENCE_PAD_SECONDS = -50.0, 0.5, 0.25
#: Long programmes are measured in parts at once, one per core, each at least this long (s).
MAX_ANALYSIS_PARTS, MIN_PART_SECONDS = 4, 120.0
_SILENCE_START = re.compile(r"silence_start: (-?[\d.]+)")
_SILENCE_END = re.compile(r"silence_end: (-?[\d.]+)")


def check_recording(info: MediaInfo, path: Path) -> None:
    """A recording must carry sound; a still image or a subtitle file is a mistake worth naming."""
    if not info.has_audio:
        raise MediaError("has no audio stream (is this the right file?)", subject=path)
    if info.audio_codec in (None, "none"):
        raise MediaError("has an audio stream in a format ffmpeg cannot decode", subject=path)
    if info.duration <= 0:
        raise MediaError("has an empty audio stream", subject=path)
    if info.truncated:
        raise MediaError(f"is truncated: its header says {info.duration:.1f} s, but the file ends early", subject=path)


@dataclass(frozen=True, slots=True)
class Codec:
    """How one output format is encoded, written to a file, and streamed to the checking decoder."""

    encoder: tuple[str, ...]
    file_format: str
    #: The raw stream the checking decoder reads, as a muxer name and as a demuxer name.
    stream_format: str
    stream_demuxer: str
    extension: str
    mime_type: str


def codec_for(settings: AudioSettings) -> Codec:
    if settings.format == "aac":
        return Codec(
            encoder=("-c:a", "aac", "-b:a", f"{settings.kbps}k"),
            file_format="ipod:movflags=+faststart",
            stream_format="adts",
            stream_demuxer="aac",
            extension="m4a",
            mime_type="audio/x-m4a",
        )
    quality = ("-q:a", str(settings.vbr)) if settings.vbr is not None else ("-b:a", f"{settings.kbps}k")
    return Codec(
        encoder=("-c:a", "libmp3lame", *quality),
        # The Xing/LAME header carries the encoder delay and padding: players trim them, so it stays gapless.
        file_format="mp3:write_xing=1:id3v2_version=0",
        stream_format="mp3",
        stream_demuxer="mp3",
        extension="mp3",
        mime_type="audio/mpeg",
    )


@dataclass(frozen=True, slots=True)
class _Plan:
    gain: float
    ceiling: float


def master(
    ffmpeg: FFmpeg,
    source: Path,
    destination: Path,
    settings: AudioSettings,
    *,
    cache: FileCache | None = None,
    on_progress: Callable[[float], None] | None = None,
) -> EncodedAudio:
    """Master ``source`` into ``destination`` (written under a temporary name, then renamed)."""
    codec = codec_for(settings)
    clips = [sha256_of(path) for path in (settings.intro, settings.outro) if path is not None]
    key = cache_key(
        "master", ALGORITHM_VERSION, ffmpeg.version, sha256_of(source), clips, settings.model_dump(mode="json")
    )
    if cache is not None:
        hit = cache.get("masters", key, f".{codec.extension}")
        if hit is not None:
            cached_file, description = hit
            _copy_into_place(cached_file, destination)
            report = replace(_report_from_dict(description["report"]), cached=True)
            log.info("%s: reused the cached master", source)
            return EncodedAudio(destination, report.duration, codec.mime_type, codec.extension, report)

    with tempfile.TemporaryDirectory(prefix="mediapub-master-") as work:
        analysis = _analyse(ffmpeg, source, settings)
        intro, outro = (
            assembly.prepare_clip(ffmpeg, path, Path(work), role, _conform(settings)) if path is not None else None
            for role, path in (("intro", settings.intro), ("outro", settings.outro))
        )
        report = _master(ffmpeg, source, destination, settings, codec, analysis, intro, outro, on_progress)
    if cache is not None:
        cache.put("masters", key, destination, {"report": dataclasses.asdict(report)})
    return EncodedAudio(destination, report.duration, codec.mime_type, codec.extension, report)


def _master(
    ffmpeg: FFmpeg,
    source: Path,
    destination: Path,
    settings: AudioSettings,
    codec: Codec,
    analysis: _Analysis,
    intro: assembly.Clip | None,
    outro: assembly.Clip | None,
    on_progress: Callable[[float], None] | None,
) -> MasterReport:
    target = settings.target_loudness
    plan = _Plan(gain=target - analysis.loudness.integrated, ceiling=settings.true_peak - LIMITER_HEADROOM)
    if analysis.duration > TRIAL_AFTER:
        plan = _trial(ffmpeg, source, settings, codec, analysis, plan)
    join = _Join(intro, outro, settings.crossfade)
    partial = destination.with_name(f".{destination.name}.partial")
    try:
        tried: list[tuple[float, float]] = []
        for attempt in range(1, MAX_ATTEMPTS + 1):
            output = _encode(ffmpeg, source, partial, settings, codec, analysis, join, plan, on_progress)
            error = target - output.integrated
            over = output.peak - settings.true_peak
            log.info(
                "%s: attempt %d: gain %+.2f dB, ceiling %.2f dB -> %.2f LUFS, %.2f dBTP",
                source, attempt, plan.gain, plan.ceiling, output.integrated, output.peak,
            )  # fmt: skip
            if abs(error) <= TOLERANCE and over <= 0:
                break
            if attempt == MAX_ATTEMPTS:
                log.warning(
                    "%s: %.2f LUFS, %.2f dBTP after %d encodes", source, output.integrated, output.peak, attempt
                )
                break
            tried.append((plan.gain, output.integrated))
            plan = _Plan(gain=_next_gain(target, tried), ceiling=plan.ceiling - max(0.0, over + 0.1))
        os.replace(partial, destination)
    finally:
        partial.unlink(missing_ok=True)

    return MasterReport(
        source=analysis.loudness,
        output=output,
        target_loudness=target,
        target_true_peak=settings.true_peak,
        gain_db=round(plan.gain, 2),
        limiter_ceiling_db=round(plan.ceiling, 2),
        duration=round(assembly.joined_duration(analysis.duration, intro, outro, settings.crossfade), 3),
        attempts=attempt,
        timeline_offset=round(assembly.lead_in(intro, settings.crossfade, analysis.duration) - analysis.start, 3),
    )


@dataclass(frozen=True, slots=True)
class _Join:
    intro: assembly.Clip | None
    outro: assembly.Clip | None
    crossfade: float


def _next_gain(target: float, tried: list[tuple[float, float]]) -> float:
    """The gain to try next, from every (gain, loudness) encoded so far.

    Past the limiter's threshold each dB of gain adds less than a dB of
    loudness (the limiter takes some back), so stepping by the error alone
    undershoots again and again on peaky material. Once encodes on both sides
    of the target are known, interpolate between the closest two; before
    that, step along the slope of the last two (never flatter than
    ``MIN_SLOPE``, so one odd point cannot send the gain flying).
    """
    gain, loudness = tried[-1]
    below = [point for point in tried if point[1] < target]
    above = [point for point in tried if point[1] > target]
    if below and above:
        low = max(below, key=lambda point: point[1])
        high = min(above, key=lambda point: point[1])
        if high[1] - low[1] > 1e-6:
            return low[0] + (target - low[1]) * (high[0] - low[0]) / (high[1] - low[1])
    slope = 1.0
    if len(tried) > 1 and abs(gain - tried[-2][0]) > 0.05:
        slope = min(1.0, max(MIN_SLOPE, (loudness - tried[-2][1]) / (gain - tried[-2][0])))
    return gain + (target - loudness) / slope


@dataclass(frozen=True, slots=True)
class _Analysis:
    loudness: Loudness
    #: How long the recording decodes to, and the part of it kept (seconds): all unless silence is trimmed.
    length: float
    start: float
    end: float

    @property
    def duration(self) -> float:
        return self.end - self.start


def _conform(settings: AudioSettings) -> str:
    """Resample and set channels (a 5.1 mix folds down with ffmpeg's standard matrix)."""
    layout = "stereo" if settings.channels == 2 else "mono"
    return f"aresample={settings.sample_rate},aformat=sample_fmts=flt:channel_layouts={layout}"


def _analyse(ffmpeg: FFmpeg, source: Path, settings: AudioSettings) -> _Analysis:
    """Measure the programme, in parts on all cores when it is long enough to be worth it."""
    info = ffmpeg.probe(source)
    check_recording(info, source)
    estimate = info.duration
    # Split only where the duration is known (a part past the real end would measure nothing), and by the
    # duration alone: the parts' joins shift the result by a hair, so the same file must always be cut alike.
    count = 1 if info.duration_estimated else max(1, min(MAX_ANALYSIS_PARTS, int(estimate // MIN_PART_SECONDS)))
    bounds = [round(estimate * index / count) for index in range(count)]
    spans = [(start, end) for start, end in zip(bounds, [*bounds[1:], None], strict=True)]
    with ThreadPoolExecutor(max_workers=count) as pool:
        parts = list(pool.map(lambda span: _analyse_part(ffmpeg, source, settings, *span), spans))
    try:
        loudness = combine([part.meter for part in parts])
    except ValueError:
        raise MediaError("the loudness meter could not read this audio", subject=source) from None
    length = sum(part.seconds for part in parts)
    if length <= 0:
        raise MediaError("has an empty audio stream", subject=source)
    if not info.duration_estimated and length < estimate * 0.98 - 0.5:
        raise MediaError(
            f"is truncated: it should last {estimate:.1f} s, but only {length:.1f} s decode", subject=source
        )
    if loudness.integrated <= SILENCE_LUFS:
        raise MediaError(
            "is silent (or nearly): its loudness cannot be measured, so it cannot be normalized", subject=source
        )
    start, end = 0.0, length
    if settings.trim_silence:
        first, last = parts[0].silences, parts[-1].silences
        if first and first[0][0] <= 0.05 and first[0][1] is not None:
            start = max(0.0, first[0][1] - SILENCE_PAD_SECONDS)
        if last and (last[-1][1] is None or last[-1][1] >= length - 0.05):
            end = min(length, last[-1][0] + SILENCE_PAD_SECONDS)
    if (start, end) != (0.0, length):
        start, end = round(start, 3), round(end, 3)
    return _Analysis(loudness=loudness, length=length, start=start, end=end)


@dataclass(slots=True)
class _Part:
    meter: LoudnessLog
    seconds: float = 0.0
    #: (start, end) of each silence, on the programme's timeline; end is None when it runs to the end.
    silences: list[tuple[float, float | None]] = field(default_factory=list)


def _analyse_part(ffmpeg: FFmpeg, source: Path, settings: AudioSettings, start: float, end: float | None) -> _Part:
    part = _Part(meter=LoudnessLog(true_peak=False))

    def line(text: str) -> None:
        part.meter.feed(text)
        if match := _SILENCE_START.search(text):
            part.silences.append((start + float(match.group(1)), None))
        elif (match := _SILENCE_END.search(text)) and part.silences:
            part.silences[-1] = (part.silences[-1][0], start + float(match.group(1)))

    def progress(value: float) -> None:
        part.seconds = max(part.seconds, value)

    window: list[str | os.PathLike[str]] = ["-ss", str(start)] if start else []
    if end is not None:
        window += ["-t", str(end - start)]
    chain = [_conform(settings)]
    if settings.trim_silence:
        chain.append(f"silencedetect=n={SILENCE_THRESHOLD_DB}dB:d={SILENCE_MIN_SECONDS}")
    chain.append(meter_filter(true_peak=False))
    ffmpeg.run(
        ["-v", "verbose", *window, "-i", source, "-map", "0:a:0", "-vn", "-sn", "-dn",
         "-af", ",".join(chain), "-f", "null", "-"],
        subject=source,
        on_progress=progress,
        on_line=line,
    )  # fmt: skip
    return part


def _trim(analysis: _Analysis) -> list[str]:
    if analysis.start == 0 and analysis.end == analysis.length:
        return []
    return [f"atrim=start={analysis.start}:end={analysis.end}", "asetpts=PTS-STARTPTS"]


def _gain(plan: _Plan) -> str:
    return f"volume={plan.gain:.3f}dB"


def _limit(plan: _Plan) -> str:
    # Look-ahead limiter; ``latency`` removes its delay so the timeline (and chapters) do not shift.
    return f"alimiter=limit={10 ** (plan.ceiling / 20):.5f}:attack=5:release=50:level=false:latency=true"


def _encode(
    ffmpeg: FFmpeg,
    source: Path,
    partial: Path,
    settings: AudioSettings,
    codec: Codec,
    analysis: _Analysis,
    join: _Join,
    plan: _Plan,
    on_progress: Callable[[float], None] | None,
) -> Loudness:
    """Encode with ``plan`` into ``partial`` while a second ffmpeg measures what was encoded."""
    programme = ",".join([*_trim(analysis), _conform(settings), _gain(plan)])
    gains = tuple(
        assembly.clip_gain(plan.gain, analysis.loudness.integrated, clip) if clip else 0.0
        for clip in (join.intro, join.outro)
    )
    inputs, graph = assembly.join_graph(
        programme, join.intro, join.outro, join.crossfade, analysis.duration, (gains[0], gains[1])
    )
    producer: list[str | os.PathLike[str]] = [
        "-i", source, *inputs, "-vn", "-sn", "-dn", "-map_metadata", "-1", "-map_chapters", "-1",
        "-filter_complex", f"{graph};[joined]{_limit(plan)}[out]", "-map", "[out]", *codec.encoder,
        "-fflags", "+bitexact", "-flags:a", "+bitexact",
        "-f", "tee", f"[f={codec.file_format}]{_tee_path(partial)}|[f={codec.stream_format}]pipe:1",
    ]  # fmt: skip
    return _measure_stream(ffmpeg, producer, codec, subject=source, on_progress=on_progress)


def _measure_stream(
    ffmpeg: FFmpeg,
    producer: list[str | os.PathLike[str]],
    codec: Codec,
    *,
    subject: Path,
    on_progress: Callable[[float], None] | None = None,
    on_producer_line: Callable[[str], None] | None = None,
) -> Loudness:
    meter = LoudnessLog(true_peak=True)
    consumer = ["-v", "verbose", "-f", codec.stream_demuxer, "-i", "pipe:0", "-af", meter_filter(true_peak=True),
                "-f", "null", "-"]  # fmt: skip
    ffmpeg.pipe(
        producer,
        consumer,
        subject=subject,
        on_progress=on_progress,
        on_producer_line=on_producer_line,
        on_consumer_line=meter.feed,
    )
    try:
        return meter.result()
    except ValueError:
        raise MediaError("the encoded audio could not be measured", subject=subject) from None


def _trial(
    ffmpeg: FFmpeg, source: Path, settings: AudioSettings, codec: Codec, analysis: _Analysis, plan: _Plan
) -> _Plan:
    """Run excerpts through the whole chain and add the loudness they lose to the gain."""
    total = min(max(analysis.duration * TRIAL_SHARE, TRIAL_MIN_SECONDS), TRIAL_MAX_SECONDS)
    length = total / TRIAL_EXCERPTS
    span = analysis.duration - length
    starts = [analysis.start + span * (index + 0.5) / TRIAL_EXCERPTS for index in range(TRIAL_EXCERPTS)]
    inputs: list[str | os.PathLike[str]] = []
    for start in starts:
        inputs += ["-ss", f"{start:.3f}", "-t", f"{length:.3f}", "-i", source]
    graph = ";".join(f"[{index}:a:0]{_conform(settings)}[c{index}]" for index in range(len(starts)))
    joined = "".join(f"[c{index}]" for index in range(len(starts)))
    graph += (
        f";{joined}concat=n={len(starts)}:v=0:a=1,asplit=2[dry][wet]"
        f";[dry]{meter_filter(true_peak=False)},anullsink"
        f";[wet]{_gain(plan)},{_limit(plan)}[out]"
    )
    dry = LoudnessLog(true_peak=False)
    producer: list[str | os.PathLike[str]] = [
        *inputs, "-v", "verbose", "-filter_complex", graph, "-map", "[out]", *codec.encoder,
        "-f", codec.stream_format, "pipe:1",
    ]  # fmt: skip
    wet = _measure_stream(ffmpeg, producer, codec, subject=source, on_producer_line=dry.feed)
    lost = dry.result().integrated + plan.gain - wet.integrated
    log.info("%s: trial on %d excerpts: the chain loses %.2f LU", source, len(starts), lost)
    return _Plan(gain=plan.gain + max(0.0, min(lost, 6.0)), ceiling=plan.ceiling)


def _tee_path(path: Path) -> str:
    """A file name as the tee muxer reads it: its separators escaped, and never taken for a protocol."""
    escaped = re.sub(r"([\\\\|\[\]:;,'])", r"\\\1", os.fspath(path.resolve()))
    return f"file\\:{escaped}"


def _copy_into_place(source: Path, destination: Path) -> None:
    partial = destination.with_name(f".{destination.name}.partial")
    try:
        shutil.copyfile(source, partial)
        os.replace(partial, destination)
    finally:
        partial.unlink(missing_ok=True)


def _report_from_dict(data: dict[str, object]) -> MasterReport:
    def loudness(value: object) -> Loudness:
        assert isinstance(value, dict)
        return Loudness(**{**value, "short_term": tuple(value["short_term"])})

    fields = {k: v for k, v in data.items() if k not in ("source", "output", "cached")}
    return MasterReport(source=loudness(data["source"]), output=loudness(data["output"]), **fields)  # type: ignore[arg-type]
