"""The mission's seed article, unrelated articles, explain() and speed."""

from __future__ import annotations

import dataclasses
import time

import pytest

from crawler.models import Article, TopicHit
from crawler.tagging import Tagger
from tests.unit.tagging.articles import BASEBALL, RECIPE, make_article, seed_article


def test_seed_topics_and_relevance(tagged_seed: Article) -> None:
    assert "smart_city" in tagged_seed.topics
    assert {"diplomacy", "urban_tech"} <= set(tagged_seed.topics)
    assert tagged_seed.relevance >= 1.0
    hits = {(h.topic, h.term): h.count for h in tagged_seed.topic_hits}
    assert hits[("smart_city", "스마트시티")] >= 10
    assert hits[("urban_tech", "시티브레인")] == 2


def test_seed_entities(tagged_seed: Article) -> None:
    assert {"대구시", "항저우", "알리바바", "ETRI"} <= set(tagged_seed.entities)
    # 알리클라우드, 알리바바 클라우드 and 알리바바클라우드 are one canonical name.
    assert tagged_seed.entities.count("알리바바클라우드") == 1
    assert tagged_seed.entities[0] == "대구시"  # the most mentioned


def test_seed_diplomacy_facts(tagged_seed: Article) -> None:
    assert tagged_seed.actors == ("대구시",)
    assert {"항저우", "알리바바"} <= set(tagged_seed.counterparts)
    assert "ETRI" not in tagged_seed.counterparts  # Korean institute: a partner, not a counterpart
    assert tagged_seed.officials[0] == "권영진 대구시장"
    assert {"visit", "benchmarking"} <= set(tagged_seed.event_types)
    assert {"City Brain", "수성알파시티"} <= set(tagged_seed.projects)


def test_tag_keeps_other_fields(tagged_seed: Article) -> None:
    original = seed_article()
    assert tagged_seed.text == original.text and tagged_seed.url == original.url
    assert tagged_seed.to_document()["topic_hits"][0] == {
        "topic": "smart_city",
        "term": "스마트시티",
        "count": tagged_seed.topic_hits[0].count,
    }


@pytest.mark.parametrize("text", [BASEBALL, RECIPE], ids=["baseball", "recipe"])
def test_unrelated_article(tagger: Tagger, text: str) -> None:
    tagged = tagger.tag(make_article(text, title=text[:30]))
    assert tagged.topics == ()
    assert tagged.topic_hits == ()
    assert tagged.relevance == 0
    assert tagged.event_types == ()
    assert tagged.entities == tagged.actors == tagged.counterparts == ()


def test_empty_article(tagger: Tagger) -> None:
    tagged = tagger.tag(make_article(""))
    assert tagged.topics == () and tagged.relevance == 0


def test_retagging_replaces_old_tags(tagger: Tagger) -> None:
    stale = dataclasses.replace(
        make_article(RECIPE), topics=("smart_city",), relevance=9.0, entities=("x",)
    )
    tagged = tagger.tag(stale)
    assert tagged.topics == () and tagged.relevance == 0 and tagged.entities == ()


def test_explain_names_rules_and_text(tagger: Tagger) -> None:
    reasons = tagger.explain(seed_article())
    assert reasons[0].startswith("relevance ")
    joined = "\n".join(reasons)
    assert "topic smart_city: '스마트시티'" in joined
    assert "actor 대구시: in the office of '권영진 대구시장'" in joined
    assert "event visit: '방문'" in joined
    assert "in title" in joined  # where each hit was found
    assert any(r.startswith("counterpart 알리바바") for r in reasons)


def test_explain_unrelated(tagger: Tagger) -> None:
    reasons = tagger.explain(make_article(BASEBALL))
    assert reasons[0].startswith("relevance 0")
    assert "no topic keyword matched" in reasons[-1]


def test_explain_agrees_with_tag(tagger: Tagger, tagged_seed: Article) -> None:
    decided = tagger.decide(seed_article(), explain=True)
    assert tuple(decided.topics) == tagged_seed.topics
    assert tuple(decided.event_types) == tagged_seed.event_types


def test_topic_hit_counts_are_totals(tagger: Tagger) -> None:
    tagged = tagger.tag(make_article("스마트시티 스마트 시티 스마트시티를", title="스마트시티"))
    assert tagged.topic_hits == (TopicHit("smart_city", "스마트시티", 4),)


def test_tagging_is_fast(tagger: Tagger) -> None:
    # Budget: well under 5 ms for a 5,000-char article. CPU time, so a busy
    # machine does not fail the test; best of 5 rounds of 20.
    article = seed_article()
    article = dataclasses.replace(article, text=(article.text * 3)[:5000])
    rounds = []
    for _ in range(5):
        start = time.process_time()
        for _ in range(20):
            tagger.tag(article)
        rounds.append((time.process_time() - start) / 20)
    assert min(rounds) < 0.005
