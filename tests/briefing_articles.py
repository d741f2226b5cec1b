"""Indexed articles for briefing tests and `make bench-brief`: stories with copies, three
sections' worth (대구, foreign counterparts, 부산), diplomacy events, a snippet source.

Articles are built as tagged Articles (story ids, originals, counterparts, event
types set as the crawl's tagging and dedup would), so the briefing is tested on
exactly the documents the indexer writes.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import datetime, timedelta

from crawler.models import Article, TopicHit

SECTIONS = [
    {"title": "우리 시", "query": "대구"},
    {"title": "해외 도시·기업", "query": "항저우 OR 싱가포르 OR 알리바바"},
    {"title": "다른 도시", "query": "부산 OR 세종"},
]
OUTLETS = ["대구일보", "매일신문", "영남일보", "내일신문", "연합뉴스", "뉴시스", "경북일보"]
SNIPPET_SOURCE = "portal-snippets"
# A sentence deep in the snippet source's text (past its excerpt): it must never reach
# the XLSX or the PDF.
SNIPPET_SECRET = "이 문장은 스니펫 출처의 본문에만 있는 비공개 문장입니다"


@dataclass(frozen=True)
class StorySpec:
    key: str
    title: str
    body: str
    copies: int = 0
    actors: tuple[str, ...] = ()
    counterparts: tuple[str, ...] = ()
    event_types: tuple[str, ...] = ()
    topics: tuple[str, ...] = ("smart_city",)
    relevance: float = 3.0
    source: str = "press"
    content_mode: str = "full"


STORIES = [
    StorySpec(
        "daegu-alibaba",
        "권영진 대구시장, 항저우 알리바바 본사 방문…시티브레인 벤치마킹",
        "대구시는 권영진 시장이 중국 항저우의 알리바바 본사를 방문해 시티브레인 교통 "
        "플랫폼을 살펴봤다고 밝혔다. 시티브레인은 교통 흐름을 분석해 통행 시간을 15.3% "
        "줄였다. 대구시는 스마트시티 사업에 이 사례를 참고할 계획이다.",
        copies=4,
        actors=("대구시",),
        counterparts=("항저우", "알리바바"),
        event_types=("visit", "benchmarking"),
        topics=("smart_city", "diplomacy", "urban_tech"),
        relevance=9.0,
    ),
    StorySpec(
        "daegu-data-hub",
        "대구시, 스마트시티 데이터 허브 구축 착수",
        "대구시가 도시 데이터 허브 구축 사업에 착수했다. 교통과 환경 데이터를 한곳에 모아 "
        "시민 서비스에 활용한다.",
        copies=1,
        actors=("대구시",),
        topics=("smart_city", "urban_tech"),
        relevance=4.0,
    ),
    StorySpec(
        "singapore-mou",
        "싱가포르 정부, 부산시와 스마트시티 업무협약 체결",
        "싱가포르 정부 대표단이 부산을 찾아 에코델타 스마트시티 협력을 위한 업무협약(MOU)을 "
        "체결했다. 양측은 디지털 트윈 공동 실증을 추진한다.",
        copies=2,
        actors=("부산시",),
        counterparts=("싱가포르",),
        event_types=("mou", "pilot"),
        topics=("smart_city", "diplomacy"),
        relevance=7.0,
    ),
    StorySpec(
        "busan-forum",
        "부산 스마트시티 국제 포럼 개막",
        "부산에서 스마트시티 국제 포럼이 개막했다. 10개국 도시 관계자가 참석했다.",
        actors=("부산시",),
        event_types=("forum",),
        relevance=3.5,
    ),
    StorySpec(
        "sejong-pilot",
        "세종시, 자율주행 셔틀 시범사업 확대",
        "세종시가 자율주행 셔틀 시범사업 구간을 확대한다고 밝혔다.",
        actors=("세종시",),
        event_types=("pilot",),
        relevance=2.5,
    ),
    StorySpec(
        "seoul-ai",
        "서울시, 인공지능 민원 상담 서비스 도입",
        "서울시는 인공지능 상담 서비스를 120다산콜에 도입한다.",
        actors=("서울시",),
        relevance=1.5,
    ),
    StorySpec(
        "snippet-only",
        "대구 스마트 교통 포털 검색 결과",
        "대구시 교통 포털 요약입니다. "
        + "교통 정보 안내 문장이 이어집니다. " * 12
        + f"{SNIPPET_SECRET}. 나머지 본문도 길게 이어집니다.",
        actors=("대구시",),
        relevance=1.2,
        source=SNIPPET_SOURCE,
        content_mode="snippet",
    ),
]


def story_articles(spec: StorySpec, published: datetime, outlets: list[str]) -> list[Article]:
    """The original and `spec.copies` copies, an hour apart, each from the next outlet."""
    original_url = f"https://news.example.kr/{spec.key}"
    story_id = Article(url=original_url, title="", text="", fetched=published).id
    articles = []
    for n in range(spec.copies + 1):
        url = original_url if n == 0 else f"https://copy{n}.example.kr/{spec.key}"
        moment = published + timedelta(hours=n)
        articles.append(
            Article(
                url=url,
                title=spec.title if n == 0 else f"{spec.title} ({outlets[n % len(outlets)]})",
                text=spec.body,
                fetched=moment,
                published=moment,
                author=f"기자{n}",
                site_name=outlets[n % len(outlets)],
                source=spec.source,
                content_mode=spec.content_mode,  # type: ignore[arg-type]
                topics=spec.topics,
                topic_hits=tuple(TopicHit(t, t, 1) for t in spec.topics),
                relevance=spec.relevance,
                entities=spec.actors + spec.counterparts,
                actors=spec.actors,
                counterparts=spec.counterparts,
                event_types=spec.event_types,
                story_id=story_id,
                is_original=n == 0,
                lang="ko",
            )
        )
    return articles


def briefing_articles(end: datetime) -> list[Article]:
    """STORIES inside the 24 hours before `end`, originals spread over the day."""
    articles: list[Article] = []
    for index, spec in enumerate(STORIES):
        published = end - timedelta(hours=20) + timedelta(minutes=37 * index)
        articles += story_articles(spec, published, OUTLETS)
    return articles


def many_articles(end: datetime, count: int, seed: int = 14) -> list[Article]:
    """`count` articles in the week before `end`: stories of 1-6 copies (for the bench)."""
    rng = random.Random(seed)
    articles: list[Article] = []
    n = 0
    while len(articles) < count:
        base = STORIES[n % len(STORIES)]
        spec = StorySpec(
            key=f"bench-{n}",
            title=f"{base.title} #{n}",
            body=(base.body + " ") * rng.randint(3, 12),
            copies=min(rng.randint(0, 5), count - len(articles) - 1),
            actors=base.actors,
            counterparts=base.counterparts,
            event_types=base.event_types,
            topics=base.topics,
            relevance=round(rng.uniform(1, 10), 2),
        )
        published = end - timedelta(minutes=rng.randint(60 * 7, 60 * 24 * 7 - 60 * 7))
        articles += story_articles(spec, published, OUTLETS)
        n += 1
    return articles
