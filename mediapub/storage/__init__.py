"""Where published files go. Backends know objects and keys, never feeds or episodes."""

from .base import IMMUTABLE, SHORT_LIVED, Storage, check_key, content_type_for, sha256_of
from .dry_run import DryRunStorage
from .local import LocalStorage
from .s3 import S3Location, S3Storage

__all__ = [
    "IMMUTABLE",
    "SHORT_LIVED",
    "DryRunStorage",
    "LocalStorage",
    "S3Location",
    "S3Storage",
    "Storage",
    "check_key",
    "content_type_for",
    "sha256_of",
]
