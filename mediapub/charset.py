"""Decoding a fetched page as a browser would: BOM, HTTP header, the page's own <meta>, UTF-8, then a guess.

Undeclared legacy pages are mostly windows-1252, so the guess prefers it when it reads
as well as charset-normalizer's best answer (which can pick a neighbour that garbles
"naïve" into "naďve").
"""

from __future__ import annotations

import codecs
import re

import charset_normalizer

# Where a page declares its own encoding: <meta charset="..."> or <meta http-equiv ... content="...; charset=...">.
META_CHARSET = re.compile(rb"""<meta[^>]+charset\s*=\s*["']?\s*([A-Za-z0-9_.:-]+)""", re.IGNORECASE)


# Browsers decode pages labelled Latin-1 or ASCII as windows-1252 (WHATWG Encoding Standard); publishers rely on it.
WINDOWS_1252_LABELS = frozenset({"iso8859-1", "ascii"})


# charset-normalizer tells the Western code pages apart by tiny differences in "mess"; an undeclared legacy
# page on the web is windows-1252 unless another code page reads better by more than this.
WINDOWS_1252_MARGIN = 0.01


# Share of control or replacement characters above which decoded "text" is really binary data.
GARBLED_SHARE = 0.05


def decode_html(body: bytes, declared_charset: str | None) -> str:
    """Decode a page as a browser would: a BOM, then the HTTP header's charset, then the page's own <meta>,
    then UTF-8, and only then a guess, which prefers windows-1252 (what undeclared legacy pages mostly are)."""
    for bom, codec in (
        (codecs.BOM_UTF8, "utf-8-sig"),
        (codecs.BOM_UTF16_LE, "utf-16"),
        (codecs.BOM_UTF16_BE, "utf-16"),
    ):
        if body.startswith(bom):
            return body.decode(codec, errors="replace")
    meta = META_CHARSET.search(body[:16384])
    for label in (declared_charset, meta.group(1).decode("ascii") if meta else None):
        declared = _codec(label)
        if declared:
            try:
                return body.decode(declared)
            except UnicodeDecodeError:
                continue  # wrong labels are common; the next clue may be right
    try:
        return body.decode("utf-8")
    except UnicodeDecodeError:
        return _guess_and_decode(body)


def _codec(label: str | None) -> str | None:
    """Python's codec for a charset label ("text/html; charset=UTF-8" and quoted labels included)."""
    if not label:
        return None
    try:
        name = codecs.lookup(label.rpartition("charset=")[2].strip().strip("\"'")).name
    except LookupError:
        return None
    return "cp1252" if name in WINDOWS_1252_LABELS else name


def _guess_and_decode(body: bytes) -> str:
    matches = charset_normalizer.from_bytes(body)
    best = matches.best()
    if best is None:
        return body.decode("cp1252", errors="replace")
    western = next((match for match in matches if match.encoding == "cp1252"), None)
    if western is not None and western.chaos <= best.chaos + WINDOWS_1252_MARGIN:
        return str(western)
    return str(best)


def looks_binary(body: bytes) -> bool:
    """NUL bytes never occur in HTML text (UTF-16 pages announce themselves with a BOM)."""
    head = body[:2048]
    return b"\x00" in head and not head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE))


def looks_garbled(text: str) -> bool:
    sample = text[:4096]
    odd = sum(1 for char in sample if char == "\ufffd" or (char < " " and char not in "\t\n\r\f"))
    return odd > GARBLED_SHARE * len(sample)
