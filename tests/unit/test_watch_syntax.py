"""The watch syntax: parse trees, engine queries, and errors that point at the mistake."""

from __future__ import annotations

import pytest

from crawler.watch_syntax import (
    And,
    FieldTerm,
    Not,
    Or,
    Text,
    WatchSyntaxError,
    parse_watch_query,
)
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
        ("(대구 부산", "unclosed parenthesis (at column 1)"),
        ("대구 )", "unexpected ')' (at column 4)"),
        ("대구 -", "'-' must be followed by what to exclude (at column 4)"),
        ("-광고", "the query only excludes"),
        ("대구 OR -광고", "the query only excludes"),
        ("site:naver 대구", "unknown field 'site' (known: source, kind, outlet, topic)"),
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
            "fields": ["title", "subtitle", "lead", "text"],
        }
    }
    assert must[1] == {"term": {"kind": "blog"}}
    assert must[2]["bool"]["should"] == [
        {"term": {"source": "naver"}},
        {"term": {"topics": "mou"}},
    ]
    assert query["bool"]["must_not"][0]["multi_match"]["query"] == "광고"
