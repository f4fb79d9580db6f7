"""Mastering on generated material, checked by an independent meter: ffmpeg's ebur128 run here, on the output.

The meter below is the test's own: it runs ffmpeg's ``ebur128=peak=true`` on
the finished file and reads the summary, sharing no code with mediapub.
"""

from __future__ import annotations

import json
import re
import subprocess
from collections.abc import Callable
from pathlib import Path

import pytest

from tests.conftest import decoded_duration

# Speech-like: pink noise in the voice band, syllables at 3 Hz, a pause every few seconds.
SPEECH = (
    "anoisesrc=c=pink:r=48000:d={seconds}:seed={seed},highpass=f=120,lowpass=f=5000,"
    "volume='0.15+0.85*gt(sin(2*PI*0.35*t)\\,-0.4)*abs(sin(2*PI*3*t))':eval=frame"
)
# Music-like with wide dynamics: a chord, very quiet for a third of the time, then loud.
MUSIC = (
    "sine=f=220:r=48000:d={seconds},volume=0.3[a];sine=f=277:r=48000:d={seconds},volume=0.3[b];"
    "sine=f=330:r=48000:d={seconds},volume=0.3[c];anoisesrc=c=pink:r=48000:d={seconds}:seed=3:a=0.05[d];"
    "[a][b][c][d]amix=inputs=4:normalize=0,volume='if(lt(t\\,{quiet})\\,0.02\\,1)':eval=frame"
)


# Quiet speech with sparse loud clicks: far more gain needed than the peaks allow.
PEAKY = (
    SPEECH + ",volume=0.3[s];aevalsrc='if(lt(mod(t\\,1)\\,0.004)\\,0.9*sin(2*PI*1500*t)\\,0)'"
    ":s=48000:d={seconds}[k];[s][k]amix=inputs=2:normalize=0"
)
GRAPHS = {"speech": SPEECH, "music": MUSIC, "peaky": PEAKY}


def meter(ffmpeg_exe: str, path: Path) -> dict[str, float]:
    """Integrated loudness, loudness range and true peak, as ffmpeg's EBU R128 meter reports them."""
    report = subprocess.run(
        [ffmpeg_exe, "-hide_banner", "-nostats", "-i", str(path), "-map", "0:a:0",
         "-af", "ebur128=peak=true", "-f", "null", "-"],
        capture_output=True, text=True, check=True,
    ).stderr  # fmt: skip
    summary = report[report.rindex("Summary:") :]
    values = dict(re.findall(r"^\s+(I|LRA|Peak):\s+(-?[\d.]+|-inf)", summary, re.M))
    return {name: float(value) for name, value in values.items()}


@pytest.fixture(scope="session")
def material(ffmpeg_exe: str, tmp_path_factory: pytest.TempPathFactory) -> Callable[..., Path]:
    """Generate test programmes, scaled to a stated loudness: ``material("quiet", "speech", lufs=-30)``."""
    folder = tmp_path_factory.mktemp("material")

    def run(*args: str) -> None:
        subprocess.run([ffmpeg_exe, "-hide_banner", "-loglevel", "error", "-y", *args], check=True)

    def make(name: str, kind: str, *, lufs: float, seconds: float = 8.0, suffix: str = ".wav",
             layout: str = "stereo", rate: int = 48000, video: bool = False) -> Path:  # fmt: skip
        raw = folder / f"{name}-raw.wav"
        graph = GRAPHS[kind].format(seconds=seconds, seed=7, quiet=seconds / 3)
        spread = {
            "stereo": "pan=stereo|c0=c0|c1=0.9*c0",
            "mono": "anull",
            "5.1": "pan=5.1|c0=0.7*c0|c1=0.7*c0|c2=c0|c3=0.2*c0|c4=0.4*c0|c5=0.4*c0",
        }[layout]
        run("-filter_complex", f"{graph},aformat=sample_fmts=flt:channel_layouts=mono,{spread}",
            "-c:a", "pcm_f32le", str(raw))  # fmt: skip
        gain = lufs - meter(ffmpeg_exe, raw)["I"]
        target = folder / f"{name}{suffix}"
        # Into 16-bit WAV, samples over full scale saturate: a recording that was too hot comes out clipped.
        codec = ["-c:a", "pcm_s16le"] if suffix == ".wav" else []
        inputs = ["-i", str(raw)]
        if video:
            inputs = ["-f", "lavfi", "-i", f"testsrc=size=160x120:rate=10:duration={seconds}", *inputs]
            codec = ["-map", "0:v", "-map", "1:a", "-c:v", "mpeg4", "-c:a", "aac", "-b:a", "192k", "-shortest"]
        run(*inputs, "-af", f"volume={gain:.2f}dB,aresample={rate}", *codec, str(target))
        return target

    return make


CASES = {
    "quiet speech": dict(kind="speech", lufs=-30.0),
    "loud clipped speech": dict(kind="speech", lufs=-8.0),
    "music with wide dynamics": dict(kind="music", lufs=-20.0, seconds=12.0),
    "mono 22.05 kHz": dict(kind="speech", lufs=-24.0, layout="mono", rate=22050),
    "5.1 surround": dict(kind="speech", lufs=-26.0, layout="5.1", suffix=".flac"),
    "a video file's audio": dict(kind="speech", lufs=-22.0, suffix=".mp4", video=True),
}


@pytest.mark.parametrize("case", sorted(CASES))
def test_material_lands_on_target_with_true_peak_under_the_ceiling(
    case, material, ffmpeg_exe, run_cli, tmp_path
) -> None:
    source = material(case.replace(" ", "-").replace(".", ""), **CASES[case])
    before = meter(ffmpeg_exe, source)
    assert before["I"] == pytest.approx(CASES[case]["lufs"], abs=3.5)  # the material is what it says
    output = tmp_path / "out.mp3"

    result = run_cli("master", str(source), str(output), "--json", "--no-cache")

    assert result.exit_code == 0, result.output
    after = meter(ffmpeg_exe, output)
    assert after["I"] == pytest.approx(-16.0, abs=0.5), after
    assert after["Peak"] <= -1.0, after
    assert decoded_duration(ffmpeg_exe, output) == pytest.approx(decoded_duration(ffmpeg_exe, source), abs=0.05)
    report = json.loads(result.stdout)
    assert report["output"]["integrated_lufs"] == pytest.approx(after["I"], abs=0.2)
    if CASES[case].get("layout", "stereo") == "stereo":  # otherwise it is measured after the channel conversion
        assert report["input"]["integrated_lufs"] == pytest.approx(before["I"], abs=0.3)
        assert report["gain_db"] == pytest.approx(-16.0 - before["I"], abs=1.5)
    assert report["duration"] == pytest.approx(decoded_duration(ffmpeg_exe, source), abs=0.05)


def test_loud_clipped_material_is_limited_not_just_turned_down(material, ffmpeg_exe, run_cli, tmp_path) -> None:
    source = material("hot", kind="speech", lufs=-6.0)
    before = meter(ffmpeg_exe, source)
    assert before["Peak"] >= -0.5 and before["I"] > -10.0  # clipped at full scale, and loud
    output = tmp_path / "hot.mp3"
    assert run_cli("master", str(source), str(output), "--no-cache").exit_code == 0
    after = meter(ffmpeg_exe, output)
    assert after["I"] == pytest.approx(-16.0, abs=0.5)
    assert after["Peak"] <= -1.0


def test_quiet_material_needing_more_gain_than_its_peaks_allow_still_lands(
    material, ffmpeg_exe, run_cli, tmp_path
) -> None:
    """Quiet but peaky (wide dynamics): the gain pushes peaks far over the ceiling; the limiter takes them."""
    source = material("peaky", kind="peaky", lufs=-30.0)
    before = meter(ffmpeg_exe, source)
    assert before["Peak"] - before["I"] > 15  # the needed gain would put the peaks above 0 dBTP
    output = tmp_path / "peaky.mp3"
    result = run_cli("master", str(source), str(output), "--json", "--no-cache")
    after = meter(ffmpeg_exe, output)
    assert after["I"] == pytest.approx(-16.0, abs=0.5) and after["Peak"] <= -1.0
    assert json.loads(result.stdout)["gain_db"] > -16.0 - before["I"]  # it made up what the limiter took


def test_mono_defaults_to_minus_19_and_honours_options(material, ffmpeg_exe, run_cli, tmp_path) -> None:
    source = material("mono-source", kind="speech", lufs=-24.0, layout="mono", rate=22050)
    mono = tmp_path / "mono.mp3"
    assert run_cli("master", str(source), str(mono), "--mono", "--no-cache").exit_code == 0
    assert meter(ffmpeg_exe, mono)["I"] == pytest.approx(-19.0, abs=0.5)
    custom = tmp_path / "custom.mp3"
    options = ("--loudness", "-20", "--true-peak", "-2", "--bitrate", "96", "--sample-rate", "48000", "--no-cache")
    assert run_cli("master", str(source), str(custom), *options).exit_code == 0
    measured = meter(ffmpeg_exe, custom)
    assert measured["I"] == pytest.approx(-20.0, abs=0.5) and measured["Peak"] <= -2.0
    header = subprocess.run([ffmpeg_exe, "-hide_banner", "-i", str(custom)], capture_output=True, text=True).stderr
    assert "48000 Hz, stereo" in header and "96 kb/s" in header


def test_aac_and_vbr_outputs(material, ffmpeg_exe, run_cli, tmp_path) -> None:
    source = material("formats", kind="speech", lufs=-25.0)
    for name, extra in (("out.m4a", ()), ("vbr.mp3", ("--vbr", "5"))):
        output = tmp_path / name
        result = run_cli("master", str(source), str(output), "--no-cache", *extra)
        assert result.exit_code == 0, result.output
        measured = meter(ffmpeg_exe, output)
        assert measured["I"] == pytest.approx(-16.0, abs=0.5) and measured["Peak"] <= -1.0
        assert decoded_duration(ffmpeg_exe, output) == pytest.approx(8.0, abs=0.05)
    header = subprocess.run([ffmpeg_exe, "-hide_banner", "-i", str(tmp_path / "out.m4a")], capture_output=True,
                            text=True).stderr  # fmt: skip
    assert "Audio: aac" in header


def test_silence_at_both_ends_can_be_trimmed(ffmpeg_exe, material, run_cli, tmp_path) -> None:
    speech = material("middle", kind="speech", lufs=-20.0, seconds=5.0)
    padded = tmp_path / "padded.wav"
    subprocess.run(
        [ffmpeg_exe, "-hide_banner", "-loglevel", "error", "-f", "lavfi", "-i", "anullsrc=r=48000:cl=stereo:d=3",
         "-i", str(speech), "-f", "lavfi", "-i", "anullsrc=r=48000:cl=stereo:d=4",
         "-filter_complex", "[0][1][2]concat=n=3:v=0:a=1", str(padded)],
        check=True,
    )  # fmt: skip
    kept, trimmed = tmp_path / "kept.mp3", tmp_path / "trimmed.mp3"
    assert run_cli("master", str(padded), str(kept), "--no-cache").exit_code == 0
    assert run_cli("master", str(padded), str(trimmed), "--trim-silence", "--no-cache").exit_code == 0
    assert decoded_duration(ffmpeg_exe, kept) == pytest.approx(12.0, abs=0.05)
    # The speech itself starts and ends with quiet stretches of its own, so allow for those plus the pads.
    assert 4.0 <= decoded_duration(ffmpeg_exe, trimmed) <= 5.6
    assert meter(ffmpeg_exe, trimmed)["I"] == pytest.approx(-16.0, abs=0.5)


def test_a_rerun_reuses_the_cached_master(material, run_cli, tmp_path, monkeypatch) -> None:
    monkeypatch.setenv("MEDIAPUB_CACHE_DIR", str(tmp_path / "cache"))
    source = material("cached", kind="speech", lufs=-25.0)
    first = json.loads(run_cli("master", str(source), str(tmp_path / "a.mp3"), "--json").stdout)
    second = json.loads(run_cli("master", str(source), str(tmp_path / "b.mp3"), "--json").stdout)
    louder = json.loads(run_cli("master", str(source), str(tmp_path / "c.mp3"), "--json", "--loudness", "-14").stdout)
    assert (first["cached"], second["cached"], louder["cached"]) == (False, True, False)
    assert (tmp_path / "a.mp3").read_bytes() == (tmp_path / "b.mp3").read_bytes()
    assert {k: v for k, v in first.items() if k not in ("cached", "output_file")} == {
        k: v for k, v in second.items() if k not in ("cached", "output_file")
    }


def test_republishing_a_show_does_no_audio_work(show_dir, run_cli, tmp_path, monkeypatch, ffmpeg_exe) -> None:
    """Second publish with a warm cache: ffmpeg is asked to probe, never to encode or measure."""
    monkeypatch.setenv("MEDIAPUB_CACHE_DIR", str(tmp_path / "cache"))
    assert run_cli("publish", "episodes", "--out", "a").exit_code == 0
    log = tmp_path / "ffmpeg.log"
    wrapper = tmp_path / "logging-ffmpeg"
    wrapper.write_text(f'#!/bin/sh\necho "$*" >> "{log}"\nexec "{ffmpeg_exe}" "$@"\n')
    wrapper.chmod(0o755)
    monkeypatch.setenv("MEDIAPUB_FFMPEG", str(wrapper))
    assert run_cli("publish", "episodes", "--out", "b").exit_code == 0
    calls = log.read_text().splitlines()
    assert calls and not [call for call in calls if "libmp3lame" in call or "ebur128" in call]
    assert sorted(p.name for p in (tmp_path / "a").rglob("*.mp3")) == sorted(
        p.name for p in (tmp_path / "b").rglob("*.mp3")
    )


def _bad_inputs(folder: Path, ffmpeg_exe: str) -> dict[str, tuple[Path, str]]:
    def make(name: str, data: bytes) -> Path:
        (folder / name).write_bytes(data)
        return folder / name

    full = folder / "full.mp3"
    subprocess.run([ffmpeg_exe, "-loglevel", "error", "-f", "lavfi", "-i", "sine=d=6", "-b:a", "64k", str(full)],
                   check=True)  # fmt: skip
    silent = folder / "silent.wav"
    subprocess.run([ffmpeg_exe, "-loglevel", "error", "-f", "lavfi", "-i", "anullsrc=d=3", str(silent)], check=True)
    image = folder / "image.mp3"
    subprocess.run([ffmpeg_exe, "-loglevel", "error", "-f", "lavfi", "-i", "testsrc=d=1", "-frames:v", "1",
                    "-f", "image2", "-c:v", "png", str(image)], check=True)  # fmt: skip
    (folder / "folder.wav").mkdir()
    return {
        "empty file": (make("empty.wav", b""), "not a media file ffmpeg can read"),
        "random bytes": (make("random.mp3", bytes(range(256)) * 64), "not a media file ffmpeg can read"),
        "truncated MP3": (make("truncated.mp3", full.read_bytes()[:20000]), "is truncated"),
        "no audio stream": (image, "has no audio stream"),
        "digital silence": (silent, "is silent"),
        "a directory": (folder / "folder.wav", "not a regular file"),
    }


@pytest.mark.parametrize(
    "case", ["empty file", "random bytes", "truncated MP3", "no audio stream", "digital silence", "a directory"]
)
def test_bad_input_is_one_line_naming_the_file_and_leaves_nothing(case, ffmpeg_exe, run_cli, tmp_path) -> None:
    inputs = tmp_path / "in"
    inputs.mkdir()
    source, expected = _bad_inputs(inputs, ffmpeg_exe)[case]
    out = tmp_path / "out"
    out.mkdir()
    result = run_cli("master", str(source), str(out / "x.mp3"), "--no-cache")
    assert result.exit_code in (1, 2)
    (line,) = result.stderr.strip().splitlines()
    assert line.startswith(f"error: {source}") and expected in line, line
    assert "Traceback" not in result.output
    assert list(out.iterdir()) == []  # no output, no partial file


def test_intro_and_outro_join_with_crossfades_at_the_programme_loudness(
    material, ffmpeg_exe, run_cli, tmp_path
) -> None:
    programme = material("with-clips", kind="speech", lufs=-23.0, seconds=8.0)
    intro, outro = tmp_path / "intro.wav", tmp_path / "outro.flac"
    # A hot jingle padded with a second of silence (trimmed), and a quiet sting.
    subprocess.run([ffmpeg_exe, "-loglevel", "error", "-f", "lavfi", "-i", "anullsrc=r=44100:cl=mono:d=1",
                    "-f", "lavfi", "-i", "sine=f=660:r=44100:d=2,volume=0.9", "-filter_complex",
                    "[0][1]concat=n=2:v=0:a=1", str(intro)], check=True)  # fmt: skip
    subprocess.run([ffmpeg_exe, "-loglevel", "error", "-f", "lavfi", "-i", "sine=f=330:r=48000:d=1.5,volume=0.05",
                    str(outro)], check=True)  # fmt: skip
    output = tmp_path / "joined.mp3"
    options = ("--intro", str(intro), "--outro", str(outro), "--crossfade", "0.5", "--json", "--no-cache")
    result = run_cli("master", str(programme), str(output), *options)
    assert result.exit_code == 0, result.output

    expected = 8.0 + 2.0 + 1.5 - 2 * 0.5  # the intro's padding is gone; each join overlaps by the crossfade
    assert decoded_duration(ffmpeg_exe, output) == pytest.approx(expected, abs=0.05)
    assert json.loads(result.stdout)["duration"] == pytest.approx(expected, abs=0.05)
    whole = meter(ffmpeg_exe, output)
    assert whole["I"] == pytest.approx(-16.0, abs=0.5) and whole["Peak"] <= -1.0
    head, tail = tmp_path / "head.wav", tmp_path / "tail.wav"
    subprocess.run([ffmpeg_exe, "-loglevel", "error", "-i", str(output), "-t", "1.4", str(head)], check=True)
    subprocess.run([ffmpeg_exe, "-loglevel", "error", "-sseof", "-0.9", "-i", str(output), str(tail)], check=True)
    for clip in (head, tail):  # neither the hot jingle nor the quiet sting stands out from the programme
        assert meter(ffmpeg_exe, clip)["I"] == pytest.approx(-16.0, abs=3.0), clip.name


def test_episode_audio_overrides_the_show(show_dir, out_dir, run_cli, ffmpeg_exe) -> None:
    episode_file = show_dir / "150-midterms" / "episode.toml"
    episode_file.write_text(episode_file.read_text() + "\n[audio]\nloudness = -18.0\nchannels = 1\n")
    assert run_cli("publish", "episodes", "--out", "public").exit_code == 0
    manifest = json.loads((out_dir / "mediapub-manifest.json").read_text())["episodes"]
    quieter = out_dir / manifest["150-midterms"]["media_key"]
    normal = out_dir / manifest["151-brexit-withdrawal-agreement"]["media_key"]
    assert meter(ffmpeg_exe, quieter)["I"] == pytest.approx(-18.0, abs=0.5)
    assert meter(ffmpeg_exe, normal)["I"] == pytest.approx(-16.0, abs=0.5)
    header = subprocess.run([ffmpeg_exe, "-hide_banner", "-i", str(quieter)], capture_output=True, text=True).stderr
    assert "mono" in header and "64 kb/s" in header


def test_a_missing_intro_is_a_config_error(show_dir, out_dir, run_cli) -> None:
    show_file = show_dir / "show.toml"
    show_file.write_text(show_file.read_text().replace("[audio]\n", '[audio]\nintro = "jingles/intro.wav"\n'))
    result = run_cli("publish", "episodes", "--out", "public")
    assert result.exit_code == 2
    assert result.stderr.strip() == (
        "error: episodes/show.toml: audio.intro: file not found: episodes/jingles/intro.wav"
    )
    assert not out_dir.exists()


def test_the_loudness_plot_draws_input_and_output_where_they_are(material, run_cli, tmp_path) -> None:
    from PIL import Image

    from mediapub.plot import HEIGHT, INPUT_COLOUR, LEFT, OUTPUT_COLOUR, RIGHT, WIDTH, y_for

    source = material("plotted", kind="speech", lufs=-30.0, seconds=20.0)
    picture = tmp_path / "loudness.png"
    result = run_cli("master", str(source), str(tmp_path / "p.mp3"), "--plot", str(picture), "--json", "--no-cache")
    assert result.exit_code == 0, result.output
    report = json.loads(result.stdout)
    image = Image.open(picture).convert("RGB")
    assert image.size == (WIDTH, HEIGHT)

    def rows_with(colour: tuple[int, int, int]) -> list[int]:
        middle = range(LEFT + (WIDTH - LEFT - RIGHT) // 3, LEFT + 2 * (WIDTH - LEFT - RIGHT) // 3)
        return [y for y in range(HEIGHT) for x in middle if image.getpixel((x, y)) == colour]

    output_rows, input_rows = rows_with(OUTPUT_COLOUR), rows_with(INPUT_COLOUR)
    assert output_rows and input_rows
    # Short-term loudness of this speech swings a few LU around its integrated value; the curves sit there.
    scale = y_for(-20) - y_for(-15)  # pixels per 5 LU
    assert abs(sorted(output_rows)[len(output_rows) // 2] - y_for(report["output"]["integrated_lufs"])) < 1.5 * scale
    assert abs(sorted(input_rows)[len(input_rows) // 2] - y_for(report["input"]["integrated_lufs"])) < 1.5 * scale
    assert sorted(input_rows)[len(input_rows) // 2] > sorted(output_rows)[len(output_rows) // 2]  # input is quieter


def test_publish_stores_a_loudness_plot_per_episode(show_dir, out_dir, run_cli) -> None:
    from PIL import Image

    summary = json.loads(run_cli("publish", "episodes", "--out", "public", "--json").stdout)
    for episode in summary["episodes"]:
        assert episode["loudness"]["output"]["integrated_lufs"] == pytest.approx(-16.0, abs=0.5)
        url = episode["loudness_plot"]
        path = out_dir / url.removeprefix("https://podcast.theduran.example/news-in-review/")
        assert path.parent.name == episode["slug"] and Image.open(path).format == "PNG"


def test_a_show_published_as_aac_has_m4a_enclosures_with_tags(show_dir, out_dir, run_cli, ffmpeg_exe) -> None:
    import feedparser
    from mutagen.mp4 import MP4

    show_file = show_dir / "show.toml"
    show_file.write_text(show_file.read_text().replace('format = "mp3"', 'format = "aac"'))
    assert run_cli("publish", "episodes", "--out", "public").exit_code == 0
    entries = feedparser.parse((out_dir / "feed.xml").read_bytes()).entries
    for entry in entries:
        (enclosure,) = entry.enclosures
        assert enclosure.type == "audio/x-m4a" and enclosure.href.endswith(".m4a")
        path = out_dir / enclosure.href.removeprefix("https://podcast.theduran.example/news-in-review/")
        assert int(enclosure.length) == path.stat().st_size
        tags = MP4(path).tags
        assert tags is not None and tags["\xa9nam"] == [entry.title] and tags["\xa9alb"] == ["News in Review"]
        assert meter(ffmpeg_exe, path)["I"] == pytest.approx(-16.0, abs=0.5)


def test_mastering_from_python(material, ffmpeg_exe, tmp_path) -> None:
    import mediapub

    source = material("python-api", kind="speech", lufs=-28.0)
    result = mediapub.master(mediapub.FFmpeg(), source, tmp_path / "api.mp3", mediapub.AudioSettings(loudness=-18))
    assert result.path == tmp_path / "api.mp3" and result.mime_type == "audio/mpeg"
    assert result.report is not None and result.report.cached is False
    assert meter(ffmpeg_exe, result.path)["I"] == pytest.approx(-18.0, abs=0.5)
    assert [p.name for p in tmp_path.iterdir()] == ["api.mp3"]  # no partial files left beside it


def test_master_refuses_to_overwrite_its_input(material, run_cli, tmp_path) -> None:
    import shutil

    source = tmp_path / "take.wav"
    shutil.copy(material("overwrite", kind="speech", lufs=-20.0), source)
    before = source.read_bytes()
    result = run_cli("master", str(source.with_suffix(".wav")), str(source), "--no-cache")
    assert result.exit_code == 2
    assert "must end in .mp3 or .m4a" in result.stderr or "would overwrite an input" in result.stderr
    mp3 = tmp_path / "take.mp3"
    assert run_cli("master", str(source), str(mp3), "--no-cache").exit_code == 0
    again = run_cli("master", str(mp3), str(mp3), "--no-cache")
    assert again.exit_code == 2 and "would overwrite an input" in again.stderr
    assert source.read_bytes() == before
