"""Non-pages and broken pages: a clear error or a flagged record, never a hang."""

from __future__ import annotations

import time
import zlib
from datetime import datetime

import pytest

from crawler.extraction import ExtractionError, page_to_article
from crawler.extraction.article import MAX_BODY_BYTES
from crawler.extraction.bulk import drop_bulk

FETCHED = datetime.fromisoformat("2024-03-06T09:00:00+09:00")
URL = "https://example.kr/news/1"


def png_bytes() -> bytes:
    ihdr = b"IHDR" + (1).to_bytes(4, "big") * 2 + b"\x08\x02\x00\x00\x00"
    return (
        b"\x89PNG\r\n\x1a\n" + len(ihdr[4:]).to_bytes(4, "big") + ihdr + zlib.compress(b"\0" * 64)
    )


@pytest.mark.parametrize(
    ("body", "reason"),
    [
        (b"", "empty"),
        (b"   \n\t ", "empty"),
        (b"%PDF-1.7\n1 0 obj << /Type /Catalog >> endobj\n%%EOF", "PDF"),
        (png_bytes(), "PNG"),
        (b"\xff\xd8\xff\xe0\x00\x10JFIF\x00", "JPEG"),
        (bytes(range(256)) * 64, "binary"),
        (b"just some plain words without any markup at all", "no markup"),
    ],
)
def test_not_html_raises_with_url_and_reason(body: bytes, reason: str) -> None:
    with pytest.raises(ExtractionError) as err:
        page_to_article(body, URL, fetched=FETCHED)
    assert URL in str(err.value)
    assert reason in str(err.value)


def test_extraction_error_is_a_value_error() -> None:
    assert issubclass(ExtractionError, ValueError)


def test_truncated_html_still_gives_an_article() -> None:
    page = (
        "<html><head><title>부산시, 싱가포르와 스마트 항만 협력 - 연합뉴스</title></head><body>"
        "<div id='article-view-content-div'>"
        "<p>부산시가 싱가포르 정부와 스마트 항만도시 조성을 위한 "
        "협력에 나선다. 양측은 항만 물류 데이터 공유 플랫폼을 구축하고 자율주행 셔틀을 함께 "
    ).encode()
    article = page_to_article(page[:-7], URL, fetched=FETCHED)  # cut mid-character too
    assert article.title == "부산시, 싱가포르와 스마트 항만 협력"
    assert article.text.startswith("부산시가 싱가포르 정부와")
    assert "short_text" in article.quality
    assert "no_date" in article.quality


def test_page_without_text_is_flagged() -> None:
    article = page_to_article(
        b"<html><head><title></title></head><body><div></div></body></html>", URL, fetched=FETCHED
    )
    assert article.text == ""
    assert {"no_text", "no_title", "no_date"} <= set(article.quality)


def test_twenty_megabyte_page_is_cut_and_flagged() -> None:
    paragraph = (
        "<p>스마트시티 협력 회의가 열렸다. 양 도시는 데이터를 공유하기로 했다.</p>\n".encode()
    )
    body = b"<html><head><title>big</title></head><body><article>"
    body += paragraph * (20_000_000 // len(paragraph)) + b"</article></body></html>"
    assert len(body) > 19_000_000
    article = page_to_article(body, URL, fetched=FETCHED)
    assert "truncated" in article.quality
    assert article.text.startswith("스마트시티 협력 회의가 열렸다.")
    assert len(article.text.encode()) <= MAX_BODY_BYTES


def test_ten_thousand_deep_nesting_completes() -> None:
    depth = 10_000
    body = (
        "<html><head><title>깊은 페이지</title></head><body>"
        + "<div>" * depth
        + "<p>아주 깊은 곳의 문장.</p>"
        + "</div>" * depth
        + "</body></html>"
    ).encode()
    article = page_to_article(body, URL, fetched=FETCHED)
    assert article.title == "깊은 페이지"
    # libxml2 stops nesting at 256 levels; whatever text survives, the record is flagged.
    assert "no_text" in article.quality or "short_text" in article.quality


def test_many_unclosed_tags_complete() -> None:
    body = ("<html><body>" + "<span><b><i>" * 20_000 + "텍스트").encode()
    article = page_to_article(body, URL, fetched=FETCHED)
    assert article.title == ""
    assert "no_title" in article.quality


def test_script_only_page_is_flagged() -> None:
    body = b"<html><head><script>var a = '<p>not text</p>';</script></head><body></body></html>"
    article = page_to_article(body, URL, fetched=FETCHED)
    assert "no_text" in article.quality


def test_a_body_after_an_eight_megabyte_head_of_scripts_is_kept() -> None:
    script = b"<script>var data = [" + b"0.123456789," * 80_000 + b"0];</script>\n"
    head = b"<title>" + "대구시 항저우 방문".encode() + b"</title>"
    head += b'<script type="application/ld+json">{"@type": "NewsArticle"}</script>'
    head += script * (8_800_000 // len(script) + 1)
    paragraph = "<p>대구시는 항저우 알리바바 본사를 방문해 시티브레인 교통 사업을 살펴봤다.</p>"
    body = b"<html><head>" + head + b"</head><body><article>"
    body += paragraph.encode() * 20 + b"</article></body></html>"
    assert len(body) > 8_800_000
    started = time.monotonic()
    article = page_to_article(body, URL, fetched=FETCHED)
    assert time.monotonic() - started < 10
    assert article.text.startswith("대구시는 항저우 알리바바 본사를 방문해")
    assert "truncated" in article.quality  # the page was over the limit: scripts were dropped


def test_drop_bulk_takes_the_biggest_blocks_first_and_only_what_it_must() -> None:
    small = b'<script type="application/ld+json">{"a": 1}</script>'
    big, bigger = b"<STYLE>" + b"x" * 500 + b"</style >", b"<script>" + b"y" * 900 + b"</script>"
    page = b"<head>" + small + big + bigger + b"</head><body>text</body>"
    assert drop_bulk(page, len(page) - 100) == b"<head>" + small + big + b"</head><body>text</body>"
    assert drop_bulk(page, len(page) - 1000) == b"<head>" + small + b"</head><body>text</body>"
    assert drop_bulk(page, len(page)) == page
    unclosed = b"<head><script>" + b"z" * 100
    assert drop_bulk(unclosed, 10) == unclosed  # nothing complete to drop: the cut does the rest
