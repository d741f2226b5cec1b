"""One search hit: clean fields for machines, marked title and snippet for the terminal.

The engine's highlighter wraps matches in two private-use characters rather than
<em>: article text can itself contain "<em>", and the clean fields are the marked
ones with the two characters removed. Snippets are one line: the fragments' blank
lines and runs of spaces collapse to single spaces.
"""

from __future__ import annotations

from dataclasses import dataclass, fields
from typing import Any

SNIPPET_CHARS = 160
# Unicode private-use code points: never in crawled text that extraction keeps.
MARK_START, MARK_END = "\ue000", "\ue001"
SOURCE_FIELDS = [
    "title",
    "url",
    "canonical_url",
    "site_name",
    "published",
    "timeline_time",
    "lead",
    "kind",
    "source",
    "lang",
    "topics",
    "relevance",
    "story_id",
    "is_original",
    "original_outlet",
    "original_url",
]
HIGHLIGHT = {
    "pre_tags": [MARK_START],
    "post_tags": [MARK_END],
    "fields": {
        "title": {"number_of_fragments": 0},
        "text": {"fragment_size": SNIPPET_CHARS, "number_of_fragments": 2},
    },
}


@dataclass(frozen=True, slots=True)
class Hit:
    id: str
    score: float
    title: str
    url: str
    outlet: str | None
    published: str | None
    timeline_time: str | None
    kind: str | None
    source: str | None
    lang: str | None
    topics: list[str]
    relevance: float | None
    story_id: str | None
    is_original: bool | None
    original_outlet: str | None
    original_url: str | None
    snippet: str
    # With MARK_START/MARK_END around the matches; for display only.
    marked_title: str
    marked_snippet: str
    sort: list[Any]  # the engine's sort values: where a following page starts

    def to_json(self) -> dict[str, Any]:
        """The clean fields (no marks, no paging internals)."""
        skip = {"marked_title", "marked_snippet", "sort"}
        return {f.name: getattr(self, f.name) for f in fields(self) if f.name not in skip}


def one_line(text: str) -> str:
    return " ".join(text.split())


def unmarked(text: str) -> str:
    return text.replace(MARK_START, "").replace(MARK_END, "")


def to_hit(raw: dict[str, Any]) -> Hit:
    source = raw.get("_source", {})
    highlight = raw.get("highlight", {})
    fragments = [one_line(f) for f in highlight.get("text", [])]
    snippet = " … ".join(f for f in fragments if f) or _lead(source)
    title = one_line((highlight.get("title") or [str(source.get("title") or "")])[0])
    return Hit(
        id=raw["_id"],
        score=float(raw.get("_score") or 0.0),
        title=unmarked(title),
        url=source.get("canonical_url") or source.get("url", ""),
        outlet=source.get("site_name"),
        published=source.get("published"),
        timeline_time=source.get("timeline_time"),
        kind=source.get("kind"),
        source=source.get("source"),
        lang=source.get("lang"),
        topics=list(source.get("topics") or []),
        relevance=source.get("relevance"),
        story_id=source.get("story_id"),
        is_original=source.get("is_original"),
        original_outlet=source.get("original_outlet"),
        original_url=source.get("original_url"),
        snippet=unmarked(snippet),
        marked_title=title,
        marked_snippet=snippet,
        sort=list(raw.get("sort", [])),
    )


def _lead(source: dict[str, Any]) -> str:
    lead = one_line(str(source.get("lead") or ""))
    return lead if len(lead) <= SNIPPET_CHARS else lead[:SNIPPET_CHARS].rstrip() + "…"
