"""normalize_article: the step after extraction that the crawl and `newswatch extract` share."""

from __future__ import annotations

from datetime import datetime

from crawler.extraction import normalize_article
from crawler.items import EntryHints
from crawler.models import Article

FETCHED = datetime.fromisoformat("2024-03-07T12:00:00+09:00")
FEED_TIME = datetime.fromisoformat("2024-03-07T09:15:00+09:00")
URL = "https://m.yna.co.kr/view/AKR20240307?utm_source=naver"


def article(**fields: object) -> Article:
    values: dict[str, object] = {"url": URL, "title": "제목", "text": "본문", "fetched": FETCHED}
    values.update(fields)
    return Article(**values)  # type: ignore[arg-type]


def test_the_declared_canonical_is_spelled_as_the_index_spells_it() -> None:
    declared = "https://WWW.yna.co.kr/view/AKR20240307?from=search#top"
    normalized = normalize_article(article(canonical_url=declared))
    assert normalized.canonical_url == "https://www.yna.co.kr/view/AKR20240307"
    assert normalize_article(normalized) == normalized


def test_without_a_declared_canonical_the_url_is_normalized() -> None:
    assert normalize_article(article()).canonical_url == "https://www.yna.co.kr/view/AKR20240307"


def test_hints_fill_only_what_the_page_lacks() -> None:
    hints = EntryHints(title="피드 제목", published=FEED_TIME)
    assert normalize_article(article(title="", published=None), hints).title == "피드 제목"
    assert normalize_article(article(published=None), hints).published == FEED_TIME
    own = article(published=FETCHED)
    assert normalize_article(own, hints).published == FETCHED
    assert normalize_article(own, hints).title == "제목"


def test_the_configured_kind_replaces_the_detected_one() -> None:
    assert normalize_article(article(kind="news"), kind="press").kind == "press"
    assert normalize_article(article(kind="blog")).kind == "blog"
