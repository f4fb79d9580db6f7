"""Where published files go. Backends know objects and keys, never feeds or episodes."""

from .base import IMMUTABLE, SHORT_LIVED, Storage, check_key, content_type_for, sha256_of
from .dry_run import DryRunStorage
from .local import LocalStorage

__all__ = [
    "IMMUTABLE",
    "SHORT_LIVED",
    "DryRunStorage",
    "LocalStorage",
    "Storage",
    "check_key",
    "content_type_for",
    "sha256_of",
]
