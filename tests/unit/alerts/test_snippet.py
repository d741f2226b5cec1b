"""Snippets cut around the watch's words (the engine decides the match; this is presentation)."""

from __future__ import annotations

from crawler.query.syntax import parse_watch_query
from scheduler.alerts.snippet import cut_snippet, terms_pattern, watch_terms


def test_terms_are_the_positive_words_and_phrases() -> None:
    assert watch_terms(parse_watch_query('대구 ("City Brain" OR 알리바바) -광고 kind:blog')) == [
        "대구",
        "City Brain",
        "알리바바",
    ]


def test_snippet_marks_every_occurrence_with_particles_attached() -> None:
    text = "권영진 대구시장이 항저우를 찾았다. 알리바바의 city  brain 을 보고 대구에 돌아왔다."
    snippet = cut_snippet(
        text, terms_pattern(watch_terms(parse_watch_query('대구 "City Brain" 알리바바')))
    )
    assert [t for t, hit in snippet if hit] == ["대구", "알리바바", "city brain", "대구"]
    assert "".join(t for t, _ in snippet) == " ".join(text.split())  # one line per message


def test_long_text_is_cut_around_the_first_hit() -> None:
    text = "가나다 " * 100 + "스마트시티를 추진한다. " + "라마바 " * 100
    snippet = cut_snippet(text, terms_pattern(["스마트시티"]))
    joined = "".join(t for t, _ in snippet)
    assert joined.startswith("…") and joined.endswith("…") and len(joined) <= 210
    assert ("스마트시티", True) in snippet


def test_no_hit_falls_back_to_the_lead() -> None:
    snippet = cut_snippet("본문", terms_pattern(["시티브레인"]), fallback="리드 문장")
    assert snippet == (("리드 문장", False),)
