"""Renderers on a briefing built without the engine: escaping, links, stable bytes."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from crawler.config import parse_config
from crawler.vocabulary import SEOUL
from scheduler.briefing.collect import build_sections, group_stories, lead_of, to_article
from scheduler.briefing.model import Briefing
from scheduler.briefing.render_html import cid_source, render_html
from scheduler.briefing.render_md import render_md
from scheduler.briefing.render_xlsx import render_xlsx

END = datetime(2026, 12, 2, 7, 0, tzinfo=SEOUL)


def hit(doc_id: str, title: str, **source: Any) -> dict[str, Any]:
    return {
        "_id": doc_id,
        "_source": {
            "title": title,
            "url": f"https://news.example.kr/{doc_id}",
            "site_name": "한빛일보",
            "timeline_time": (END - timedelta(hours=1)).isoformat(),
            "text": "첫 문장입니다. 둘째 문장입니다.",
            **source,
        },
        "matched_queries": source.pop("matched", []),
    }


def briefing() -> Briefing:
    config = parse_config(
        {"briefings": [{"name": "m", "sections": [{"title": "A", "query": "a"}]}]}
    )
    articles = [
        to_article(hit("1", "<script>alert(1)</script> 제목 [링크](x)", story_id="s"), set()),
        to_article(hit("2", "사본", story_id="s", is_original=False, site_name="새벽뉴스"), set()),
        to_article(hit("3", "자바스크립트", url="javascript:alert(1)"), set()),
    ]
    sections = build_sections(config.briefings[0], group_stories(articles))
    return Briefing("m", "m briefing", END - timedelta(days=1), END, sections)


def test_crawled_text_is_escaped_and_only_http_links_are_links() -> None:
    html = render_html(briefing(), cid_source)
    assert "<script>" not in html and "&lt;script&gt;" in html
    assert "javascript:" not in html
    assert "+1 (새벽뉴스)" in html


def test_the_short_version_keeps_links_intact_in_both_link_styles() -> None:
    markdown = render_md(briefing(), "https://intra.example.kr/b.html")
    assert "[‹script›alert(1)‹/script› 제목 (링크)(x)](https://news.example.kr/1)" in markdown
    assert (
        "전체 보고서: [https://intra.example.kr/b.html](https://intra.example.kr/b.html)"
        in markdown
    )
    slack = render_md(briefing(), None, "slack")
    assert "<https://news.example.kr/1|" in slack and "전체 보고서" not in slack


def test_the_lead_is_the_article_s_own_or_its_first_sentences() -> None:
    assert lead_of("  기사의 리드 ", "본문") == "기사의 리드"
    text = "가" * 200 + ". " + "나" * 200 + "."
    assert lead_of("", text) == "가" * 200 + "."


def test_the_workbook_is_the_same_bytes_every_time() -> None:
    assert render_xlsx(briefing()) == render_xlsx(briefing())
