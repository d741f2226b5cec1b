"""Extraction benchmark: newswatch's page_to_article against plain trafilatura.

Usage: python benchmarks/bench_extract.py [--pages] [FOLDER ...]

Reads tests/fixtures/pages, every folder under ../shared/corpus/ (beside the
project) when it is there, and every FOLDER given. A folder holds NAME.html
(the bytes as fetched) with NAME.json: `url`, `fetched` and whichever of
`title`, `author`, `published`, `text` the source states. A key absent from
the JSON is not scored (it means "not known", never "the page has none").

Both extractors see the same bytes in the same run. Per folder, side by side:
text F1 (Korean text: character bigrams after removing whitespace and
punctuation, so spacing does not count; other text: lower-cased word tokens),
title exact match (whitespace normalized), published to the minute (only where
the truth has a clock time) and to the day (Asia/Seoul), author (same set of
names) and pages/s. Then every page where newswatch is worse than trafilatura
on a field, or its text F1 is more than 0.1 below, so regressions are seen.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
import time
import unicodedata
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

import trafilatura

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from crawler.extraction import ExtractionError, page_to_article  # noqa: E402
from crawler.vocabulary import SEOUL, in_seoul  # noqa: E402

FIXTURE_FOLDER = ROOT / "tests" / "fixtures" / "pages"
CORPUS = ROOT.parent / "shared" / "corpus"
# Each side runs for at least this long per folder, in alternating rounds, so
# timer noise and a busy machine's swings stay under ~5 % and hit both sides.
SECONDS_PER_SIDE = 1.0
ROUNDS = 2
# A page counts as Korean when over 30 % of its expected text's letters are Hangul.
KOREAN_SHARE = 0.3
# Text F1 this far below trafilatura's lists the page as a regression.
TEXT_REGRESSION = 0.1
# A reference this short is not worth a text score (one caption, one line).
MIN_SCORED_TEXT_CHARS = 20

_NAME_SPLIT = re.compile(r"\s*(?:[,;/&·|]|\band\b)\s*", re.IGNORECASE)
_BY = re.compile(r"^by\s+", re.IGNORECASE)


@dataclass(frozen=True)
class Page:
    folder: str
    name: str
    body: bytes
    spec: dict[str, Any]

    @property
    def fetched(self) -> datetime:
        return datetime.fromisoformat(self.spec["fetched"])

    @property
    def korean(self) -> bool:
        return is_korean(self.spec.get("text") or self.spec.get("title") or "")


@dataclass(frozen=True)
class Result:
    title: str | None
    text: str
    published: datetime | None
    author: str | None


def is_korean(text: str) -> bool:
    letters = [c for c in text if c.isalpha()]
    hangul = sum(1 for c in letters if "가" <= c <= "힣")
    return bool(letters) and hangul / len(letters) > KOREAN_SHARE


def find_folders(extra: list[Path]) -> list[Path]:
    """The fixture pages, every corpus folder holding pages, then the folders given."""
    corpus = sorted({p.parent for p in CORPUS.rglob("*.html")}) if CORPUS.is_dir() else []
    return list(dict.fromkeys([FIXTURE_FOLDER, *corpus, *extra]))


def load_pages(folders: list[Path]) -> list[Page]:
    pages = []
    for folder in folders:
        label = folder.relative_to(CORPUS) if folder.is_relative_to(CORPUS) else folder.name
        for html in sorted(folder.glob("*.html")):
            spec_path = html.with_suffix(".json")
            if spec_path.exists():
                spec = json.loads(spec_path.read_text(encoding="utf-8"))
                pages.append(Page(str(label), html.stem, html.read_bytes(), spec))
    return pages


def run_newswatch(page: Page) -> Result:
    try:
        article = page_to_article(
            page.body, page.spec["url"], fetched=page.fetched, headers=page.spec.get("headers")
        )
    except ExtractionError:
        return Result(None, "", None, None)
    return Result(article.title, article.text, article.published, article.author)


def run_trafilatura(page: Page) -> Result:
    doc = trafilatura.bare_extraction(page.body, url=page.spec["url"], with_metadata=True)
    if doc is None:
        return Result(None, "", None, None)
    data = doc if isinstance(doc, dict) else doc.as_dict()
    published = None
    if data.get("date"):
        # trafilatura gives a calendar date ("2024-03-05"); read it as Seoul midnight.
        published = in_seoul(datetime.fromisoformat(data["date"]))
    return Result(data.get("title"), data.get("text") or "", published, data.get("author"))


def units(text: str, korean: bool) -> Counter[str]:
    """Korean: character bigrams without spaces and punctuation; else lower-cased words."""
    if korean:
        kept = "".join(c for c in text if unicodedata.category(c)[0] in "LN")
        return Counter(kept[i : i + 2] for i in range(len(kept) - 1))
    words = (w.strip(".,;:!?\"'()[]“”‘’«»—–-").lower() for w in text.split())
    return Counter(w for w in words if w)


def text_f1(expected: str, got: str) -> float:
    korean = is_korean(expected)
    want, have = units(expected, korean), units(got, korean)
    if not want and not have:
        return 1.0
    common = sum((want & have).values())
    if not common:
        return 0.0
    precision, recall = common / sum(have.values()), common / sum(want.values())
    return 2 * precision * recall / (precision + recall)


def same_title(expected: str | None, got: str | None) -> bool:
    return " ".join((expected or "").split()) == " ".join((got or "").split())


def names(raw: str | None) -> frozenset[str]:
    parts = _NAME_SPLIT.split(_BY.sub("", " ".join((raw or "").split())))
    return frozenset(p.lower() for p in parts if p)


def same_author(expected: str | None, got: str | None) -> bool:
    return names(expected) == names(got)


def has_clock(expected: str) -> bool:
    return "T" in expected or ":" in expected


def same_time(expected: str | None, got: datetime | None, unit: str) -> bool:
    if expected is None or got is None:
        return expected is None and got is None
    want = datetime.fromisoformat(expected).astimezone(SEOUL)
    have = got.astimezone(SEOUL)
    if unit == "day":
        return want.date() == have.date()
    return want.replace(second=0, microsecond=0) == have.replace(second=0, microsecond=0)


# field name → (is the page scored on it, score of one result)
Scorer = tuple[Callable[[Page], bool], Callable[[Page, Result], float]]
FIELDS: dict[str, Scorer] = {
    "text F1": (
        lambda p: len(p.spec.get("text") or "") >= MIN_SCORED_TEXT_CHARS,
        lambda p, r: text_f1(p.spec["text"], r.text),
    ),
    "title exact": (lambda p: "title" in p.spec, lambda p, r: same_title(p.spec["title"], r.title)),
    "published, minute": (
        lambda p: bool(p.spec.get("published")) and has_clock(p.spec["published"]),
        lambda p, r: same_time(p.spec["published"], r.published, "minute"),
    ),
    "published, day": (
        lambda p: "published" in p.spec,
        lambda p, r: same_time(p.spec["published"], r.published, "day"),
    ),
    "author": (lambda p: "author" in p.spec, lambda p, r: same_author(p.spec["author"], r.author)),
}


def mean(values: Iterable[float]) -> float:
    found = list(values)
    return sum(found) / len(found) if found else float("nan")


def time_side(pages: list[Page], run: Callable[[Page], Result], budget: float) -> tuple[int, float]:
    """(pages done, seconds) running whole passes over `pages` for at least `budget` s."""
    done, start = 0, time.perf_counter()
    while time.perf_counter() - start < budget:
        for page in pages:
            run(page)
        done += len(pages)
    return done, time.perf_counter() - start


def measure_speed(pages: list[Page]) -> tuple[float, float]:
    """(newswatch pages/s, trafilatura pages/s), sides alternating in rounds."""
    totals = {run_newswatch: [0, 0.0], run_trafilatura: [0, 0.0]}
    for _ in range(ROUNDS):
        for run, total in totals.items():
            done, seconds = time_side(pages, run, SECONDS_PER_SIDE / ROUNDS)
            total[0] += done
            total[1] += seconds
    ours, theirs = (done / seconds for done, seconds in totals.values())
    return ours, theirs


Scored = list[tuple[Page, Result, Result]]


def field_rows(group: Scored) -> list[tuple[str, int, float, float]]:
    rows = []
    for name, (applies, score) in FIELDS.items():
        scored = [(p, a, b) for p, a, b in group if applies(p)]
        if scored:
            ours = mean(score(p, a) for p, a, _ in scored)
            theirs = mean(score(p, b) for p, _, b in scored)
            rows.append((name, len(scored), ours, theirs))
    return rows


def print_group(title: str, group: Scored, speed: tuple[float, float] | None) -> None:
    print(f"\n{title}: {len(group)} pages")
    print(f"  {'metric':<20} {'n':>4} {'newswatch':>10} {'trafilatura':>12} {'ratio':>7}")
    for name, count, ours, theirs in field_rows(group):
        ratio = f"{ours / theirs:7.2f}" if theirs else "      -"
        print(f"  {name:<20} {count:4d} {ours:10.3f} {theirs:12.3f} {ratio}")
    if speed:
        ours, theirs = speed
        print(f"  {'pages/s':<20} {'':>4} {ours:10.1f} {theirs:12.1f} {ours / theirs:7.2f}")


def regressions(scored: Scored) -> list[str]:
    """One line per page and field where newswatch is behind trafilatura."""
    lines = []
    for page, ours, theirs in scored:
        for name, (applies, score) in FIELDS.items():
            if not applies(page):
                continue
            a, b = score(page, ours), score(page, theirs)
            margin = TEXT_REGRESSION if name == "text F1" else 0.0
            if a < b - margin:
                detail = describe(name, page, ours, theirs)
                lines.append(f"  {page.folder}/{page.name}: {name} {a:.3f} < {b:.3f}{detail}")
    return lines


def describe(name: str, page: Page, ours: Result, theirs: Result) -> str:
    if name.startswith("published"):
        return f"  (truth {page.spec['published']}, ours {ours.published}, tf {theirs.published})"
    if name == "title exact":
        return f"  (truth {page.spec['title']!r}, ours {ours.title!r})"
    if name == "author":
        return f"  (truth {page.spec['author']!r}, ours {ours.author!r}, tf {theirs.author!r})"
    return ""


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("folders", nargs="*", type=Path, help="more folders of NAME.html+json")
    parser.add_argument("--no-speed", action="store_true", help="skip the timing rounds")
    args = parser.parse_args(argv)
    pages = load_pages(find_folders([f.resolve() for f in args.folders]))
    if not pages:
        print("no pages found", file=sys.stderr)
        return 1
    scored = [(p, run_newswatch(p), run_trafilatura(p)) for p in pages]
    for folder in dict.fromkeys(p.folder for p in pages):
        group = [row for row in scored if row[0].folder == folder]
        speed = None if args.no_speed else measure_speed([p for p, _, _ in group])
        print_group(folder, group, speed)
    korean = [row for row in scored if row[0].folder.startswith("korean")]
    if korean:
        print_group("korean (all folders)", korean, None)
    print_group("all pages", scored, None if args.no_speed else measure_speed(pages))
    behind = regressions(scored)
    print(f"\npages where newswatch is behind trafilatura: {len(behind)}")
    print("\n".join(behind))
    return 0


if __name__ == "__main__":
    sys.exit(main())
