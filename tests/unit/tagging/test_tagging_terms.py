"""Keyword matching: Korean spacing and particles, English words, acronyms, tries."""

from __future__ import annotations

import re

import pytest

from crawler.tagging.patterns import term_pattern, trie_pattern
from crawler.tagging.terms import TermMatcher, is_acronym, normalize_key


def surfaces(matcher: TermMatcher[str], text: str) -> list[str]:
    return [m.surface for m in matcher.finditer(text)]


@pytest.mark.parametrize(
    "text",
    [
        "스마트시티",
        "스마트 시티",
        "스마트  시티",
        "스마트\n시티",
        "스마트시티를",
        "스마트시티의",
        "스마트시티로서",
        "스마트시티지원센터",  # compounds keep the keyword
        "대구형 스마트시티",
    ],
)
def test_korean_spacing_and_particles(text: str) -> None:
    matcher = TermMatcher([("스마트시티", "smart_city")])
    assert [m.payloads for m in matcher.finditer(text)] == [("smart_city",)]


def test_keyword_with_space_matches_without() -> None:
    matcher = TermMatcher([("해외 협력", "diplomacy")])
    assert surfaces(matcher, "해외협력과 해외 협력을") == ["해외협력", "해외 협력"]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Smart City Expo", ["Smart City"]),
        ("SMART CITY", ["SMART CITY"]),
        ("smart city를 위한", ["smart city"]),  # a Korean particle may follow
        ("smartcity", ["smartcity"]),
        ("smart cityscape", []),  # not a whole word
        ("asmart city", []),
    ],
)
def test_english_words(text: str, expected: list[str]) -> None:
    assert surfaces(TermMatcher([("smart city", "x")]), text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("MOU를 체결", ["MOU"]),
        ("(MOU)", ["MOU"]),
        ("mou", []),  # acronyms keep their case
        ("MOUS", []),
    ],
)
def test_acronyms_are_case_sensitive(text: str, expected: list[str]) -> None:
    assert surfaces(TermMatcher([("MOU", "mou")]), text) == expected


def test_acronym_casings_share_payloads() -> None:
    matcher = TermMatcher([("MOU", "mou"), ("MoU", "mou")])
    assert [m.payloads for m in matcher.finditer("MoU와 MOU")] == [("mou",), ("mou",)]


def test_its_is_not_intelligent_transport() -> None:
    matcher = TermMatcher([("ITS", "its")])
    assert surfaces(matcher, "its traffic ITS 구축") == ["ITS"]


def test_is_acronym() -> None:
    assert is_acronym("MOU") and is_acronym("IoT") and is_acronym("LH")
    assert not is_acronym("City Brain") and not is_acronym("Alibaba") and not is_acronym("시티")


def test_longest_alias_wins() -> None:
    matcher = TermMatcher([("알리바바", "alibaba"), ("알리바바 클라우드", "cloud")])
    found = list(matcher.finditer("알리바바 클라우드와 알리바바"))
    assert [m.payloads[0] for m in found] == ["cloud", "alibaba"]


def test_prefix_keywords_are_inherited_into_free_slots() -> None:
    matcher = TermMatcher(
        [("스마트시티", "topic"), ("스마트시티 국가전략프로젝트", "project")],
        slot=lambda payload: payload,
    )
    [match] = matcher.finditer("스마트시티 국가전략프로젝트 공모")
    assert match.payloads == ("project", "topic")


def test_exclusions_shadow_shorter_keywords() -> None:
    matcher = TermMatcher(
        [("유치", "investment"), ("유치원", "EXCLUDE")], shadowing=lambda p: p == "EXCLUDE"
    )
    found = [m.payloads for m in matcher.finditer("유치원 옆 투자 유치")]
    assert found == [("EXCLUDE",), ("investment",)]


def test_payloads_of_duplicate_spellings_merge() -> None:
    matcher = TermMatcher([("스마트 도시", "a"), ("스마트도시", "b"), ("스마트도시", "a")])
    assert [m.payloads for m in matcher.finditer("스마트도시")] == [("a", "b")]


def test_normalize_key() -> None:
    assert normalize_key(" 스마트 시티\n") == "스마트시티"
    assert normalize_key("City  Brain") == "citybrain"


def test_trie_equals_flat_alternation() -> None:
    terms = ["스마트시티", "스마트 도시", "스마트시티지원센터", "smart city", "시티브레인"]
    text = "스마트시티지원센터와 스마트 도시, smart city 시티브레인 스마트시티"
    flat = "|".join(term_pattern(t) for t in sorted(terms, key=len, reverse=True))
    trie = trie_pattern(terms)
    assert re.findall(trie, text) == re.findall(flat, text)
    assert re.findall(trie, text)[0] == "스마트시티지원센터"


def test_empty_matcher() -> None:
    assert list(TermMatcher([]).finditer("아무 글")) == []
    assert list(TermMatcher([("  ", "x")]).finditer("  ")) == []


def test_odd_lowercasing_keeps_offsets() -> None:
    # "İ" lowercases to two characters; offsets must still point into the original.
    text = "İİİ 스마트시티"
    [match] = TermMatcher([("스마트시티", "x")]).finditer(text)
    assert text[match.start : match.end] == "스마트시티"
