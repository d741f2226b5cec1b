"""Which copy of a story an alert is about: the earliest-published copy that is not a repost.

Dedup (crawler/dedup.py) gives the copies of one story one `story_id`;
repost detection (crawler/extraction/repost.py) gives a blog post that
quotes an article its `original_outlet` / `original_url`. An alert names
the story's best copy: a non-repost before any repost, then the earliest on
the timeline (published, else first seen). When only a repost is known, the
alert is about it and names the original it cites.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from crawler.engine.client import SearchStore
from crawler.engine.indices import ARTICLES_ALIAS

# Copies read per story, earliest first, to find the first non-repost among them:
# a story's copies are a handful (an original, syndications, a few blog reposts);
# a story with 20 reposts before its first non-repost copy falls back to the earliest.
COPIES_READ = 20
# What the choice and the message need of each copy (the chosen copy's text is read apart).
RANK_FIELDS = [
    "timeline_time",
    "original_outlet",
    "original_url",
    "is_original",
    "site_name",
    "canonical_url",
    "url",
]

Rank = tuple[bool, datetime]


def is_repost(source: Mapping[str, Any]) -> bool:
    """A copy that cites another outlet's article as its source."""
    return bool(source.get("original_url") or source.get("original_outlet"))


def rank(source: Mapping[str, Any]) -> Rank:
    """Smaller is better: non-reposts first, then the earliest on the timeline."""
    return is_repost(source), datetime.fromisoformat(str(source["timeline_time"]))


def better(candidate: Rank, current: Rank) -> bool:
    return candidate < current


@dataclass(frozen=True, slots=True)
class Provenance:
    """What a message says about the alerted copy's place in its story."""

    is_copy: bool = False
    original_outlet: str | None = None
    original_url: str | None = None
    copies: int = 0  # other copies of the story known when the alert was made


@dataclass(frozen=True, slots=True)
class Story:
    best_id: str
    best: dict[str, Any]  # RANK_FIELDS of the best copy
    original: dict[str, Any] | None  # RANK_FIELDS of the copy dedup marked original
    count: int

    def provenance(self, alerted_id: str, alerted: Mapping[str, Any]) -> Provenance:
        return provenance_of(
            alerted, self.original if alerted_id != self.original_id else None, self.count
        )

    @property
    def original_id(self) -> str | None:
        return None if self.original is None else str(self.original.get("_id"))


def provenance_of(
    alerted: Mapping[str, Any], story_original: Mapping[str, Any] | None, count: int
) -> Provenance:
    """A repost names the original it cites; another non-original copy the story's original."""
    copies = max(count - 1, 0)
    if is_repost(alerted):
        return Provenance(True, alerted.get("original_outlet"), alerted.get("original_url"), copies)
    if alerted.get("is_original", True) is False and story_original is not None:
        url = story_original.get("canonical_url") or story_original.get("url")
        return Provenance(True, story_original.get("site_name"), url, copies)
    return Provenance(False, None, None, copies)


def read_stories(store: SearchStore, story_ids: Iterable[str]) -> dict[str, Story]:
    """Each story's best copy and size, in one search (a terms aggregation with top hits)."""
    wanted = sorted(set(story_ids))
    if not wanted:
        return {}
    top = {"size": COPIES_READ, "sort": [{"timeline_time": "asc"}], "_source": RANK_FIELDS}
    body = {
        "size": 0,
        "query": {"terms": {"story_id": wanted}},
        "aggs": {
            "stories": {
                "terms": {"field": "story_id", "size": len(wanted)},
                "aggs": {
                    "copies": {"top_hits": top},
                    "original": {
                        "filter": {"term": {"is_original": True}},
                        "aggs": {"first": {"top_hits": {**top, "size": 1}}},
                    },
                },
            }
        },
    }
    response = store.request("POST", f"/{ARTICLES_ALIAS}/_search", body)
    return {
        str(bucket["key"]): _story(bucket)
        for bucket in response["aggregations"]["stories"]["buckets"]
    }


def _story(bucket: dict[str, Any]) -> Story:
    copies = [{**hit["_source"], "_id": hit["_id"]} for hit in bucket["copies"]["hits"]["hits"]]
    best = min(copies, key=rank)
    originals = bucket["original"]["first"]["hits"]["hits"]
    original = {**originals[0]["_source"], "_id": originals[0]["_id"]} if originals else None
    return Story(str(best["_id"]), best, original, int(bucket["doc_count"]))
