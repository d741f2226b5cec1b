"""Quality gate over saved pages: every tests/fixtures/pages/NAME.html with its NAME.json."""

from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest

from crawler.extraction import page_to_article
from crawler.models import Article

PAGES = Path(__file__).resolve().parents[2] / "fixtures" / "pages"
NAMES = sorted(p.stem for p in PAGES.glob("*.html"))

# Token F1 floor against the full expected text: 0.95 leaves room for a stray
# caption or heading while catching lost paragraphs and leaked boilerplate.
MIN_TEXT_F1 = 0.95


def load(name: str) -> tuple[dict[str, Any], Article]:
    spec = json.loads((PAGES / f"{name}.json").read_text(encoding="utf-8"))
    article = page_to_article(
        (PAGES / f"{name}.html").read_bytes(),
        spec["url"],
        fetched=datetime.fromisoformat(spec["fetched"]),
        headers=spec.get("headers"),
    )
    return spec, article


def as_time(value: str | None) -> datetime | None:
    return datetime.fromisoformat(value) if value else None


def token_f1(expected: str, got: str) -> float:
    from collections import Counter

    want, have = Counter(expected.split()), Counter(got.split())
    if not want and not have:
        return 1.0
    common = sum((want & have).values())
    if not common:
        return 0.0
    precision, recall = common / sum(have.values()), common / sum(want.values())
    return 2 * precision * recall / (precision + recall)


def test_every_page_has_its_expectations() -> None:
    assert len(NAMES) >= 14
    for name in NAMES:
        assert (PAGES / f"{name}.json").exists(), name


@pytest.mark.parametrize("name", NAMES)
def test_fields(name: str) -> None:
    spec, article = load(name)
    assert article.title == spec["title"]
    assert article.author == spec["author"]
    assert article.published == as_time(spec["published"])
    assert article.modified == as_time(spec["modified"])
    assert article.canonical_url == spec["canonical_url"]
    assert article.site_name == spec["site_name"]
    assert article.kind == spec["kind"]


@pytest.mark.parametrize("name", NAMES)
def test_text(name: str) -> None:
    spec, article = load(name)
    assert article.text.startswith(spec["text_first"])
    assert article.text.endswith(spec["text_last"])
    for snippet in spec["must_contain"]:
        assert snippet in article.text or snippet in article.title, snippet
    for snippet in spec["must_not_contain"]:
        assert snippet not in article.text, snippet
    assert token_f1(spec["text"], article.text) >= MIN_TEXT_F1


@pytest.mark.parametrize(
    "name",
    [
        n
        for n in NAMES
        if "original_outlet" in json.loads((PAGES / f"{n}.json").read_text(encoding="utf-8"))
    ],
)
def test_repost(name: str) -> None:
    spec, article = load(name)
    assert article.original_outlet == spec["original_outlet"]
    assert article.original_url == spec.get("original_url")
