"""Extractive summaries: the sentences of an article that say the most, in the article's own words.

News is written lead first, so the opening sentence carries most weight; the
rest are scored by how many of the article's frequent content words they
use (a Luhn-style score), and the best are returned in their original order.
No model, no network, no randomness: the same text always gives the same
summary, so republishing never changes the notes.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Sequence

#: Common English words that say nothing about what an article is about.
_STOPWORD_TEXT = """a about above after again against all also am an and any are as at be because been before
    being below
    between both but by can could did do does doing down during each few for from further had has have having he
    her here hers herself him himself his how i if in into is it its itself just me more most my myself no nor not
    now of off on once only or other our ours ourselves out over own said same says she should so some such than
    that the their theirs them themselves then there these they this those through to too under until up very was
    we were what when where which while who whom why will with would you your yours yourself yourselves mr mrs ms
    one two new would could told according year years"""
STOPWORDS = frozenset(_STOPWORD_TEXT.split())
_SENTENCE = re.compile(r"(?<=[.!?…])[\"'”’)]*\s+(?=[\"'“‘(]?[A-Z0-9])")
_ABBREVIATIONS = re.compile(r"\b(?:Mr|Mrs|Ms|Dr|Prof|St|Jr|Sr|Gen|Gov|Sen|Rep|Lt|Col|No|U\.S|U\.K|e\.g|i\.e)\.$")
_WORD = re.compile(r"[^\W\d_]+(?:['’][^\W\d_]+)?")


def sentences(text: str) -> list[str]:
    """Split text into sentences, not breaking after common abbreviations such as "Mr." or "U.K."."""
    found: list[str] = []
    for paragraph in re.split(r"\n\s*\n", text):
        merged: list[str] = []
        for piece in _SENTENCE.split(" ".join(paragraph.split())):
            if merged and _ABBREVIATIONS.search(merged[-1]):
                merged[-1] = f"{merged[-1]} {piece}"
            elif piece:
                merged.append(piece)
        found += merged
    return [sentence.strip() for sentence in found if sentence.strip()]


def summarize(text: str, *, max_sentences: int = 3, max_chars: int = 420) -> str:
    """One to ``max_sentences`` sentences from ``text`` (at most ``max_chars``), in their original order."""
    candidates = [s for s in sentences(text) if 6 <= len(_WORD.findall(s)) <= 80]
    if not candidates:
        return _clip(" ".join(text.split()), max_chars)
    frequencies = Counter(word for s in candidates for word in _content_words(s))
    scores = [_score(s, index, frequencies) for index, s in enumerate(candidates)]
    ranked = sorted(range(len(candidates)), key=lambda index: (-scores[index], index))
    chosen: list[int] = []
    length = 0
    for index in ranked:
        added = len(candidates[index]) + (1 if chosen else 0)
        if chosen and (len(chosen) >= max_sentences or length + added > max_chars):
            continue
        chosen.append(index)
        length += added
    if len(chosen) == 1 and len(candidates[chosen[0]]) > max_chars:
        return _clip(candidates[chosen[0]], max_chars)
    return " ".join(candidates[index] for index in sorted(chosen))


def combined_summary(summaries: Sequence[str], *, max_chars: int = 300) -> str:
    """A short summary of several articles: the lead sentence of each, while they fit."""
    leads = [sentences(summary)[0] for summary in summaries if summary.strip()]
    kept: list[str] = []
    for lead in leads:
        if kept and sum(len(s) + 1 for s in kept) + len(lead) > max_chars:
            break
        kept.append(lead)
    return _clip(" ".join(kept), max_chars) if kept else ""


def _content_words(sentence: str) -> list[str]:
    return [word for word in (w.lower() for w in _WORD.findall(sentence)) if word not in STOPWORDS and len(word) > 2]


def _score(sentence: str, index: int, frequencies: Counter[str]) -> float:
    words = _content_words(sentence)
    if not words:
        return 0.0
    significance = sum(frequencies[word] for word in set(words)) / (len(words) ** 0.5)
    lead_bonus = 2.0 if index == 0 else 1.3 if index == 1 else 1.0
    return significance * lead_bonus


def _clip(text: str, max_chars: int) -> str:
    """Cut at a word boundary and mark the cut."""
    if len(text) <= max_chars:
        return text
    cut = text[: max_chars - 1].rsplit(" ", 1)[0].rstrip(",;:—- ")
    return cut + "…"
