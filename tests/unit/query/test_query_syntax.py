"""The one query language: parse trees, engine queries, and errors that point at the mistake."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from crawler.query.compile import DateWindow, compile_query
from crawler.query.dates import parse_date_value
from crawler.query.phrases import group_known_terms, load_known_terms, terms_from_lists
from crawler.query.syntax import (
    And,
    FieldTerm,
    Node,
    Not,
    Or,
    Text,
    WatchSyntaxError,
    parse_query,
    parse_watch_query,
)
from crawler.vocabulary import SEOUL
from scheduler.alerts.dsl import compile_watch_query


def test_words_are_anded_and_phrases_kept() -> None:
    assert parse_watch_query('대구 "City Brain"') == And(
        (Text("대구"), Text("City Brain", phrase=True))
    )


def test_or_binds_looser_than_and_and_pipe_is_or() -> None:
    assert parse_watch_query("대구 스마트시티 OR 부산 | 광주") == Or(
        (And((Text("대구"), Text("스마트시티"))), Text("부산"), Text("광주"))
    )


def test_exclusions_fields_and_groups() -> None:
    tree = parse_watch_query(
        '(대구 OR 부산) -광고 source:naver kind:blog outlet:"내일 신문" topic:mou'
    )
    assert tree == And(
        (
            Or((Text("대구"), Text("부산"))),
            Not(Text("광고")),
            FieldTerm("source", "naver"),
            FieldTerm("kind", "blog"),
            FieldTerm("outlet", "내일 신문"),
            FieldTerm("topic", "mou"),
        )
    )


def test_hyphens_and_colons_inside_words_are_words() -> None:
    assert parse_watch_query("e-mail 10:30") == And((Text("e-mail"), Text("10:30")))
    assert parse_watch_query("or and") == And((Text("or"), Text("and")))  # only OR is OR


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ('"City Brain', "unclosed quote (at column 1)"),
        ("대구 OR", "expected a word, phrase or field here (at column 6)"),
        ("OR 대구", "expected a word, phrase or field here (at column 1)"),
        ("(대구 부산", "unbalanced parenthesis: '(' is never closed (at column 1)"),
        ("대구 )", "unbalanced parenthesis: ')' without '(' (at column 4)"),
        ("대구 (부산 OR (광주)", "'(' is never closed (at column 4)"),
        ('대구 outlet:"내일', "unclosed quote (at column 11)"),
        ("대구 -", "'-' must be followed by what to exclude (at column 4)"),
        ("-광고", "the query only excludes"),
        ("대구 OR -광고", "the query only excludes"),
        ("대구 site:naver", "unknown field 'site' (known: source, kind, outlet, topic, lang"),
        ("since:7d", "only gives dates"),
        ("대구 since:yesterday", "since: wants a day (2026-11-01)"),
        (
            "대구 until:2026-13-01",
            "until: wants a day (2026-11-01), a moment (2026-11-01T09:00) or an age (24h, 7d, 2w), "
            "got '2026-13-01' (at column 4)",
        ),
        (
            "대구 OR since:7d",
            "since:/until: apply to the whole query; they cannot be inside OR, parentheses "
            "or an exclusion (write: since:7d (a OR b)) (at column 7)",
        ),
        ("대구 -until:7d", "or an exclusion (write: since:7d (a OR b)) (at column 5)"),
        ("대구 (부산 since:7d)", "or an exclusion (write: since:7d (a OR b)) (at column 8)"),
        ("kind:magazine", "kind: must be one of news, blog, press"),
        ("source: 대구", "source: needs a value"),
        ('""', "empty phrase"),
        ("   ", "the query is empty"),
    ],
)
def test_syntax_errors_name_the_problem(query: str, message: str) -> None:
    with pytest.raises(WatchSyntaxError) as info:
        parse_watch_query(query)
    assert message in str(info.value)


def test_compiled_query_uses_phrases_on_text_fields_and_terms_on_keywords() -> None:
    query = compile_watch_query("스마트시티 -광고 kind:Blog (source:naver OR topic:mou)")
    must = query["bool"]["must"]
    assert must[0] == {
        "multi_match": {
            "query": "스마트시티",
            "type": "phrase",
            "fields": ["title^3", "subtitle^2", "lead^2", "text"],
        }
    }
    assert must[1] == {"term": {"kind": "blog"}}
    assert must[2]["bool"]["should"] == [
        {"term": {"source": "naver"}},
        {"term": {"topics": "mou"}},
    ]
    assert query["bool"]["must_not"][0]["multi_match"]["query"] == "광고"


def test_every_field_is_known_and_compiles_to_its_keyword() -> None:
    query = compile_watch_query("lang:KO counterpart:항저우시 event:MOU source:daegu-press 대구")
    assert query["bool"]["must"][:4] == [
        {"term": {"lang": "ko"}},
        {"term": {"counterparts": "항저우시"}},
        {"term": {"event_types": "mou"}},
        {"term": {"source": "daegu-press"}},
    ]


def test_dates_leave_the_compiled_query_for_the_window() -> None:
    now = datetime(2026, 11, 20, 3, 0, tzinfo=UTC)
    compiled = compile_query("대구 since:2026-11-01 until:7d")
    assert compiled.query == compile_query("대구").query
    since, until = compiled.window.bounds
    assert since.resolve(now) == datetime(2026, 11, 1, tzinfo=SEOUL)
    assert until.resolve(now) == now - timedelta(days=7)
    assert compiled.search_query(now)["bool"]["filter"] == [
        {"range": {"timeline_time": {"gte": "2026-11-01T00:00:00+09:00"}}},
        {"range": {"timeline_time": {"lte": "2026-11-13T03:00:00+00:00"}}},
    ]


def test_an_until_day_includes_the_whole_korean_day() -> None:
    bound = parse_date_value("until", "2026-11-30")
    now = datetime(2027, 1, 1, tzinfo=UTC)
    assert bound.admits(datetime(2026, 11, 30, 23, 59, tzinfo=SEOUL), now)
    assert not bound.admits(datetime(2026, 12, 1, 0, 0, tzinfo=SEOUL), now)
    assert bound.range_clause(now) == {"lt": "2026-12-01T00:00:00+09:00"}
    window = DateWindow((bound,))
    assert not window.admits(None, now)  # an undated article is outside any date bound
    assert DateWindow().admits(None, now)


@pytest.mark.parametrize(
    ("value", "age"),
    [("24h", timedelta(hours=24)), ("7d", timedelta(days=7)), ("2w", timedelta(weeks=2))],
)
def test_ages_count_back_from_when_the_query_runs(value: str, age: timedelta) -> None:
    now = datetime(2026, 11, 20, tzinfo=UTC)
    assert parse_date_value("since", value).resolve(now) == now - age


def test_a_moment_without_offset_is_korean_time() -> None:
    bound = parse_date_value("since", "2026-11-01T09:30")
    assert bound.moment == datetime(2026, 11, 1, 9, 30, tzinfo=SEOUL)


TERMS = terms_from_lists(
    ["시티브레인, City Brain, 城市大脑", "스마트시티, smart city", "a => b c"],
    ["스마트시티 스마트 시티", "알리바바"],
    ["를", "을", "으로", "로"],
)


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("City Brain", Text("City Brain", phrase=True)),
        ("city  BRAIN", Text("city BRAIN", phrase=True)),
        ("스마트 시티", Text("스마트 시티", phrase=True)),  # Korean spacing: = 스마트시티
        (
            "대구 Smart City 교통",
            And((Text("대구"), Text("Smart City", phrase=True), Text("교통"))),
        ),
        ("City Brain OR 대구", Or((Text("City Brain", phrase=True), Text("대구")))),
        ("-City Brain", And((Not(Text("City")), Text("Brain")))),  # an exclusion stays apart
        ('"City" Brain', And((Text("City", phrase=True), Text("Brain")))),
        ("City 대구 Brain", And((Text("City"), Text("대구"), Text("Brain")))),
        ("City Brain을 대구", And((Text("City Brain을", phrase=True), Text("대구")))),
        ("스마트 시티로", Text("스마트 시티로", phrase=True)),
        ("City을 Brain", And((Text("City을"), Text("Brain")))),  # only the last word's
    ],
)
def test_adjacent_words_that_spell_a_known_term_become_its_phrase(
    query: str, expected: Node
) -> None:
    assert group_known_terms(parse_query(query), TERMS) == expected


def test_known_terms_come_from_the_installed_lists() -> None:
    terms = load_known_terms()
    assert terms.spells_term(["City", "Brain"])
    assert terms.spells_term(["스마트", "시티"])
    assert terms.spells_term(["스마트", "시티를"])  # the analyzer's own particle list
    assert not terms.spells_term(["대구", "시티"])
