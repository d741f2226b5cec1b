"""crawler.extraction.urls: canonical URLs, site identity, allow/deny patterns (no network)."""

from __future__ import annotations

import pytest

from crawler.extraction.urls import canonicalize_url, is_same_site, matches_patterns, site_key

ARTICLE = "https://www.yna.co.kr/view/AKR20181219000100053"

# (url, declared canonical, expected)
CANONICAL_CASES = [
    # case, default port, fragment
    ("HTTPS://WWW.YNA.CO.KR:443/view/AKR1#top", None, "https://www.yna.co.kr/view/AKR1"),
    ("http://www.hani.co.kr:80/arti/1.html", None, "http://www.hani.co.kr/arti/1.html"),
    ("http://127.0.0.1:8080/a", None, "http://127.0.0.1:8080/a"),
    ("http://[::1]:80/a", None, "http://[::1]/a"),
    # tracking parameters dropped, the rest sorted
    (f"{ARTICLE}?utm_source=fb&utm_medium=social", None, ARTICLE),
    ("https://ex.co.kr/n?b=2&fbclid=XYZ&a=1", None, "https://ex.co.kr/n?a=1&b=2"),
    ("https://ex.co.kr/n?id=7&gclid=1&mc_cid=2&mc_eid=3", None, "https://ex.co.kr/n?id=7"),
    ("https://ex.co.kr/n?idxno=5&ref=main&from=app", None, "https://ex.co.kr/n?idxno=5"),
    ("https://ex.co.kr/n?NaPm=ct%3Dabc&no=9", None, "https://ex.co.kr/n?no=9"),
    ("https://v.daum.net/v/2024?t__nil_news=uptxt", None, "https://v.daum.net/v/2024"),
    # article ids that look generic are kept
    ("https://ex.co.kr/view.php?uid=12&cid=3", None, "https://ex.co.kr/view.php?cid=3&uid=12"),
    # Naver News keeps only oid/aid
    (
        "https://news.naver.com/main/read.naver?mode=LSD&mid=shm&sid1=100&oid=001&aid=0010",
        None,
        "https://news.naver.com/main/read.naver?aid=0010&oid=001",
    ),
    (
        "https://m.news.naver.com/read.nhn?oid=421&aid=0003&sid1=102",
        None,
        "https://news.naver.com/read.nhn?aid=0003&oid=421",
    ),
    (
        "https://n.news.naver.com/mnews/article/001/0014?sid=102",
        None,
        "https://n.news.naver.com/mnews/article/001/0014",
    ),
    # Naver Blog: mobile → desktop, PostView → /blogId/logNo
    ("https://m.blog.naver.com/seoulcity/2230", None, "https://blog.naver.com/seoulcity/2230"),
    (
        "https://m.blog.naver.com/PostView.naver?blogId=seoulcity&logNo=2230&navType=by",
        None,
        "https://blog.naver.com/seoulcity/2230",
    ),
    (
        "https://blog.naver.com/PostView.nhn?blogId=daegu&logNo=99&redirect=Dlog",
        None,
        "https://blog.naver.com/daegu/99",
    ),
    # known outlets' mobile hosts
    ("https://m.yna.co.kr/view/AKR1?section=x", None, "https://www.yna.co.kr/view/AKR1?section=x"),
    ("https://m.etnews.com/20181219000123", None, "https://www.etnews.com/20181219000123"),
    # an unknown outlet's m. host is left alone (its paths may differ)
    ("https://m.unknown-news.kr/a/1", None, "https://m.unknown-news.kr/a/1"),
    # Tistory mobile paths
    ("https://smartcity.tistory.com/m/123", None, "https://smartcity.tistory.com/123"),
    (
        "https://smartcity.tistory.com/m/entry/City-Brain",
        None,
        "https://smartcity.tistory.com/entry/City-Brain",
    ),
    ("https://smartcity.tistory.com/m", None, "https://smartcity.tistory.com/"),
    # Korean paths are percent-encoded once
    ("https://ex.co.kr/뉴스/1", None, "https://ex.co.kr/%EB%89%B4%EC%8A%A4/1"),
    # declared canonicals: preferred when sane
    ("https://m.yna.co.kr/view/AKR1?x=1", ARTICLE, ARTICLE),
    ("https://ex.co.kr/news/1?page=2", "/news/1", "https://ex.co.kr/news/1"),
    (
        "https://smartcity.tistory.com/m/123",
        "https://smartcity.tistory.com/123",
        "https://smartcity.tistory.com/123",
    ),
    # ... and rejected when not
    (ARTICLE, "https://www.yna.co.kr/", ARTICLE),
    (ARTICLE, "https://www.yna.co.kr/index.html", ARTICLE),
    (ARTICLE, "javascript:void(0)", ARTICLE),
    (ARTICLE, "{{canonical_url}}", ARTICLE),
    (ARTICLE, "ftp://www.yna.co.kr/view/AKR1", ARTICLE),
    (ARTICLE, "", ARTICLE),
    # a home page may declare a home page; a query on "/" may be an article id
    ("https://www.yna.co.kr/index.html", "https://www.yna.co.kr/", "https://www.yna.co.kr/"),
    ("https://ex.kr/?mod=news&idxno=3", "https://ex.kr/", "https://ex.kr/?idxno=3&mod=news"),
]


@pytest.mark.parametrize(("url", "declared", "expected"), CANONICAL_CASES)
def test_canonicalize_url(url: str, declared: str | None, expected: str) -> None:
    assert canonicalize_url(url, declared) == expected


@pytest.mark.parametrize(("url", "declared", "expected"), CANONICAL_CASES)
def test_canonicalize_url_is_idempotent(url: str, declared: str | None, expected: str) -> None:
    assert canonicalize_url(expected) == expected


SAME_SITE_CASES = [
    ("https://www.yna.co.kr/view/1", "https://m.yna.co.kr/view/2", True),
    ("https://news.seoul.go.kr/a", "https://www.seoul.go.kr/b", True),
    ("https://www.yna.co.kr/", "https://www.hani.co.kr/", False),
    ("https://a.tistory.com/1", "https://b.tistory.com/1", False),
    ("https://a.tistory.com/1", "https://a.tistory.com/m/2", True),
    ("https://blog.naver.com/seoulcity/1", "https://m.blog.naver.com/SeoulCity/2", True),
    ("https://blog.naver.com/seoulcity/1", "https://blog.naver.com/daegu/1", False),
    (
        "https://blog.naver.com/PostView.naver?blogId=daegu&logNo=1",
        "https://blog.naver.com/daegu/2",
        True,
    ),
    ("http://127.0.0.1:8000/a", "http://127.0.0.1:9000/b", True),
    ("http://127.0.0.1/a", "http://127.0.0.2/b", False),
]


@pytest.mark.parametrize(("a", "b", "expected"), SAME_SITE_CASES)
def test_is_same_site(a: str, b: str, expected: bool) -> None:
    assert is_same_site(a, b) is expected


def test_site_key_is_the_registrable_domain() -> None:
    assert site_key("https://news.seoul.go.kr/gov/archives/1") == "seoul.go.kr"


PATTERN_CASES = [
    ("https://ex.kr/news/articleView.html?idxno=1", [r"articleView\.html"], [], True),
    ("https://ex.kr/news/articleList.html", [r"articleView\.html"], [], False),
    ("https://ex.kr/anything", [], [], True),
    ("https://ex.kr/news/articleView.html?idxno=1", [], [r"idxno=1$"], False),
    ("https://ex.kr/a/print/1", [r"/a/"], [r"/print/"], False),
    ("https://ex.kr/b/2", [r"/a/", r"/b/"], [], True),
]


@pytest.mark.parametrize(("url", "allow", "deny", "expected"), PATTERN_CASES)
def test_matches_patterns(url: str, allow: list[str], deny: list[str], expected: bool) -> None:
    assert matches_patterns(url, allow, deny) is expected
