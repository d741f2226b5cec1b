"""Unit tests of the extraction stages: decode, bylines, titles, frames, snippets, reposts."""

from __future__ import annotations

from datetime import datetime

import pytest

from crawler.extraction import naver_blog_frame_url, page_to_article
from crawler.extraction.authors import parse_byline
from crawler.extraction.decode import decode_body
from crawler.extraction.metadata import find_json_ld_article, iter_json_ld_nodes, parse_json_ld
from crawler.extraction.text import SNIPPET_CHARS, clean_paragraphs, make_snippet
from crawler.extraction.titles import clean_title

FETCHED = datetime.fromisoformat("2024-03-06T09:00:00+09:00")
KOREAN = "<p>대구시가 항저우 알리바바 본사를 방문해 시티브레인 프로젝트를 살폈다. 똠방각하.</p>"


# ---------------------------------------------------------------- decode
@pytest.mark.parametrize(
    ("header", "meta"),
    [
        ("text/html; charset=utf-8", "euc-kr"),  # header lies
        ("text/html; charset=ISO-8859-1", ""),  # permissive header, no meta
        (None, ""),  # nothing declared
        ("text/html", "utf-8"),  # meta lies
    ],
)
def test_euc_kr_decodes_whatever_is_declared(header: str | None, meta: str) -> None:
    declaration = f'<meta charset="{meta}">' if meta else ""
    body = f"<html><head>{declaration}</head><body>{KOREAN}</body></html>".encode("cp949")
    text, codec = decode_body(body, {"Content-Type": header} if header else None)
    assert "시티브레인" in text and "똠방각하" in text
    assert codec == "cp949"


def test_utf8_wins_over_a_wrong_euc_kr_declaration() -> None:
    body = f'<meta charset="euc-kr">{KOREAN}'.encode()
    text, codec = decode_body(body, {"content-type": "text/html; charset=euc-kr"})
    assert "시티브레인" in text and codec == "utf-8"


def test_truncated_multibyte_tail_is_tolerated() -> None:
    body = KOREAN.encode()[:-8]
    text, codec = decode_body(body)
    assert codec == "utf-8" and text.startswith("<p>대구시가")


def test_utf8_bom() -> None:
    text, codec = decode_body(b"\xef\xbb\xbf" + KOREAN.encode())
    assert text.startswith("<p>") and codec == "utf-8-sig"


# ---------------------------------------------------------------- bylines
@pytest.mark.parametrize(
    ("raw", "author", "outlet"),
    [
        ("홍길동 기자", "홍길동", None),
        ("홍길동 선임기자 hong@yna.co.kr", "홍길동", None),
        ("워싱턴=김철수 특파원", "김철수", None),
        ("내일신문 전팀장", "전팀장", "내일신문"),
        ("김기자", "김기자", None),
        ("by 정하늘", "정하늘", None),
        ("이경호 기자 | 기사입력 2012-11-08 15:42", "이경호", None),
        ("김민준·이서연 기자", "김민준, 이서연", None),
        ("연합뉴스", None, None),
        ("", None, None),
    ],
)
def test_parse_byline(raw: str, author: str | None, outlet: str | None) -> None:
    byline = parse_byline(raw)
    assert (byline.author, byline.outlet) == (author, outlet)


def test_parse_byline_keeps_email() -> None:
    assert parse_byline("홍길동 기자 hong@yna.co.kr").email == "hong@yna.co.kr"


# ---------------------------------------------------------------- titles
@pytest.mark.parametrize(
    ("raw", "sites", "expected"),
    [
        ("[속보] 서울시, 두바이와 MOU - 연합뉴스", (), "[속보] 서울시, 두바이와 MOU"),
        ("대구시, 항저우 방문 | 한국일보", (), "대구시, 항저우 방문"),
        ("수원시 스마트 가로등 : 네이버 블로그", (), "수원시 스마트 가로등"),
        ("안양일보 :: 안양시 U-City 협정", ("안양일보",), "안양시 U-City 협정"),
        ("[단독] A - B 협력", (), "[단독] A - B 협력"),
        ("  공백이   많은   제목 ", (), "공백이 많은 제목"),
        ("", (), None),
    ],
)
def test_clean_title(raw: str, sites: tuple[str, ...], expected: str | None) -> None:
    assert clean_title(raw, sites) == expected


# ---------------------------------------------------------------- Naver frames
@pytest.mark.parametrize(
    ("url", "body", "expected"),
    [
        ("https://blog.naver.com/abc_1/223351234567", "",
         "https://blog.naver.com/PostView.naver?blogId=abc_1&logNo=223351234567"),
        ("https://m.blog.naver.com/abc_1/223351234567", "",
         "https://blog.naver.com/PostView.naver?blogId=abc_1&logNo=223351234567"),
        ("https://blog.naver.com/abc_1?Redirect=Log&logNo=2201", "",
         "https://blog.naver.com/PostView.naver?blogId=abc_1&logNo=2201"),
        ("https://blog.naver.com/abc_1",
         '<iframe id="mainFrame" src="/PostView.naver?blogId=abc_1&amp;logNo=99&amp;x=1">',
         "https://blog.naver.com/PostView.naver?blogId=abc_1&logNo=99"),
        ("https://blog.naver.com/PostView.naver?blogId=abc_1&logNo=99", "", None),
        ("https://example.tistory.com/12", "", None),
    ],
)  # fmt: skip
def test_naver_blog_frame_url(url: str, body: str, expected: str | None) -> None:
    assert naver_blog_frame_url(body, url) == expected
    assert naver_blog_frame_url(body.encode(), url) == expected


def test_naver_frame_page_is_flagged_frame_only() -> None:
    body = (
        "<html><head><title>t : 네이버 블로그</title></head><body>"
        '<iframe id="mainFrame" src="/PostView.naver?blogId=a1&logNo=123456"></iframe>'
        "</body></html>"
    ).encode()
    article = page_to_article(body, "https://blog.naver.com/a1/123456", fetched=FETCHED)
    assert article.title == "t"
    assert "frame_only" in article.quality and article.text == ""


# ---------------------------------------------------------------- text
def test_clean_paragraphs_drops_boilerplate_and_stops_at_related() -> None:
    lines = [
        "카테고리 없음",
        "본문 첫 문단이다.",
        "공감",
        "최세호 기자 seho@naeil.com",
        "저작권자 © 내일신문 무단전재 및 재배포 금지",
        "관련기사",
        "다른 기사 제목",
    ]
    assert clean_paragraphs(lines) == ["본문 첫 문단이다."]


def test_snippet_cuts_at_a_sentence() -> None:
    sentence = "대구시가 항저우를 방문해 스마트시티 협력을 논의했다. "
    snippet = make_snippet(sentence * 20)
    assert len(snippet) <= SNIPPET_CHARS and snippet.endswith("논의했다.")


def test_snippet_mode_article() -> None:
    body = (
        "<html><head><title>제목</title></head><body><article>"
        + "<p>대구시가 항저우를 방문해 스마트시티 협력을 논의했다.</p>" * 40
        + "</article></body></html>"
    )
    article = page_to_article(
        body.encode(), "https://e.kr/1", fetched=FETCHED, content_mode="snippet"
    )
    assert article.content_mode == "snippet"
    assert 0 < len(article.text) <= SNIPPET_CHARS


# ---------------------------------------------------------------- metadata
def test_json_ld_graph_resolves_author_reference() -> None:
    data = parse_json_ld("""{"@graph": [
        {"@type": "WebPage", "@id": "p"},
        {"@type": ["Article"], "headline": "h", "author": {"@id": "#me"},},
        {"@type": "Person", "@id": "#me", "name": "이서연"}]}""")
    article = find_json_ld_article(list(iter_json_ld_nodes(data)))
    assert article is not None and article["author"]["name"] == "이서연"


def test_visible_time_upgrades_a_date_only_meta() -> None:
    body = """<html><head><meta property="article:published_time" content="2024-03-04">
    <title>t</title></head><body><div class="byline">입력 2024.03.04 11:20</div>
    <article><p>본문.</p></article></body></html>"""
    article = page_to_article(body.encode(), "https://e.kr/1", fetched=FETCHED)
    assert article.published == datetime.fromisoformat("2024-03-04T11:20:00+09:00")


def test_embedded_json_ld_body_replaces_a_teaser() -> None:
    long_body = "스마트시티 협력 본문 문장입니다. " * 30
    body = f"""<html><head><title>t</title><script type="application/ld+json">
    {{"@type": "NewsArticle", "headline": "t", "articleBody": "{long_body}"}}</script></head>
    <body><article><p>구독자 전용 기사입니다.</p></article></body></html>"""
    article = page_to_article(body.encode(), "https://e.kr/1", fetched=FETCHED)
    # trafilatura 2.3 itself falls back to articleBody here; either way the body wins.
    assert article.text == long_body.strip()


def test_next_data_body_replaces_a_stub() -> None:
    long_body = "스마트시티 협력 본문 문장입니다. " * 30
    body = f"""<html><head><title>t</title></head><body><div id="app">로딩 중</div>
    <script id="__NEXT_DATA__" type="application/json">
    {{"props": {{"article": {{"content": "{long_body}"}}}}}}</script></body></html>"""
    article = page_to_article(body.encode(), "https://e.kr/1", fetched=FETCHED)
    assert article.text == long_body.strip() and "embedded_text" in article.quality


def test_a_wrong_marker_container_does_not_replace_trafilatura() -> None:
    sentence = "Paragraph {} of the story tells how the two cities agreed on a data pact."
    story = "".join(f"<p>{sentence.format(i)}</p>" for i in range(8))
    promo = "Subscribe to our newsletter and get the morning briefing in your inbox. " * 3
    body = f"""<html><head><title>Cities agree</title></head><body>
    <aside><div itemprop="articleBody">{promo}</div></aside>
    <article>{story}</article></body></html>"""
    article = page_to_article(body.encode(), "https://e.com/1", fetched=FETCHED)
    assert "Paragraph 7 of the story" in article.text and "Subscribe" not in article.text


def test_a_second_copy_of_the_body_is_dropped() -> None:
    sentence = "대구시는 {}번째 문단에서 항저우와의 스마트시티 협력 성과를 설명했다고 밝혔다."
    body = [sentence.format(i) for i in range(16)]
    lines = [*body, "입력 2023-04-07 08:26", *body]
    assert clean_paragraphs(lines) == [*body, "입력 2023-04-07 08:26"]


def test_a_passage_repeated_on_purpose_stays() -> None:
    refrain = ["We shall not be moved, said the mayor of the twinned city, once more."] * 3
    short_copy = ["First short paragraph of a note.", "Second short paragraph of it."]
    assert clean_paragraphs(refrain) == refrain
    assert clean_paragraphs(short_copy * 2) == short_copy * 2


def test_wire_lead_marks_the_original_outlet_on_a_blog() -> None:
    body = """<html><head><meta name="by" content="TISTORY"><title>t</title></head><body>
    <div class="tt_article_useless_p_margin">
    <p>(서울=연합뉴스) 홍길동 기자 = 서울시가 스마트시티 협력에 나선다.</p>
    <p>출처 : 중국 스마트시티 백서</p></div></body></html>"""
    article = page_to_article(body.encode(), "https://x.tistory.com/1", fetched=FETCHED)
    assert article.kind == "blog"
    assert article.original_outlet == "연합뉴스" and article.original_url is None
