"""Pruning: deleting published files that no feed refers to any more, only when asked.

A publish never deletes or overwrites media: a changed recording gets a new
key and the old file stays, because a listener's app may still be fetching
it. ``mediapub prune`` is the separate, explicit step that removes such
files once the producer decides they may go. It keeps everything that any
stored feed document (the feed, its archive pages, the episodes' item
documents) points at, the documents themselves, the manifest, and the
producer-facing notes and loudness plots, and the web pages; it only ever
considers files under ``episodes/`` and ``artwork/``.
"""

from __future__ import annotations

import re
import time
from collections.abc import Iterable
from dataclasses import dataclass

from lxml import etree

from .storage import Storage

#: Only these kinds of files are ever pruned: what feeds point at, and may be superseded.
PRUNABLE_FOLDERS = ("episodes/", "artwork/")
KEPT_SUFFIXES = (".md",)
KEPT_PREFIXES = ("loudness-", "thumb-")  # plots, and the artwork the pages show
#: The episodes' web pages and oEmbed documents: kept while the feed links the episode's page.
KEPT_NAMES = ("index.html", "oembed.json")


@dataclass(frozen=True, slots=True)
class PrunePlan:
    """What a prune keeps and what it removes."""

    referenced: frozenset[str]
    unreferenced: tuple[str, ...]
    #: Media URLs in the documents that are not under the storage's base URL: pruning is unsafe then.
    foreign: tuple[str, ...] = ()


def plan_prune(storage: Storage, documents: Iterable[str], *, grace_seconds: float = 0.0) -> PrunePlan:
    """Find the files under ``PRUNABLE_FOLDERS`` that none of the stored ``documents`` (keys) refers to.

    Files written in the last ``grace_seconds`` are kept whatever the documents say:
    a publish running at the same time stores its media before the items that
    will refer to them.
    """
    referenced: set[str] = set()
    base = storage.public_url("x")[:-1]
    foreign: list[bytes] = []
    for key in documents:
        data = storage.get(key)
        if data:
            referenced |= _keys_in(data, base)
            foreign += [
                url for url in re.findall(rb'<enclosure url="([^"]+)"', data) if not url.startswith(base.encode())
            ]
    # JSON chapters name their chapter images: keep what the kept chapter files point at.
    for key in sorted(k for k in referenced if k.endswith(".json")):
        data = storage.get(key)
        if data:
            referenced |= {
                url[len(base) :] for url in re.findall(r'"(https?://[^"]+)"', data.decode()) if url.startswith(base)
            }
    candidates = [key for folder in PRUNABLE_FOLDERS for key in storage.list(folder)]
    # An episode's pages stay while the feed links its page; a renamed episode's old pages go with its old media.
    paged = {_episode_folder(key) for key in referenced if key.endswith(("/index.html", "/"))}
    unreferenced = tuple(
        key
        for key in candidates
        if key not in referenced
        and not key.endswith(KEPT_SUFFIXES)
        and not key.rsplit("/", 1)[-1].startswith(KEPT_PREFIXES)
        and not (key.rsplit("/", 1)[-1] in KEPT_NAMES and _episode_folder(key) in paged)
    )
    if grace_seconds > 0:
        now = time.time()
        unreferenced = tuple(key for key in unreferenced if now - (storage.modified(key) or now) >= grace_seconds)
    return PrunePlan(
        referenced=frozenset(referenced),
        unreferenced=unreferenced,
        foreign=tuple(url.decode(errors="replace") for url in foreign),
    )


def _episode_folder(key: str) -> str:
    """``episodes/<slug>/`` for any key inside an episode's folder (its embed page included)."""
    return "/".join(key.split("/")[:2]) + "/"


def _keys_in(document: bytes, base: str) -> set[str]:
    """Every key under ``base`` that a feed document mentions, in attributes or text."""
    try:
        root = etree.fromstring(document, etree.XMLParser(resolve_entities=False, no_network=True))
    except etree.XMLSyntaxError:
        return set()
    found = set()
    for element in root.iter():
        values = [*element.attrib.values(), element.text or ""]
        for value in values:
            value = value.strip()
            if value.startswith(base):
                found.add(value[len(base) :].split("?")[0].split("#")[0])
    return found
