"""The ffmpeg wrapper: finding the binary, probing real files, and clear failures."""

from __future__ import annotations

import pytest

from mediapub.errors import MediaError, UsageError
from mediapub.ffmpeg import ENV_VAR, FFmpeg, find_ffmpeg


def test_env_var_overrides_the_bundled_binary(monkeypatch, tmp_path, ffmpeg_exe) -> None:
    monkeypatch.setenv(ENV_VAR, ffmpeg_exe)
    assert find_ffmpeg() == ffmpeg_exe
    monkeypatch.setenv(ENV_VAR, str(tmp_path / "missing-ffmpeg"))
    with pytest.raises(UsageError, match=f"{ENV_VAR} points at .*missing-ffmpeg, which is not an executable file"):
        find_ffmpeg()


def test_probe_reads_audio_facts(make_audio) -> None:
    ffmpeg = FFmpeg()
    stereo = make_audio("stereo.wav", seconds=1.5, extra=("-ac", "2", "-ar", "48000"))
    info = ffmpeg.probe(stereo)
    assert (info.has_audio, info.has_video, info.channels, info.sample_rate) == (True, False, 2, 48000)
    assert info.duration == pytest.approx(1.5, abs=0.01)
    surround = make_audio("surround.flac", seconds=0.5, extra=("-ac", "6"))
    assert ffmpeg.probe(surround).channels == 6


def test_measure_duration_decodes(make_audio) -> None:
    path = make_audio("short.ogg", seconds=2.25, extra=("-c:a", "libvorbis"))
    assert FFmpeg().measure_duration(path) == pytest.approx(2.25, abs=0.03)


def test_failures_name_the_file_and_say_why(tmp_path) -> None:
    junk = tmp_path / "junk.mp3"
    junk.write_bytes(b"\x01\x02" * 50)
    ffmpeg = FFmpeg()
    with pytest.raises(MediaError, match=r"junk\.mp3: not a media file ffmpeg can read"):
        ffmpeg.probe(junk)
    with pytest.raises(MediaError, match=r"junk\.mp3: ffmpeg failed: .+"):
        ffmpeg.run(["-i", junk, "-f", "null", "-"], subject=junk)
