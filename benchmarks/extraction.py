"""How well does mediapub read articles, next to trafilatura with its default settings?

Runs, in this one process, over the pages of an article-extraction benchmark set
(ScrapingHub's, see the data folder's README.md: ``html/<id>.html.gz`` and
``ground-truth.json`` with each page's ``url`` and true ``articleBody``):

  baseline   trafilatura.extract(html, url=url)
  mediapub   mediapub.extract.extract_article(page bytes, url).text

and prints F1, precision, recall and pages/s for each, with its ratio to the baseline.
The score is the benchmark's own: ``\\w+`` tokens, overlapping 4-token shingles
counted as multisets, precision and recall per page, then precision averaged over
pages with a prediction and recall over pages with a true text.

    python benchmarks/extraction.py --data ../shared/data/aeb-dev
"""

from __future__ import annotations

import argparse
import gzip
import json
import logging
import re
import statistics
import sys
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import trafilatura

from mediapub.extract import extract_article

DEFAULT_DATA = Path(__file__).resolve().parent.parent.parent / "shared" / "data" / "aeb-dev"
TOKEN = re.compile(r"\w+", re.UNICODE | re.MULTILINE | re.IGNORECASE | re.DOTALL)
SHINGLE = 4


@dataclass(frozen=True, slots=True)
class Page:
    id: str
    url: str
    body: bytes
    truth: str


@dataclass(frozen=True, slots=True)
class Score:
    f1: float
    precision: float
    recall: float
    pages_per_second: float


def load_pages(data: Path) -> list[Page]:
    truth = json.loads((data / "ground-truth.json").read_text(encoding="utf-8"))
    return [
        Page(key, item["url"], gzip.decompress((data / "html" / f"{key}.html.gz").read_bytes()), item["articleBody"])
        for key, item in sorted(truth.items())
    ]


def shingles(text: str) -> Counter[tuple[str, ...]]:
    tokens = TOKEN.findall(text or "")
    grams = (tuple(tokens[i : i + SHINGLE]) for i in range(max(1, len(tokens) - SHINGLE + 1)))
    return Counter(gram for gram in grams if gram)


def page_counts(truth: str, prediction: str) -> tuple[float, float, float]:
    """True positives, false positives and false negatives, normalised so that long pages weigh no more."""
    true, predicted = shingles(truth), shingles(prediction)
    tp = sum((true & predicted).values())
    fp = sum((predicted - true).values())
    fn = sum((true - predicted).values())
    total = tp + fp + fn
    return (tp / total, fp / total, fn / total) if total else (0.0, 0.0, 0.0)


def corpus_score(counts: list[tuple[float, float, float]], seconds: float) -> Score:
    def ratio(hit: float, miss: float, other_miss: float) -> float:
        if miss == other_miss == 0:
            return 1.0
        return hit / (hit + miss) if hit + miss else 0.0

    precision = statistics.mean(ratio(tp, fp, fn) for tp, fp, fn in counts if tp + fp > 0)
    recall = statistics.mean(ratio(tp, fn, fp) for tp, fp, fn in counts if tp + fn > 0)
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return Score(f1, precision, recall, len(counts) / seconds)


def run(pages: list[Page], extractor: Callable[[Page], str]) -> Score:
    counts = []
    elapsed = 0.0
    for page in pages:
        start = time.perf_counter()
        prediction = extractor(page)
        elapsed += time.perf_counter() - start
        counts.append(page_counts(page.truth, prediction))
    return corpus_score(counts, elapsed)


def trafilatura_default(page: Page) -> str:
    return trafilatura.extract(page.body.decode("utf-8"), url=page.url) or ""


def mediapub_extractor(page: Page) -> str:
    try:
        return extract_article(page.body, page.url).text
    except ValueError:
        return ""  # the page yielded no article: scored as an empty prediction


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA, help="benchmark folder (default: %(default)s)")
    args = parser.parse_args()
    if not (args.data / "ground-truth.json").is_file():
        sys.exit(f"error: no benchmark data at {args.data} (expected ground-truth.json and html/); pass --data PATH")
    logging.disable(logging.WARNING)  # trafilatura logs every page it finds hard; the table is the output
    pages = load_pages(args.data)
    trafilatura_default(pages[0])  # load trafilatura's models and caches outside the timed runs
    baseline = run(pages, trafilatura_default)
    ours = run(pages, mediapub_extractor)
    print(f"{len(pages)} pages from {args.data}")
    header = ("F1", 7), ("precision", 10), ("recall", 7), ("pages/s", 8), ("F1 ratio", 9), ("speed ratio", 12)
    print(f"{'extractor':<22}" + "".join(f" {name:>{width}}" for name, width in header))
    for name, score in (("trafilatura (default)", baseline), ("mediapub", ours)):
        print(
            f"{name:<22} {score.f1:7.4f} {score.precision:10.4f} {score.recall:7.4f} {score.pages_per_second:8.1f}"
            f" {score.f1 / baseline.f1:9.3f} {score.pages_per_second / baseline.pages_per_second:12.2f}"
        )


if __name__ == "__main__":
    main()
