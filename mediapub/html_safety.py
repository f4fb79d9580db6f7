"""The one allow-list for HTML that mediapub publishes (feed, show notes, web pages).

Show notes carry text from producers and from fetched news pages; the feed's
``content:encoded`` and every web page embed them. Keeping the allow-list in
one place means a page can never be laxer than the feed: both run their HTML
through ``sanitize_html`` (nh3, Rust's ammonia).
"""

from __future__ import annotations

import nh3

ALLOWED_TAGS = frozenset({"p", "br", "a", "ul", "ol", "li", "strong", "em", "b", "i", "blockquote", "h3", "h4"})
ALLOWED_ATTRIBUTES = {"a": {"href", "title"}}
URL_SCHEMES = frozenset({"http", "https", "mailto"})


def sanitize_html(markup: str) -> str:
    """Keep only the allow-listed tags; links get ``rel="noopener noreferrer"``."""
    return nh3.clean(
        markup,
        tags=set(ALLOWED_TAGS),
        attributes={tag: set(names) for tag, names in ALLOWED_ATTRIBUTES.items()},
        url_schemes=set(URL_SCHEMES),
        link_rel="noopener noreferrer",
    )
