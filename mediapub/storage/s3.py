"""The S3 backend: any S3-compatible bucket (AWS S3, Cloudflare R2, Backblaze B2, Spaces, MinIO) through boto3.

Credentials come only from boto3's own chain (environment, shared profile,
instance role): mediapub never reads, prints or logs them, and its errors
name the bucket and key, never a secret.

Each object records the SHA-256 of its content in its metadata, so a
republish compares hashes with a HEAD request and sends nothing that is
already there. Every file upload (possibly in parallel parts) is checked
afterwards (HEAD, size match) before the pipeline moves on, which is what
lets it write the feed last and trust that everything the feed points at
exists; a single PUT of bytes either lands whole or fails. Transient failures (throttling,
5xx, dropped connections) are retried with backoff by botocore; permanent
ones become one clear line.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..errors import StorageError
from ..model import StoredObject
from .base import check_key, content_type_for, sha256_of, stored_object

log = logging.getLogger(__name__)

#: Files above this go up in parallel parts (and parts of this size).
MULTIPART_THRESHOLD = 16 * 1024 * 1024
#: Metadata key holding the content hash (stored as x-amz-meta-sha256).
HASH_METADATA = "sha256"


@dataclass(frozen=True, slots=True)
class S3Location:
    """Where to publish: a bucket, a key prefix inside it, and how to reach the service."""

    bucket: str
    prefix: str = ""
    endpoint_url: str | None = None
    region: str | None = None
    addressing_style: str | None = None  # "path" or "virtual"; None lets boto3 choose
    acl: str | None = None  # e.g. "public-read" where the bucket uses ACLs

    @property
    def label(self) -> str:
        return f"s3://{self.bucket}/{self.prefix}".rstrip("/")


class S3Storage:
    """Publishes into a bucket; ``base_url`` is the public (usually CDN) URL of ``location.prefix``."""

    def __init__(self, location: S3Location, base_url: str, *, client: Any = None, max_workers: int = 8) -> None:
        self.location = location
        self.base_url = base_url if base_url.endswith("/") else base_url + "/"
        self.prefix = location.prefix.strip("/") + "/" if location.prefix.strip("/") else ""
        self.client = client or _client(location, max_workers)
        self.max_workers = max_workers

    def public_url(self, key: str) -> str:
        return self.base_url + check_key(key)

    def _key(self, key: str) -> str:
        return self.prefix + check_key(key)

    def list(self, prefix: str) -> list[str]:
        full = self.prefix + check_key(prefix.rstrip("/")) + "/"
        keys: list[str] = []
        try:
            pages = self.client.get_paginator("list_objects_v2").paginate(Bucket=self.location.bucket, Prefix=full)
            for page in pages:
                keys += [item["Key"].removeprefix(self.prefix) for item in page.get("Contents", [])]
        except Exception as exc:
            raise self._error(exc, prefix) from None
        return sorted(keys)

    def modified(self, key: str) -> float | None:
        head = self._head(key)
        return head["LastModified"].timestamp() if head and "LastModified" in head else None

    def delete(self, key: str) -> None:
        full = self._key(key)
        try:
            self.client.delete_object(Bucket=self.location.bucket, Key=full)
        except Exception as exc:
            raise self._error(exc, key) from None

    def exists(self, key: str) -> bool:
        return self._head(key) is not None

    def get(self, key: str) -> bytes | None:
        full = self._key(key)
        try:
            response = self.client.get_object(Bucket=self.location.bucket, Key=full)
            return bytes(response["Body"].read())
        except Exception as exc:  # botocore's errors are not importable types until botocore is
            if _code(exc) in ("NoSuchKey", "404", "NotFound"):
                return None
            raise self._error(exc, key) from None

    def put(self, key: str, source: bytes | Path, *, cache_control: str) -> StoredObject:
        self._key(key)  # refuse an unsafe key before any work
        digest = sha256_of(source)
        size = source.stat().st_size if isinstance(source, Path) else len(source)
        existing = self._head(key)
        unchanged = (
            existing is not None
            and existing.get("ContentLength") == size
            and existing.get("Metadata", {}).get(HASH_METADATA) == digest
        )
        if not unchanged:
            self._upload(key, source, digest, cache_control)
            # A single PUT of bytes either stores them all or fails; a file (possibly in parts) is checked.
            stored = self._head(key) if isinstance(source, Path) else {"ContentLength": size}
            if stored is None or stored.get("ContentLength") != size:
                raise StorageError(f"{key}: the upload did not arrive whole", subject=self.location.label)
        return stored_object(self.public_url(key), key, source, digest, written=not unchanged)

    def _upload(self, key: str, source: bytes | Path, digest: str, cache_control: str) -> None:
        extra: dict[str, Any] = {
            "ContentType": content_type_for(key),
            "CacheControl": cache_control,
            "Metadata": {HASH_METADATA: digest},
        }
        if self.location.acl:
            extra["ACL"] = self.location.acl
        log.info("uploading %s to %s", key, self.location.label)
        try:
            if isinstance(source, Path):
                from boto3.s3.transfer import TransferConfig

                config = TransferConfig(
                    multipart_threshold=MULTIPART_THRESHOLD,
                    multipart_chunksize=MULTIPART_THRESHOLD,
                    max_concurrency=self.max_workers,
                )
                self.client.upload_file(str(source), self.location.bucket, self._key(key), ExtraArgs=extra,
                                        Config=config)  # fmt: skip
            else:
                self.client.put_object(Bucket=self.location.bucket, Key=self._key(key), Body=source, **extra)
        except Exception as exc:
            raise self._error(exc, key) from None

    def _head(self, key: str) -> dict[str, Any] | None:
        full = self._key(key)
        try:
            return dict(self.client.head_object(Bucket=self.location.bucket, Key=full))
        except Exception as exc:
            if _code(exc) in ("404", "NoSuchKey", "NotFound"):
                if self._bucket_missing():
                    raise StorageError("no such bucket", subject=self.location.label) from None
                return None
            raise self._error(exc, key) from None

    def _bucket_missing(self) -> bool:
        try:
            self.client.head_bucket(Bucket=self.location.bucket)
        except Exception as exc:
            return _code(exc) in ("404", "NoSuchBucket", "NotFound")
        return False

    def _error(self, exc: Exception, key: str) -> StorageError:
        """One line for the producer: what failed, on which bucket and key, never credentials."""
        code = _code(exc)
        if code in ("NoSuchBucket",):
            return StorageError("no such bucket", subject=self.location.label)
        if code in ("AccessDenied", "403", "InvalidAccessKeyId", "SignatureDoesNotMatch", "Forbidden"):
            return StorageError(
                f"access denied writing {key} (check the credentials boto3 finds: environment, profile or role)",
                subject=self.location.label,
            )
        name = type(exc).__name__
        if name in ("EndpointConnectionError", "ConnectionClosedError", "ConnectTimeoutError", "ReadTimeoutError"):
            where = self.location.endpoint_url or "the S3 endpoint"
            return StorageError(f"cannot reach {where} ({name})", subject=self.location.label)
        if name == "NoCredentialsError":
            return StorageError("no credentials found (set them up for boto3: environment, profile or role)",
                                subject=self.location.label)  # fmt: skip
        return StorageError(f"{key}: {code or name}", subject=self.location.label)


def _code(exc: Exception) -> str | None:
    response = getattr(exc, "response", None)
    if isinstance(response, dict):
        return str(response.get("Error", {}).get("Code")) or None
    return None


def _client(location: S3Location, max_workers: int) -> Any:
    """A boto3 client with retries (backoff on throttling, 5xx and dropped connections) and a big pool."""
    import boto3
    from botocore.config import Config

    options: dict[str, Any] = {
        "retries": {"max_attempts": 6, "mode": "standard"},
        "max_pool_connections": max(10, max_workers * 2),
        "connect_timeout": 10,
        "read_timeout": 60,
    }
    if location.addressing_style:
        options["s3"] = {"addressing_style": location.addressing_style}
    config = Config(**options)
    # A session of our own: boto3's default session is process-wide state and caches the credentials it found.
    session = boto3.session.Session()
    return session.client("s3", endpoint_url=location.endpoint_url, region_name=location.region, config=config)
