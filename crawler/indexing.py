"""Bulk indexing of Articles through the adapter: one result per article, errors per item."""

from __future__ import annotations

import logging
from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any

from crawler.models import ARTICLES_ALIAS, Article
from crawler.store import EngineError, SearchStore

log = logging.getLogger(__name__)


@dataclass
class IndexReport:
    created: int = 0
    updated: int = 0
    failed: int = 0
    errors_by_kind: Counter[str] = field(default_factory=Counter)
    first_errors: list[str] = field(default_factory=list)

    @property
    def indexed(self) -> int:
        return self.created + self.updated

    def record(self, ok: bool, item: dict[str, Any]) -> None:
        result = next(iter(item.values()))
        if ok:
            if result.get("result") == "created":
                self.created += 1
            else:
                self.updated += 1
            return
        self.failed += 1
        error = result.get("error") or {}
        kind = error.get("type", "unknown") if isinstance(error, dict) else "unknown"
        self.errors_by_kind[kind] += 1
        # Keep a handful of examples for the user; the counts hold the rest.
        if len(self.first_errors) < 5:
            reason = error.get("reason") if isinstance(error, dict) else error
            self.first_errors.append(f"id {result.get('_id')}: {kind}: {reason}")


def index_articles(
    store: SearchStore,
    articles: Iterable[Article],
    *,
    index: str = ARTICLES_ALIAS,
    chunk_size: int | None = None,
    on_result: Callable[[bool], None] | None = None,
) -> IndexReport:
    return index_actions(
        store, article_actions(articles, index), chunk_size=chunk_size, on_result=on_result
    )


def index_actions(
    store: SearchStore,
    actions: Iterable[dict[str, Any]],
    *,
    chunk_size: int | None = None,
    on_result: Callable[[bool], None] | None = None,
) -> IndexReport:
    """Bulk-index ready actions (e.g. built ahead in another thread by `prefetch`)."""
    report = IndexReport()
    for ok, item in store.bulk(actions, chunk_size=chunk_size):
        report.record(ok, item)
        if on_result:
            on_result(ok)
    if report.failed:
        log.warning("bulk indexing: %d failed %s", report.failed, dict(report.errors_by_kind))
    return report


def article_actions(
    articles: Iterable[Article], index: str = ARTICLES_ALIAS
) -> Iterator[dict[str, Any]]:
    for article in articles:
        yield article.to_action(index)


# `newswatch index` over documents the crawl made: what the crawl set is kept when the
# loaded line leaves it empty. The story (story_id with its is_original flag) and the
# source (with its kind) travel together; the first sighting is the earlier of the two;
# the timeline fields are derived again as crawler.models.Article derives them.
KEPT_WHEN_EMPTY = (
    "published",
    "original_outlet",
    "original_url",
    "site_name",
    "author",
    "section",
)
KEEP_CRAWLED_SCRIPT = """
Map d = params.doc; Map s = ctx._source;
if (d.story_id == null && s.story_id != null) {
  d.story_id = s.story_id; d.is_original = s.is_original;
}
if (d.source == null && s.source != null) { d.source = s.source; d.kind = s.kind; }
for (String f : params.keep) {
  def v = d.get(f);
  def old = s.get(f);
  if ((v == null || v == '') && old != null && old != '') { d.put(f, old); }
}
if (s.first_seen != null && (d.first_seen == null
    || ZonedDateTime.parse(s.first_seen).isBefore(ZonedDateTime.parse(d.first_seen)))) {
  d.first_seen = s.first_seen;
}
if (d.published != null) { d.timeline_time = d.published; d.timeline_basis = 'published'; }
else { d.timeline_time = d.first_seen; d.timeline_basis = 'first_seen'; }
ctx._source = d;
"""


# Articles whose existence is asked in one request: one bulk chunk's worth.
EXISTENCE_CHUNK = 500


def keep_crawled_actions(
    store: SearchStore, articles: Iterable[Article], index: str = ARTICLES_ALIAS
) -> Iterator[dict[str, Any]]:
    """Bulk actions for `newswatch index`: a new document is created as is; an existing one
    is updated by KEEP_CRAWLED_SCRIPT, which keeps what the crawl set where the article
    leaves it empty.

    Which ids exist is asked once per chunk (mget, real time), because a scripted update
    costs the engine more than a plain `create`: in `make bench-index` (ratio to a bare
    bulk, paired rounds on the shared 2-core machine) scripted upserts for every article
    gave 0.68-0.76 and this 0.74-0.99, against 0.94-1.24 before. An id met earlier in this
    run is updated. A document the crawl creates between the check and the create (a
    window of one or two chunks) makes that create fail as a conflict, reported with its
    id; loading the file again updates it.
    """
    known: set[str] = set()
    for chunk in _chunks(articles, EXISTENCE_CHUNK):
        existing = existing_ids(store, [a.id for a in chunk], index) | known
        for article in chunk:
            if article.id in existing:
                yield keep_crawled_update(article, index)
            else:
                yield {**article.to_action(index), "_op_type": "create"}
                existing.add(article.id)
            known.add(article.id)


def existing_ids(store: SearchStore, ids: list[str], index: str = ARTICLES_ALIAS) -> set[str]:
    """The ids already indexed, in real time (mget sees what no refresh has shown yet)."""
    try:
        response = store.request("POST", f"/{index}/_mget", {"ids": ids}, {"_source": "false"})
    except EngineError as exc:
        if exc.status != 400:
            raise
        # An alias over two indices (mid-migration) refuses mget: an ids search instead.
        body = {"size": len(ids), "_source": False, "query": {"ids": {"values": ids}}}
        hits = store.request("POST", f"/{index}/_search", body)["hits"]["hits"]
        return {str(hit["_id"]) for hit in hits}
    return {str(doc["_id"]) for doc in response["docs"] if doc.get("found")}


def keep_crawled_update(article: Article, index: str = ARTICLES_ALIAS) -> dict[str, Any]:
    """A scripted upsert (`scripted_upsert`: on a missing document the script runs on an
    empty source, so the document travels once, as `params.doc`)."""
    return {
        "_op_type": "update",
        "_index": index,
        "_id": article.id,
        "scripted_upsert": True,
        "upsert": {},
        "script": {
            "lang": "painless",
            "source": KEEP_CRAWLED_SCRIPT,
            "params": {"doc": article.to_document(), "keep": KEPT_WHEN_EMPTY},
        },
    }


def _chunks(articles: Iterable[Article], size: int) -> Iterator[list[Article]]:
    chunk: list[Article] = []
    for article in articles:
        chunk.append(article)
        if len(chunk) >= size:
            yield chunk
            chunk = []
    if chunk:
        yield chunk
