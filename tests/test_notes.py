"""Show notes: summary first, article links, and nothing unsafe in the HTML."""

from __future__ import annotations

import datetime as dt

from mediapub.model import Episode
from mediapub.notes import render_notes, sanitize_html


def _episode(**changes) -> Episode:
    data = {
        "slug": "1-x",
        "number": 1,
        "title": "T",
        "date": dt.date(2018, 11, 16),
        "summary": "First paragraph\nwrapped.\n\nSecond <b>paragraph</b> & more.",
        "recording": "x.mp3",
        "articles": [
            "https://example.com/a?x=1&y=2",
            {"url": "https://example.com/b", "title": "B [brackets] *stars*"},
        ],
    }
    data.update(changes)
    return Episode.model_validate(data)


def test_summary_comes_first_then_the_articles() -> None:
    notes = render_notes(_episode())
    assert notes.html.startswith("<p>First paragraph wrapped.</p><p>Second paragraph &amp; more.</p>")
    assert '<a href="https://example.com/a?x=1&amp;y=2" rel="noopener noreferrer">' in notes.html
    assert ">B [brackets] *stars*</a>" in notes.html
    assert notes.markdown.startswith("First paragraph wrapped.\n\nSecond paragraph & more.")
    assert "- [B \\[brackets\\] \\*stars\\*](<https://example.com/b>)" in notes.markdown
    assert notes.text.endswith("- B [brackets] *stars*: https://example.com/b")


def test_without_articles_there_is_no_empty_list() -> None:
    notes = render_notes(_episode(articles=[]))
    assert "<ul>" not in notes.html and "Articles" not in notes.markdown


def test_sanitizer_removes_scripts_handlers_and_bad_urls() -> None:
    dirty = (
        '<p onclick="steal()">hi<script>alert(1)</script></p><a href="javascript:alert(1)">x</a>'
        '<img src=x onerror=alert(1)><iframe src="https://evil"></iframe>'
        '<a href="https://ok.example/" target="_blank">ok</a>'
    )
    clean = sanitize_html(dirty)
    for bad in ("script", "onclick", "javascript:", "onerror", "<img", "iframe", "target="):
        assert bad not in clean
    assert '<a href="https://ok.example/" rel="noopener noreferrer">ok</a>' in clean
    assert clean.startswith("<p>hi</p>")
