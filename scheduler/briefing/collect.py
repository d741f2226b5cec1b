"""The period's articles from the engine, grouped into stories and sections.

One search (paged with `search_after`) fetches every article of the period; each
section's query (the one query language, compiled by crawler.query as `newswatch
search` compiles it) rides along as a named query, so the engine reports in
`matched_queries` which sections an article matches and no second pass is needed.
A story goes to the first section any of its copies matches (the config's order),
the rest to "other". Within a section, stories are ranked by relevance, then
recency, then story id, so the same period always gives the same order.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Iterator, Mapping
from datetime import datetime
from typing import Any

from crawler.config import Config
from crawler.config.briefings import BriefingConfig, BriefingSection
from crawler.engine.client import SearchStore
from crawler.engine.indices import ARTICLES_ALIAS
from crawler.query.compile import compile_tree
from scheduler.briefing.model import OTHER_SECTION, BriefArticle, Section, Story

# Hits per page: 1,000 articles with their text are ~5 MB of JSON, a comfortable
# response; `make bench-brief` (5,000 articles) takes 5 pages.
PAGE_SIZE = 1000
# A lead is the article's own lead, or its first sentences up to this many
# characters: two Korean news sentences are ~150-250 characters.
LEAD_CHARS = 300
# What a `snippet` source may show of an article: a search-result-sized excerpt.
SNIPPET_CHARS = 200
SECTION_PREFIX = "section-"
_SOURCE_FIELDS = [
    "url",
    "canonical_url",
    "title",
    "site_name",
    "author",
    "published",
    "timeline_time",
    "lead",
    "text",
    "content_mode",
    "source",
    "story_id",
    "is_original",
    "relevance",
    "topics",
    "topic_hits",
    "entities",
    "actors",
    "counterparts",
    "officials",
    "event_types",
]
_SENTENCE_END = re.compile(r"(?<=[.!?。])\s+")


def search_body(
    briefing: BriefingConfig, start: datetime, end: datetime, after: list[Any] | None = None
) -> dict[str, Any]:
    filters: list[dict[str, Any]] = [
        {"range": {"timeline_time": {"gte": start.isoformat(), "lt": end.isoformat()}}}
    ]
    if briefing.min_relevance is not None:
        filters.append({"range": {"relevance": {"gte": briefing.min_relevance}}})
    named = [
        {"bool": {"must": [_section_query(section, end)], "_name": f"{SECTION_PREFIX}{i}"}}
        for i, section in enumerate(briefing.sections)
    ]
    body: dict[str, Any] = {
        "size": PAGE_SIZE,
        "query": {"bool": {"filter": filters, "should": named}},
        "sort": [{"timeline_time": "asc"}, {"url": "asc"}],
        "_source": _SOURCE_FIELDS,
        "track_total_hits": False,
    }
    if after is not None:
        body["search_after"] = after
    return body


def _section_query(section: BriefingSection, end: datetime) -> dict[str, Any]:
    """The section's query as `newswatch search` runs it; since:/until: count from `end`."""
    return compile_tree(section.parsed_query).search_query(end)


def fetch_articles(
    store: SearchStore, config: Config, briefing: BriefingConfig, start: datetime, end: datetime
) -> list[BriefArticle]:
    snippet_sources = {s.name for s in config.sources if s.content_mode == "snippet"}
    return [to_article(hit, snippet_sources) for hit in _hits(store, briefing, start, end)]


def _hits(
    store: SearchStore, briefing: BriefingConfig, start: datetime, end: datetime
) -> Iterator[dict[str, Any]]:
    after: list[Any] | None = None
    while True:
        body = search_body(briefing, start, end, after)
        hits = store.request("POST", f"/{ARTICLES_ALIAS}/_search", body)["hits"]["hits"]
        yield from hits
        if len(hits) < PAGE_SIZE:
            return
        after = hits[-1]["sort"]


def to_article(hit: Mapping[str, Any], snippet_sources: set[str]) -> BriefArticle:
    source = hit["_source"]
    snippet_only = source.get("content_mode") == "snippet" or source.get("source") in (
        snippet_sources
    )
    text = "" if snippet_only else str(source.get("text") or "")
    lead = lead_of(str(source.get("lead") or ""), str(source.get("text") or ""))
    if snippet_only:
        lead = _clip(lead, SNIPPET_CHARS)
    matched = hit.get("matched_queries") or []
    return BriefArticle(
        id=str(hit["_id"]),
        title=" ".join(str(source.get("title") or "").split()),
        url=str(source.get("canonical_url") or source.get("url") or ""),
        outlet=str(source.get("site_name") or ""),
        author=str(source.get("author") or ""),
        published=_time(source.get("published")),
        timeline_time=_time(source.get("timeline_time")) or datetime.fromtimestamp(0),
        lead=lead,
        text=text,
        snippet_only=snippet_only,
        story_id=str(source.get("story_id") or hit["_id"]),
        is_original=bool(source.get("is_original", True)),
        relevance=float(source.get("relevance") or 0.0),
        topics=_strings(source.get("topics")),
        keywords=tuple(dict.fromkeys(h.get("term", "") for h in source.get("topic_hits") or [])),
        entities=_strings(source.get("entities")),
        actors=_strings(source.get("actors")),
        counterparts=_strings(source.get("counterparts")),
        officials=_strings(source.get("officials")),
        event_types=_strings(source.get("event_types")),
        sections=tuple(sorted(int(name[len(SECTION_PREFIX) :]) for name in matched)),
    )


def lead_of(lead: str, text: str) -> str:
    """The article's own lead, else its first sentences: never generated text."""
    lead = " ".join(lead.split())
    if lead:
        return _clip(lead, LEAD_CHARS)
    chosen = ""
    for sentence in _SENTENCE_END.split(" ".join(text.split())):
        if chosen and len(chosen) + len(sentence) + 1 > LEAD_CHARS:
            break
        chosen = f"{chosen} {sentence}".strip()
    return _clip(chosen, LEAD_CHARS)


def group_stories(articles: list[BriefArticle]) -> list[Story]:
    """Stories in first-seen order; the original (else the earliest copy) leads each."""
    by_story: dict[str, list[BriefArticle]] = defaultdict(list)
    for article in articles:
        by_story[article.story_id].append(article)
    stories = []
    for story_id, members in by_story.items():
        ordered = sorted(members, key=lambda a: (not a.is_original, a.timeline_time, a.id))
        stories.append(Story(story_id=story_id, head=ordered[0], copies=tuple(ordered[1:])))
    return stories


def build_sections(briefing: BriefingConfig, stories: list[Story]) -> tuple[Section, ...]:
    buckets: list[list[Story]] = [[] for _ in range(len(briefing.sections) + 1)]
    for story in stories:
        matched = [i for article in story.articles for i in article.sections]
        buckets[min(matched) if matched else -1].append(story)
    titles = [section.title for section in briefing.sections] + [OTHER_SECTION]
    return tuple(
        Section(title=title, stories=tuple(sorted(bucket, key=rank_key)))
        for title, bucket in zip(titles, buckets, strict=True)
    )


def rank_key(story: Story) -> tuple[float, float, str]:
    """Most relevant first, then the newest, then by id (a stable order for ties)."""
    relevance = max(article.relevance for article in story.articles)
    return (-round(relevance, 3), -story.head.timeline_time.timestamp(), story.story_id)


def _strings(value: Any) -> tuple[str, ...]:
    if not value:
        return ()
    return tuple(str(v) for v in (value if isinstance(value, list) else [value]))


def _time(value: Any) -> datetime | None:
    return datetime.fromisoformat(str(value)) if value else None


def _clip(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"
