"""The Article record: the single source of truth for an article's fields.

Every other representation is derived from it: the engine document
(`to_document`), the bulk action (`to_action`), the JSON printed by
`newswatch extract`. The index template in index_mappings/ must have exactly
the document's keys as properties (a unit test holds the two together).
"""

from __future__ import annotations

import dataclasses
import hashlib
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Literal

from crawler.engine.indices import ARTICLES_ALIAS
from crawler.vocabulary import ArticleKind, ContentMode, in_seoul

# Where an article's `timeline_time` comes from (see Article.timeline_basis).
TimelineBasis = Literal["published", "first_seen"]


def document_id(canonical_url: str) -> str:
    """Stable id for an article: the same canonical URL always gives the same id.

    SHA-1 is used for its length (40 hex chars fits the engine's id limit with
    room to spare), not for security.
    """
    return hashlib.sha1(canonical_url.encode("utf-8")).hexdigest()


def content_hash(text: str) -> str:
    """Hash of the whitespace-normalized text, to tell changed content from a re-fetch.

    BLAKE2b (16 bytes) rather than SHA-256: as collision-safe for this use and
    about twice as fast on article-sized text.
    """
    normalized = " ".join(text.split())
    return hashlib.blake2b(normalized.encode("utf-8"), digest_size=16).hexdigest()


@dataclass(frozen=True, slots=True)
class TopicHit:
    """One keyword of a topic group found in an article, and how often."""

    topic: str
    term: str
    count: int


@dataclass(frozen=True, slots=True)
class Article:
    """One normalized article. Datetimes are timezone-aware (naive ones become Asia/Seoul)."""

    # Read by pydantic when a mapping is validated into an Article (crawler.article_codec).
    __pydantic_config__ = {"extra": "forbid"}  # noqa: RUF012

    url: str
    title: str
    text: str
    fetched: datetime
    canonical_url: str = ""
    subtitle: str | None = None
    lead: str | None = None
    author: str | None = None
    published: datetime | None = None
    modified: datetime | None = None
    # When the crawl first saw this page (the seen-store's first sighting, kept across
    # re-crawls); None means this fetch is the first sighting, so it becomes `fetched`.
    first_seen: datetime | None = None
    lang: str | None = None
    site_name: str | None = None
    source: str | None = None
    kind: ArticleKind = "news"
    section: str | None = None
    tags: tuple[str, ...] = ()
    image: str | None = None
    content_mode: ContentMode = "full"
    # Relevance tagging (crawler.tagging): topic groups hit, with the terms that hit.
    topics: tuple[str, ...] = ()
    topic_hits: tuple[TopicHit, ...] = ()
    relevance: float = 0.0
    entities: tuple[str, ...] = ()
    # Smart-city diplomacy facts, for Kibana facets.
    actors: tuple[str, ...] = ()
    counterparts: tuple[str, ...] = ()
    officials: tuple[str, ...] = ()
    event_types: tuple[str, ...] = ()
    projects: tuple[str, ...] = ()
    # Repost detection: the original a blog post quotes, when it can be found.
    original_outlet: str | None = None
    original_url: str | None = None
    # Dedup: copies of one story share story_id; the earliest copy is the original.
    story_id: str | None = None
    is_original: bool = True
    # Quality flags from extraction ("no_text", "short_text", "no_date", ...).
    quality: tuple[str, ...] = field(default=())
    # The time data views, saved searches, dashboards and alerts place the article at:
    # `published` when known, else `first_seen` (`published` itself stays null). Derived
    # here and only here, never passed in, so `dataclasses.replace` recomputes it.
    # Named "timeline_*" rather than e.g. "date": it is where the article sits on a
    # timeline, not a claim about when it was written; "basis" rather than "source"
    # because `source` already names the crawl source.
    timeline_time: datetime = field(init=False)
    timeline_basis: TimelineBasis = field(init=False)

    def __post_init__(self) -> None:
        if not self.canonical_url:
            object.__setattr__(self, "canonical_url", self.url)
        for name in ("fetched", "published", "modified", "first_seen"):
            value = getattr(self, name)
            if value is not None:
                object.__setattr__(self, name, in_seoul(value))
        if self.first_seen is None:
            object.__setattr__(self, "first_seen", self.fetched)
        if self.published is not None:
            object.__setattr__(self, "timeline_time", self.published)
            object.__setattr__(self, "timeline_basis", "published")
        else:
            object.__setattr__(self, "timeline_time", self.first_seen)
            object.__setattr__(self, "timeline_basis", "first_seen")

    @property
    def id(self) -> str:
        return document_id(self.canonical_url)

    @property
    def content_hash(self) -> str:
        return content_hash(self.text)

    def to_document(self) -> dict[str, Any]:
        """The engine document: the Article's fields plus derived `content_hash`."""
        # This runs once per indexed article; the field names are computed once
        # (not per call) because `make bench-index` showed it costs a tenth of a bulk.
        doc = {name: _to_json_value(getattr(self, name)) for name in _FIELD_NAMES}
        doc["content_hash"] = self.content_hash
        return doc

    def to_action(self, index: str = ARTICLES_ALIAS) -> dict[str, Any]:
        """A bulk `index` action: re-indexing the same URL overwrites, never duplicates."""
        return {"_op_type": "index", "_index": index, "_id": self.id, "_source": self.to_document()}

    @classmethod
    def from_document(cls, doc: Mapping[str, Any]) -> Article:
        """Validate and build an Article from a JSON-like mapping (JSONL line, engine hit)."""
        from crawler.article_codec import article_from_mapping

        return article_from_mapping(doc)


def _to_json_value(value: Any) -> Any:
    if value is None or isinstance(value, str | int | float):
        return value
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, tuple):
        return [_to_json_value(v) for v in value] if value else []
    if isinstance(value, TopicHit):
        return {"topic": value.topic, "term": value.term, "count": value.count}
    return value


_FIELD_NAMES: tuple[str, ...] = tuple(f.name for f in dataclasses.fields(Article))
# Fields computed in Article.__post_init__: documents carry them, constructors refuse them.
DERIVED_FIELDS = frozenset(f.name for f in dataclasses.fields(Article) if not f.init)


def document_fields() -> set[str]:
    """Names of the keys `to_document()` produces (the mapping must match them)."""
    return set(_FIELD_NAMES) | {"content_hash"}
