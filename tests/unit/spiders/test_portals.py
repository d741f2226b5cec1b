"""crawler.spiders.portals: search-portal requests, parsers, paging and budget (pure, no network).

The samples under tests/fixtures/portals/ are hand-written in each API's shape.
"""

from __future__ import annotations

import json
import logging
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest

from crawler.spiders.portals import (
    MissingCredentials,
    PortalHit,
    build_request,
    calls_allowed_now,
    engines_available,
    iterate_until_seen,
    next_request,
    parse_response,
)
from crawler.vocabulary import SEOUL

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures" / "portals"
KEYS = {"NAVER_CLIENT_ID": "id-123", "NAVER_CLIENT_SECRET": "secret-456", "KAKAO_REST_API_KEY": "k"}


def fixture(name: str) -> bytes:
    return (FIXTURES / name).read_bytes()


def query_of(url: str) -> dict[str, list[str]]:
    return parse_qs(urlsplit(url).query)


# --- requests ------------------------------------------------------------------


def test_google_news_url() -> None:
    request = build_request("google_news", "스마트시티 외교", {})
    assert request.url.startswith("https://news.google.com/rss/search?")
    assert query_of(request.url) == {
        "q": ["스마트시티 외교"],
        "hl": ["ko"],
        "gl": ["KR"],
        "ceid": ["KR:ko"],
    }
    assert dict(request.headers) == {}


@pytest.mark.parametrize("kind", ["news", "blog"])
def test_naver_request(kind: str) -> None:
    request = build_request(f"naver_{kind}", "시티브레인", KEYS)  # type: ignore[arg-type]
    assert request.url.startswith(f"https://openapi.naver.com/v1/search/{kind}.json?")
    assert query_of(request.url) == {
        "query": ["시티브레인"],
        "display": ["100"],
        "start": ["1"],
        "sort": ["date"],
    }
    assert request.headers == {"X-Naver-Client-Id": "id-123", "X-Naver-Client-Secret": "secret-456"}


@pytest.mark.parametrize("kind", ["web", "blog"])
def test_kakao_request(kind: str) -> None:
    request = build_request(f"daum_{kind}", "스마트시티 업무협약", KEYS, position=2)  # type: ignore[arg-type]
    assert request.url.startswith(f"https://dapi.kakao.com/v2/search/{kind}?")
    assert query_of(request.url)["sort"] == ["recency"]
    assert query_of(request.url)["page"] == ["2"]
    assert request.headers == {"Authorization": "KakaoAK k"}


def test_a_request_without_keys_names_the_variable() -> None:
    with pytest.raises(MissingCredentials, match="NAVER_CLIENT_ID"):
        build_request("naver_news", "q", {})


def test_naver_start_is_capped_at_1000() -> None:
    with pytest.raises(ValueError, match=r"1\.\.1000"):
        build_request("naver_news", "q", KEYS, position=1001)


def test_engines_available_skips_engines_without_keys_in_one_log_line(
    caplog: pytest.LogCaptureFixture,
) -> None:
    engines = ["google_news", "naver_news", "naver_blog", "daum_web"]
    with caplog.at_level(logging.WARNING, logger="crawler.spiders.portals"):
        usable, skipped = engines_available(engines, {"NAVER_CLIENT_ID": "x"})  # type: ignore[arg-type]
    assert usable == ["google_news"]
    assert skipped == [
        ("naver_news", "NAVER_CLIENT_SECRET not set"),
        ("naver_blog", "NAVER_CLIENT_SECRET not set"),
        ("daum_web", "KAKAO_REST_API_KEY not set"),
    ]
    assert len(caplog.records) == 1
    assert "naver_news" in caplog.text and "KAKAO_REST_API_KEY" in caplog.text


def test_engines_available_with_all_keys_is_silent(caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.WARNING, logger="crawler.spiders.portals"):
        usable, skipped = engines_available(["naver_news", "daum_blog"], KEYS)
    assert (usable, skipped, caplog.records) == (["naver_news", "daum_blog"], [], [])


# --- parsers -------------------------------------------------------------------


def test_parse_google_news() -> None:
    hits = parse_response("google_news", fixture("google_news.rss"))
    assert [h.title for h in hits] == [
        "대구시장, 항저우 알리바바 방문…'시티브레인' 벤치마킹",
        "서울시, 스마트시티 해외 협력 MOU 체결",
    ]
    first = hits[0]
    assert first.url == "https://news.google.com/rss/articles/CBMiTESTARTICLEONE?oc=5"
    assert first.source == "내일신문"
    assert first.published == datetime(2024, 5, 1, 2, 30, tzinfo=UTC)
    assert "<" not in first.snippet and "시티브레인" in first.snippet
    assert first.engine == "google_news"


def test_parse_naver_news() -> None:
    hits = parse_response("naver_news", fixture("naver_news.json"))
    assert hits[0] == PortalHit(
        url="https://www.naeil.com/news/read/123456",
        title='대구시, 스마트시티 해외 협력 "시티브레인" 도입 검토',
        snippet=(
            "권영진 대구시장은 중국 항저우 알리바바 본사를 방문해 스마트시티 선진 사례를 살폈다."
        ),
        published=datetime(2024, 5, 1, 11, 30, tzinfo=SEOUL),
        engine="naver_news",
    )
    # no originallink: Naver's own copy
    assert hits[1].url == "https://n.news.naver.com/mnews/article/001/0014600000?sid=101"
    assert hits[1].title == "스마트시티 업무협약 체결 & 실증 착수"
    assert hits[1].published is not None and hits[1].published.utcoffset() == timedelta(hours=9)


def test_parse_naver_blog() -> None:
    [hit] = parse_response("naver_blog", fixture("naver_blog.json"))
    assert hit.url == "https://blog.naver.com/smartcitylab/223400000001"
    assert hit.title == "항저우 시티브레인 견학 후기"
    assert hit.source == "스마트도시 연구노트"
    assert hit.published == datetime(2024, 4, 30, tzinfo=SEOUL)


def test_parse_kakao() -> None:
    [web] = parse_response("daum_web", fixture("kakao_web.json"))
    assert web.title == "스마트시티 MOU 시장 방문"
    assert web.published == datetime(2024, 5, 1, 1, 15, tzinfo=UTC)
    [blog] = parse_response("daum_blog", fixture("kakao_blog.json"))
    assert blog.snippet == "알리바바 & 항저우 시티브레인 사례"
    assert blog.source == "스마트시티 노트"
    assert blog.published == datetime(2024, 4, 29, 21, tzinfo=timezone(timedelta(hours=9)))


def test_bad_dates_become_none() -> None:
    body = json.dumps({"items": [{"link": "https://e.kr/1", "title": "t", "pubDate": "어제"}]})
    [hit] = parse_response("naver_news", body.encode())
    assert hit.published is None


# --- paging --------------------------------------------------------------------


def naver_page(count: int) -> bytes:
    items = [{"link": f"https://e.kr/{i}", "title": "t", "description": ""} for i in range(count)]
    return json.dumps({"items": items}).encode()


def test_naver_paging_stops_at_1000_results() -> None:
    request = build_request("naver_news", "q", KEYS)
    starts = [request.position]
    while (following := next_request(request, naver_page(100), KEYS)) is not None:
        request = following
        starts.append(request.position)
    assert starts == [1, 101, 201, 301, 401, 501, 601, 701, 801, 901]


def test_naver_paging_stops_on_a_short_page() -> None:
    assert next_request(build_request("naver_news", "q", KEYS), naver_page(37), KEYS) is None


def test_kakao_paging_follows_is_end() -> None:
    first = build_request("daum_web", "q", KEYS)
    following = next_request(first, fixture("kakao_web.json"), KEYS)
    assert following is not None and following.position == 2
    assert next_request(first, fixture("kakao_blog.json"), KEYS) is None


def test_google_news_has_one_page() -> None:
    request = build_request("google_news", "q", {})
    assert next_request(request, fixture("google_news.rss"), {}) is None


def test_iterate_until_seen_stops_at_the_first_known_url() -> None:
    hits = parse_response("naver_news", naver_page(5))
    known = {"https://e.kr/2", "https://e.kr/4"}
    fresh = list(iterate_until_seen(hits, known.__contains__))
    assert [h.url for h in fresh] == ["https://e.kr/0", "https://e.kr/1"]
    assert len(list(iterate_until_seen(hits, lambda url: False))) == 5


# --- daily budget ----------------------------------------------------------------


@pytest.mark.parametrize(
    ("hour_kst", "used", "expected"),
    [
        (0, 0, 50),  # 1/24 of 1200 in the first hour
        (7, 0, 400),  # a morning run gets 8/24, not the whole day
        (7, 400, 0),  # ... and nothing more until the next hour
        (8, 400, 50),
        (23, 0, 1200),  # an idle day's allowance carries over
        (23, 1500, 0),  # never negative
    ],
)
def test_calls_allowed_now(hour_kst: int, used: int, expected: int) -> None:
    now = datetime(2024, 5, 1, hour_kst, 30, tzinfo=SEOUL)
    assert calls_allowed_now(1200, used, now) == expected


def test_calls_allowed_now_uses_the_korean_day() -> None:
    # 15:30 UTC on 30 April is 00:30 KST on 1 May: the first slice of a new day.
    assert calls_allowed_now(1200, 0, datetime(2024, 4, 30, 15, 30, tzinfo=UTC)) == 50


def test_calls_allowed_now_needs_an_aware_time() -> None:
    with pytest.raises(ValueError, match="timezone-aware"):
        calls_allowed_now(1200, 0, datetime(2024, 5, 1, 12, 0))
