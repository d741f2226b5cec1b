"""Extraction benchmark: newswatch's page_to_article against plain trafilatura.

Usage: python benchmarks/bench_extract.py [FOLDER ...]

Reads tests/fixtures/pages plus every FOLDER given, each holding NAME.html
pages with NAME.json expectations (url, fetched, title, published, text,
optional headers). Both extractors see the same bytes in the same run.
Reports token F1 of the text, exact title match, published-date accuracy to
the minute (and to the day, since trafilatura reports dates without a time),
and pages per second.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

import trafilatura

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from crawler.extraction import ExtractionError, page_to_article  # noqa: E402
from crawler.models import SEOUL  # noqa: E402

DEFAULT_FOLDER = ROOT / "tests" / "fixtures" / "pages"
# Each side runs for at least 2 s so timer noise and warm-up stay under ~5 %.
MIN_SECONDS_PER_SIDE = 2.0
# Sides alternate in rounds so a busy machine slows both alike.
ROUNDS = 4
# A page counts as Korean when over 30 % of its expected text's letters are Hangul.
KOREAN_SHARE = 0.3


@dataclass(frozen=True)
class Page:
    name: str
    body: bytes
    spec: dict[str, Any]

    @property
    def fetched(self) -> datetime:
        return datetime.fromisoformat(self.spec["fetched"])

    @property
    def korean(self) -> bool:
        letters = [c for c in self.spec.get("text", "") + self.spec.get("title", "") if c.isalpha()]
        hangul = sum(1 for c in letters if "가" <= c <= "힣")
        return bool(letters) and hangul / len(letters) > KOREAN_SHARE


@dataclass(frozen=True)
class Result:
    title: str | None
    text: str
    published: datetime | None


def load_pages(folders: list[Path]) -> list[Page]:
    pages = []
    for folder in folders:
        for html in sorted(folder.glob("*.html")):
            spec_path = html.with_suffix(".json")
            if spec_path.exists():
                spec = json.loads(spec_path.read_text(encoding="utf-8"))
                pages.append(Page(f"{folder.name}/{html.stem}", html.read_bytes(), spec))
    return pages


def run_newswatch(page: Page) -> Result:
    try:
        article = page_to_article(
            page.body, page.spec["url"], fetched=page.fetched, headers=page.spec.get("headers")
        )
    except ExtractionError:
        return Result(None, "", None)
    return Result(article.title, article.text, article.published)


def run_trafilatura(page: Page) -> Result:
    doc = trafilatura.bare_extraction(page.body, url=page.spec["url"], with_metadata=True)
    if doc is None:
        return Result(None, "", None)
    data = doc if isinstance(doc, dict) else doc.as_dict()
    published = None
    if data.get("date"):
        # trafilatura gives a calendar date ("2024-03-05"); read it as Seoul midnight.
        published = datetime.fromisoformat(data["date"]).replace(tzinfo=SEOUL)
    return Result(data.get("title"), data.get("text") or "", published)


def token_f1(expected: str, got: str) -> float:
    want, have = Counter(expected.split()), Counter(got.split())
    if not want and not have:
        return 1.0
    common = sum((want & have).values())
    if not common:
        return 0.0
    precision, recall = common / sum(have.values()), common / sum(want.values())
    return 2 * precision * recall / (precision + recall)


def same_time(expected: str | None, got: datetime | None, unit: str = "minute") -> bool:
    if expected is None or got is None:
        return expected is None and got is None
    want = datetime.fromisoformat(expected).astimezone(SEOUL)
    have = got.astimezone(SEOUL)
    if unit == "day":
        return want.date() == have.date()
    return want.replace(second=0, microsecond=0) == have.replace(second=0, microsecond=0)


def mean(values: list[float] | list[bool]) -> float:
    return sum(values) / len(values) if values else float("nan")


def score(pages: list[Page], results: list[Result]) -> dict[str, float]:
    pairs = list(zip(pages, results, strict=True))
    korean = [(p, r) for p, r in pairs if p.korean]
    return {
        "text F1 (mean)": mean([token_f1(p.spec["text"], r.text) for p, r in pairs]),
        "title exact": mean([r.title == p.spec["title"] for p, r in pairs]),
        "published, minute": mean([same_time(p.spec["published"], r.published) for p, r in pairs]),
        "published, day": mean(
            [same_time(p.spec["published"], r.published, "day") for p, r in pairs]
        ),
        "published, minute (Korean)": mean(
            [same_time(p.spec["published"], r.published) for p, r in korean]
        ),
    }


def time_side(pages: list[Page], run: Callable[[Page], Result], budget: float) -> tuple[int, float]:
    """(pages done, seconds) running whole passes over `pages` for at least `budget` s."""
    done, start = 0, time.perf_counter()
    while time.perf_counter() - start < budget:
        for page in pages:
            run(page)
        done += len(pages)
    return done, time.perf_counter() - start


def measure_speed(pages: list[Page]) -> dict[str, float]:
    totals = {"newswatch": [0, 0.0], "trafilatura": [0, 0.0]}
    sides = {"newswatch": run_newswatch, "trafilatura": run_trafilatura}
    for _ in range(ROUNDS):
        for name, run in sides.items():
            done, seconds = time_side(pages, run, MIN_SECONDS_PER_SIDE / ROUNDS)
            totals[name][0] += done
            totals[name][1] += seconds
    return {name: done / seconds for name, (done, seconds) in totals.items()}


def print_pages(pages: list[Page], ours: list[Result], theirs: list[Result]) -> None:
    print(f"{'page':<40} {'F1 nw':>6} {'F1 tf':>6}  title nw/tf  date nw/tf")
    for page, a, b in zip(pages, ours, theirs, strict=True):
        marks = ["✓" if r.title == page.spec["title"] else "✗" for r in (a, b)] + [
            "✓" if same_time(page.spec["published"], r.published, "minute") else "✗" for r in (a, b)
        ]
        print(f"{page.name:<40} {token_f1(page.spec['text'], a.text):6.3f} "
              f"{token_f1(page.spec['text'], b.text):6.3f}      {marks[0]} / {marks[1]}      "
              f"{marks[2]} / {marks[3]}")  # fmt: skip


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "folders", nargs="*", type=Path, help="extra folders of NAME.html + NAME.json"
    )
    args = parser.parse_args(argv)
    pages = load_pages([DEFAULT_FOLDER, *args.folders])
    if not pages:
        print("no pages found", file=sys.stderr)
        return 1
    ours = [run_newswatch(p) for p in pages]
    theirs = [run_trafilatura(p) for p in pages]
    print_pages(pages, ours, theirs)
    mine, other = score(pages, ours), score(pages, theirs)
    speed = measure_speed(pages)
    korean = sum(p.korean for p in pages)
    print(f"\n{len(pages)} pages ({korean} Korean)\n")
    print(f"{'metric':<30} {'newswatch':>10} {'trafilatura':>12} {'ratio':>7}")
    for key in mine:
        ratio = mine[key] / other[key] if other[key] else float("inf")
        print(f"{key:<30} {mine[key]:10.3f} {other[key]:12.3f} {ratio:7.2f}")
    ratio = speed["newswatch"] / speed["trafilatura"]
    print(f"{'pages/s':<30} {speed['newswatch']:10.1f} {speed['trafilatura']:12.1f} {ratio:7.2f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
