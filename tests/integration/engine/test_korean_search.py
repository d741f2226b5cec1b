"""Korean search on the real node: the seed article is found by natural queries."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from crawler.engine.bulk import index_articles
from crawler.engine.client import SearchStore
from crawler.engine.search import search_articles
from crawler.engine.search_hits import MARK_END, MARK_START
from crawler.models import Article
from tests.conftest import seed_article

UNRELATED = [
    Article(
        url="https://sports.example/1",
        title="프로야구 삼성 라이온즈, 연장 끝에 역전승",
        text="삼성 라이온즈가 대구 삼성라이온즈파크에서 열린 경기에서 연장 11회 끝내기 안타로 "
        "역전승을 거뒀다. 선발 투수는 7이닝 동안 삼진 9개를 잡았다.",
        fetched=datetime(2024, 5, 1, tzinfo=UTC),
    ),
    Article(
        url="https://food.example/2",
        title="겨울 김장 김치 담그는 법",
        text="배추를 소금에 절이고 고춧가루와 젓갈로 양념을 만든다. 교통이 편한 시장에서 "
        "재료를 사면 좋다.",
        fetched=datetime(2024, 5, 1, tzinfo=UTC),
    ),
]


@pytest.fixture()
def indexed(ready_store: SearchStore, seed_text: str) -> SearchStore:
    seed = seed_article(seed_text)
    report = index_articles(ready_store, [seed, *UNRELATED])
    assert report.created == 3
    ready_store.request("POST", "/newswatch-articles/_refresh")
    return ready_store


SEED_QUERIES = [
    "스마트시티",
    "스마트 시티",
    "스마트시티를",
    "시티브레인",
    "City Brain",
    "城市大脑",
    "항저우 알리바바",
    "Hangzhou",
    "알리바바의",
    "대구시장",
    "교통 신호",
    "ETRI",
    "업무협약 | 알리바바클라우드",
    '"스마트시티 선진 사례"',
]


@pytest.mark.parametrize("query", SEED_QUERIES)
def test_seed_article_is_found(indexed: SearchStore, query: str) -> None:
    _, hits = search_articles(indexed, query)
    assert hits, f"{query!r} found nothing"
    assert hits[0].url == "https://example.tistory.com/12", (query, [h.url for h in hits])


@pytest.mark.parametrize(
    "query", ["프로야구 역전승", "김장 김치", "바르셀로나", "스마트시티 -항저우"]
)
def test_seed_article_is_not_found_by_unrelated_queries(indexed: SearchStore, query: str) -> None:
    _, hits = search_articles(indexed, query)
    assert "https://example.tistory.com/12" not in [h.url for h in hits]


def test_snippets_are_highlighted_on_one_line_and_clean_fields_unmarked(
    indexed: SearchStore,
) -> None:
    _, hits = search_articles(indexed, "시티브레인")
    assert MARK_START in hits[0].marked_snippet and MARK_END in hits[0].marked_snippet
    for text in (hits[0].snippet, hits[0].title):
        assert "\n" not in text and "  " not in text
        assert MARK_START not in text and "<em>" not in text


def analyze(store: SearchStore, text: str, analyzer: str = "korean") -> list[str]:
    result = store.request(
        "POST", "/newswatch-articles/_analyze", {"analyzer": analyzer, "text": text}
    )
    return [t["token"] for t in result["tokens"]]


def test_spaced_and_unspaced_compounds_analyze_alike(ready_store: SearchStore) -> None:
    assert analyze(ready_store, "스마트시티") == analyze(ready_store, "스마트 시티")
    assert analyze(ready_store, "시티브레인을") == analyze(ready_store, "시티 브레인")


def test_part_of_speech_filter_keeps_meaningful_pieces(ready_store: SearchStore) -> None:
    # Particles go (를, 의), nouns and loanwords stay.
    assert analyze(ready_store, "알리바바의 본사") == ["알리바바", "본사"]
    # Alone in a short query Nori tags a trailing 의 as a noun; the search
    # analyzer removes such stand-alone particles.
    query_tokens = analyze(ready_store, "알리바바의", "korean_search")
    assert "의" not in query_tokens
    assert {"알리바바", "alibaba"} <= set(query_tokens)  # with its synonyms
    tokens = analyze(ready_store, "대구시는 신도시에 테스트베드를")
    assert "를" not in tokens and "는" not in tokens
    assert {"대구", "테스트", "베드"} <= set(tokens)
    # The prefix 신 (new, XPN) and noun suffixes (XSN) are kept on purpose:
    # Nori's default stop tags would drop them.
    assert "신" in analyze(ready_store, "신기술") or "신기술" in analyze(ready_store, "신기술")
