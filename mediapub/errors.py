"""The one error hierarchy of mediapub.

Every error a user can cause or meet carries what it is about (a file, a field,
a URL, an episode) so the CLI can print it as a single line and pick an exit
code without inspecting messages. Anything that is not a ``MediapubError`` is a
bug in mediapub and is shown with a traceback.
"""

from __future__ import annotations

from pathlib import Path


class MediapubError(Exception):
    """Base class: a problem the user can fix, reported as one line."""

    #: Exit status the CLI uses for this kind of error.
    exit_code = 1

    def __init__(self, message: str, *, subject: str | Path | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.subject = str(subject) if subject is not None else None

    def __str__(self) -> str:
        return f"{self.subject}: {self.message}" if self.subject else self.message


class ConfigError(MediapubError):
    """A show or episode file is missing, malformed or inconsistent."""

    exit_code = 2

    def __init__(self, message: str, *, file: str | Path, field: str | None = None) -> None:
        self.file = str(file)
        self.field = field
        super().__init__(f"{field}: {message}" if field else message, subject=file)


class UsageError(MediapubError):
    """The command line asks for something impossible."""

    exit_code = 2


class MediaError(MediapubError):
    """A recording could not be read, or ffmpeg failed on it."""


class EpisodeError(MediapubError):
    """One episode failed; wraps the cause with the episode it belongs to."""

    def __init__(self, slug: str, cause: MediapubError) -> None:
        self.slug = slug
        self.cause = cause
        super().__init__(str(cause), subject=f"episode {slug}")


class StorageError(MediapubError):
    """Storage refused or failed an operation on an object key."""
