"""Layout rules checked on small pages written here (the corpus is never copied):
Naver Blog PostView variants, headline choice between visible and declared
forms, bylines, and trafilatura's answer standing where our rules are unsure."""

from __future__ import annotations

from datetime import datetime

import pytest

from crawler.extraction import page_to_article
from crawler.extraction.authors import parse_byline

FETCHED = datetime.fromisoformat("2026-08-01T00:00:00+09:00")
POSTVIEW = "https://blog.naver.com/PostView.naver?blogId=someone&logNo=220000000001"


def naver_mobile_page(body: str, *, props_date: str | None, visible_date: str) -> bytes:
    props = f'\naddDate="{props_date}"' if props_date else ""
    return f"""<html><head><title>3월 25일 일요일 : 네이버 블로그</title>
    <meta property="og:title" content="3월 25일 일요일"></head><body>
    <div id="_post_property" style="display:none"
    commentCount="4"
    blogName="어떤 블로그"{props}
    browserTitle="3월 25일 일요일 : 네이버 블로그"></div>
    <div class="post_title"><h3 class="tit_h3">3월 25일 일요일</h3>
    <p class="blog_date">{visible_date}</p></div>
    <div class="post_ct" id="viewTypeSelector">{body}</div>
    <div class="social_plugin_property" style="display:none">{{"title":"3월 25일 일요일",
    "blogName":"어떤 블로그","nicknameOrBlogId":"someone","smartEditorVersion":2}}</div>
    </body></html>""".encode()


def test_naver_blog_publish_time_comes_from_the_post_properties() -> None:
    # 1521956281752 ms = 2018-03-25 14:38:01 KST; the visible line shows the minute.
    page = naver_mobile_page(
        "<p>힘들다그냥</p>", props_date="1521956281752", visible_date="2018. 3. 25. 14:38"
    )
    article = page_to_article(page, POSTVIEW, fetched=FETCHED)
    assert article.published == datetime.fromisoformat("2018-03-25T14:38:01.752+09:00")


def test_naver_blog_visible_date_line_when_properties_lack_it() -> None:
    page = naver_mobile_page(
        "<p>너무나 힘들다</p>", props_date=None, visible_date="2015. 10. 1. 18:33"
    )
    article = page_to_article(page, POSTVIEW, fetched=FETCHED)
    assert article.published == datetime.fromisoformat("2015-10-01T18:33:00+09:00")


def test_a_two_word_naver_post_is_its_own_text_without_the_hidden_properties() -> None:
    page = naver_mobile_page(
        "<p>너무나 힘들다&nbsp;</p>", props_date=None, visible_date="2015. 10. 1."
    )
    article = page_to_article(page, POSTVIEW, fetched=FETCHED)
    assert article.text == "너무나 힘들다"


def test_a_headline_is_read_as_shown_when_meta_swapped_its_quotes() -> None:
    page = """<html><head><meta property="og:title" content="부산 찾은 실사단 ″K팝스타 된 기분″">
    <title>부산 찾은 실사단 "K팝스타 된 기분"</title></head><body>
    <h1>부산 찾은 실사단 "K팝스타 된 기분"</h1><p>본문입니다.</p></body></html>"""
    article = page_to_article(page.encode(), "https://news.example.kr/1", fetched=FETCHED)
    assert article.title == '부산 찾은 실사단 "K팝스타 된 기분"'


def test_a_twice_escaped_meta_title_is_unescaped() -> None:
    page = """<html><head>
    <meta property="og:title" content="권경애 &amp;quot;잠적은 아냐&amp;quot;">
    </head><body><p>본문입니다.</p></body></html>"""
    article = page_to_article(page.encode(), "https://news.example.kr/1", fetched=FETCHED)
    assert article.title == '권경애 "잠적은 아냐"'


def test_a_json_ld_headline_that_is_a_description_gives_way() -> None:
    page = """<html><head><title>List of films featuring time loops - Wikipedia</title>
    <meta property="og:site_name" content="Wikipedia">
    <script type="application/ld+json">{"@type": "Article", "headline": "Wikimedia list article"}
    </script></head><body><p>Films.</p></body></html>"""
    article = page_to_article(page.encode(), "https://en.wikipedia.org/wiki/L", fetched=FETCHED)
    assert article.title == "List of films featuring time loops"


def test_a_marker_rule_headline_from_a_teaser_gives_way() -> None:
    page = """<html><head><meta property="og:title" content="Attack stokes instability fears">
    </head><body><div class="headline">Map: Flow of foreign fighters to Syria</div>
    <div itemprop="articleBody"><p>The attack stokes fears across the region.</p></div>
    </body></html>"""
    article = page_to_article(page.encode(), "https://news.example.com/1", fetched=FETCHED)
    assert article.title == "Attack stokes instability fears"


@pytest.mark.parametrize(
    ("raw", "author"),
    [
        ("Posted by 위기주부", "위기주부"),
        ("por César Salza", "César Salza"),
        ("Steven Musil January 18, 2017 11:00 PM PST @stevenmusil", "Steven Musil"),
        ("Byron Smith", "Byron Smith"),
        ("Porter Lee", "Porter Lee"),
        ("Dan Goodin -", "Dan Goodin"),
    ],
)
def test_bylines_lose_their_lead_words_and_date_tails(raw: str, author: str) -> None:
    assert parse_byline(raw).author == author


def test_trafilatura_finds_the_byline_our_rules_miss() -> None:
    page = """<html><head><title>Notes</title></head><body><article>
    <p class="author-line"><a rel="author" href="/u/nm">Nikhil Marathe</a></p>
    <p>The fetch API lands in service workers.</p></article></body></html>"""
    article = page_to_article(page.encode(), "https://blog.example.com/1", fetched=FETCHED)
    assert article.author == "Nikhil Marathe"
