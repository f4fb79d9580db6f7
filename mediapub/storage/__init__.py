"""Where published files go. Backends know objects and keys, never feeds or episodes."""

from .base import Storage, check_key, content_type_for
from .dry_run import DryRunStorage
from .local import LocalStorage

__all__ = ["DryRunStorage", "LocalStorage", "Storage", "check_key", "content_type_for"]
