"""How times and dates read to people, wherever mediapub shows them: show notes, web pages, plots.

One place, so the notes' "at 8:05", the page's chapter list and the loudness plot's axis
never disagree on how a time is written.
"""

from __future__ import annotations

import datetime as dt


def clock(seconds: float) -> str:
    """Whole seconds as a player shows them: "8:05", or "1:02:03" past the hour."""
    hours, rest = divmod(int(seconds), 3600)
    minutes, secs = divmod(rest, 60)
    return f"{hours}:{minutes:02d}:{secs:02d}" if hours else f"{minutes}:{secs:02d}"


def long_date(value: dt.date) -> str:
    """ "16 November 2018": unambiguous in every English-speaking country."""
    return f"{value.day} {value:%B %Y}"
