"""Rules: relevance arithmetic, officials, actors, events, config extension."""

from __future__ import annotations

import math

import pytest

from crawler.config import parse_config
from crawler.tagging import Lexicon, Tagger
from crawler.tagging.lexicon import load_lexicon
from crawler.tagging.officials import OfficialFinder
from crawler.tagging.scoring import relevance, term_score
from tests.unit.tagging.articles import make_article

# Enough smart-city context that the diplomacy facts are read (see tagger.py).
CONTEXT = "스마트시티 협력을 논의했다."


def test_one_body_mention_reaches_the_default_threshold(tagger: Tagger) -> None:
    tagged = tagger.tag(make_article("올해 스마트시티 예산이 늘었다."))
    assert tagged.relevance == 1.0


def test_title_mention_weighs_triple(tagger: Tagger) -> None:
    tagged = tagger.tag(make_article("내용 없음", title="스마트시티 예산"))
    assert tagged.relevance == pytest.approx(1 + math.log(3), abs=1e-3)


def test_subtitle_weighs_double(tagger: Tagger) -> None:
    tagged = tagger.tag(make_article("내용 없음", subtitle="스마트시티 예산"))
    assert tagged.relevance == pytest.approx(1 + math.log(2), abs=1e-3)


def test_diminishing_returns_per_keyword() -> None:
    assert term_score({"text": 1}) == 1.0
    assert term_score({"text": 30}) == pytest.approx(1 + math.log(30), abs=1e-3)
    assert term_score({}) == 0.0
    six_keywords = relevance({k: {"text": 1} for k in range(6)})
    assert six_keywords > term_score({"text": 30})


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("권영진 대구시장은 말했다", ["권영진 대구시장"]),
        ("이번 권영진 대구시장 방문", ["권영진 대구시장"]),  # 이번 is not a name
        ("김현미 국토교통부 장관이 발표했다", ["김현미 국토교통부 장관"]),
        ("박원순 서울시장과 면담", ["박원순 서울시장"]),
        ("오거돈 부산시장께서", ["오거돈 부산시장"]),
        ("마윈 회장", ["마윈 회장"]),  # two-syllable (Chinese) names
        ("서문 시장에서 장을 봤다", []),  # a market, not a mayor
        ("대구시장 권영진", []),  # title-first order is not read
        ("신임 장관", []),
        ("시장경제를 위한", []),
    ],
)
def test_officials(text: str, expected: list[str]) -> None:
    lexicon = load_lexicon(parse_config({}))
    finder = OfficialFinder(lexicon.official_titles, lexicon.official_not_names)
    assert [m.label for m in finder.finditer(text)] == expected


def test_actor_as_subject_and_not_as_mention(tagger: Tagger) -> None:
    tagged = tagger.tag(make_article(f"서울시는 {CONTEXT} 국토부 주관 공모에 선정됐다."))
    assert tagged.actors == ("서울시",)
    assert set(tagged.entities) >= {"서울시", "국토교통부"}


def test_actor_from_the_title(tagger: Tagger) -> None:
    tagged = tagger.tag(make_article(CONTEXT, title="부산시, 싱가포르와 스마트시티 MOU"))
    assert tagged.actors == ("부산시",)
    assert tagged.counterparts == ("싱가포르",)
    assert "mou" in tagged.event_types


@pytest.mark.parametrize(
    ("sentence", "event"),
    [
        ("대표단이 헬싱키를 방문했다.", "visit"),
        ("시장이 유럽 순방에 나섰다.", "visit"),
        ("양 도시는 업무협약을 맺었다.", "mou"),
        ("양해각서(MOU)를 교환했다.", "mou"),
        ("선진 사례를 벤치마킹했다.", "benchmarking"),
        ("자율주행 실증 사업을 벌인다.", "pilot"),
        ("테스트베드를 조성한다.", "pilot"),
        ("스마트시티 엑스포에 참가했다.", "forum"),
        ("국제 포럼을 열었다.", "forum"),
        ("500억원 투자를 유치했다.", "investment"),
    ],
)
def test_event_rules(tagger: Tagger, sentence: str, event: str) -> None:
    assert event in tagger.tag(make_article(f"{CONTEXT} {sentence}")).event_types


def test_exclusions(tagger: Tagger) -> None:
    tagged = tagger.tag(make_article(f"{CONTEXT} 유치원 건립. 세종대왕 동상. 부산물 처리."))
    assert "investment" not in tagged.event_types
    assert not {"세종시", "부산시"} & set(tagged.entities)


def test_counterparts_include_the_parent_company(tagger: Tagger) -> None:
    tagged = tagger.tag(make_article(f"{CONTEXT} 알리클라우드와 협력한다."))
    assert tagged.counterparts == ("알리바바클라우드", "알리바바")


def test_config_topics_replace_builtin() -> None:
    tagger = Tagger.from_config(parse_config({"topics": {"rail": ["고속철도", "KTX"]}}))
    tagged = tagger.tag(make_article("스마트시티와 고속 철도, KTX를 잇는다"))
    assert tagged.topics == ("rail",)
    assert [(h.term, h.count) for h in tagged.topic_hits] == [("고속철도", 1), ("KTX", 1)]


def test_config_gazetteer_extends_builtin() -> None:
    config = parse_config(
        {
            "gazetteer": {
                "cities": ["청두|成都|Chengdu|청뚜"],
                "korean_bodies": ["대구시|달구벌"],  # a new alias for a built-in entry
                "officials": ["홍길동 시장|홍 시장"],
                "projects": ["청두 스마트 교통"],
            }
        }
    )
    tagger = Tagger.from_config(config)
    text = f"{CONTEXT} 달구벌과 Chengdu가 청두 스마트 교통 사업을 논의했다. 홍 시장이 참석했다."
    tagged = tagger.tag(make_article(text))
    assert "대구시" in tagged.entities and "청두" in tagged.counterparts
    assert "청두 스마트 교통" in tagged.projects
    assert "홍길동 시장" in tagged.officials
    assert tagger.tag(make_article(f"{CONTEXT} 대구광역시")).entities == ("대구시",)


def test_builtin_data_is_well_formed() -> None:
    lexicon = load_lexicon(parse_config({}))
    assert {"smart_city", "diplomacy", "urban_tech"} <= set(lexicon.topics)
    names = [(e.kind, e.name) for e in lexicon.entries]
    assert len(names) == len(set(names))
    assert set(lexicon.event_rules) == {
        "visit",
        "mou",
        "benchmarking",
        "pilot",
        "forum",
        "investment",
    }
    spellings = [s for e in lexicon.entries if e.kind != "officials" for s in e.spellings]
    owners: dict[str, str] = {}
    for entry in lexicon.entries:
        for spelling in entry.spellings:
            key = "".join(spelling.split()).lower()
            assert owners.setdefault(key, entry.name) == entry.name, spelling
    assert spellings


def test_english_article(tagger: Tagger) -> None:
    text = (
        "Daegu Mayor Kwon Young-jin visited Alibaba headquarters in Hangzhou to study "
        "the City Brain smart city project and signed an MoU."
    )
    tagged = tagger.tag(make_article(text, title="Daegu mayor visits Alibaba in Hangzhou"))
    assert {"smart_city", "urban_tech"} <= set(tagged.topics)
    assert tagged.actors == ("대구시",)
    assert set(tagged.counterparts) == {"알리바바", "항저우"}
    assert {"visit", "mou"} <= set(tagged.event_types)
    assert tagged.projects == ("City Brain",)


def test_tagger_from_plain_values() -> None:
    tagger = Tagger(Lexicon(topics={"city": ("스마트시티",)}))
    tagged = tagger.tag(make_article("스마트시티를 논의했다", title="대구시는"))
    assert tagged.topics == ("city",) and tagged.relevance == 1.0
    assert tagged.entities == () and tagged.event_types == ()
