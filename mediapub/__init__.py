"""mediapub: publish a podcast and its video episodes end to end.

The public Python API mirrors the command line: load a show, build a
``PublishContext`` (storage, ffmpeg, progress) and call ``publish``; or master
one recording with ``master(FFmpeg(), source, destination, AudioSettings())``.
"""

from ._version import __version__
from .cache import FileCache
from .config import load_show
from .errors import ConfigError, EpisodeError, MediaError, MediapubError, StorageError, UsageError
from .ffmpeg import FFmpeg
from .mastering import master
from .model import AudioSettings, EncodedAudio, Episode, MasterReport, PublishResult, Show, ShowSource
from .pipeline import PublishContext, PublishError, publish
from .progress import Reporter
from .storage import DryRunStorage, LocalStorage, Storage

__all__ = [
    "AudioSettings",
    "ConfigError",
    "DryRunStorage",
    "EncodedAudio",
    "Episode",
    "EpisodeError",
    "FFmpeg",
    "FileCache",
    "LocalStorage",
    "MasterReport",
    "MediaError",
    "MediapubError",
    "PublishContext",
    "PublishError",
    "PublishResult",
    "Reporter",
    "Show",
    "ShowSource",
    "Storage",
    "StorageError",
    "UsageError",
    "__version__",
    "load_show",
    "master",
    "publish",
]
