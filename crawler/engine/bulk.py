"""Bulk indexing of Articles through the adapter: one result per article, errors per item."""

from __future__ import annotations

import logging
from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any

from crawler.engine.client import SearchStore
from crawler.engine.indices import ARTICLES_ALIAS
from crawler.models import Article

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
