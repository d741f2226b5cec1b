"""Item pipelines: extract → tag → dedup → index. One job each; nothing flows back.

Pipelines never issue requests. Each counts what it keeps and what it drops
(and why) in the crawl stats under `newswatch/...`.

A local state file that cannot be written (a full disk: `errors/disk_full`;
anything else: `errors/local_state`) costs the one article, counted and named
in one log line, not the crawl: the article is not marked seen, so the next
crawl fetches it again, and its id is stable, so that duplicates nothing.
"""

from __future__ import annotations

import asyncio
import dataclasses
import logging
import sqlite3
from pathlib import Path
from typing import Any

from scrapy import signals
from scrapy.crawler import Crawler
from scrapy.exceptions import DropItem
from scrapy.statscollectors import StatsCollector
from twisted.python.failure import Failure

from crawler.context import CrawlContext
from crawler.extraction.urls import canonicalize_url
from crawler.items import PageItem
from crawler.models import Article
from crawler.processing import WorkerLostError, kept_as_relevant
from crawler.state.sqlite import is_disk_full

log = logging.getLogger(__name__)

STAT = "newswatch"
# Batches queued or in flight before the pipeline waits: two keep the engine busy
# while the next batch fills; more would only hold articles in memory.
MAX_FLUSHES_IN_FLIGHT = 2


class _Pipeline:
    def __init__(self, context: CrawlContext, stats: StatsCollector) -> None:
        self.context = context
        self.stats = stats

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Any:
        # The context travels on the spider (a spider argument), not in the
        # settings: Scrapy deep-copies settings, and the context holds open stores.
        spider = crawler.spider
        context = getattr(spider, "context", None)
        if not isinstance(context, CrawlContext):
            raise RuntimeError(f"{cls.__name__} needs a spider with a CrawlContext")
        assert crawler.stats is not None
        return cls(context, crawler.stats)

    def inc(self, key: str) -> None:
        self.stats.inc_value(f"{STAT}/{key}")

    def drop(self, reason: str, url: str) -> DropItem:
        self.inc(f"skipped/{reason}")
        log.info("skipped %s: %s", url, reason)
        return DropItem(f"{reason}: {url}")

    def state_failed(self, exc: Exception, url: str, path: Path) -> DropItem:
        """Count a local state write that failed for this article, in one line (no traceback)."""
        kind = "disk_full" if is_disk_full(exc) else "local_state"
        self.inc(f"errors/{kind}")
        log.warning(
            "cannot record %s in %s (%s); not indexed now, the next crawl fetches it again",
            url,
            path,
            exc,
        )
        return DropItem(f"{kind}: {url}")


class ExtractPipeline(_Pipeline):
    """PageItem → tagged Article: extraction, normalization and tagging (crawler.processing).

    They run in the crawl's worker pool when it has one, so the reactor keeps
    fetching meanwhile; a page whose worker died on every attempt is counted
    (`errors/worker_lost`), not marked seen, and fetched again by the next crawl.
    """

    async def process_item(self, item: Any) -> Article:
        if not isinstance(item, PageItem):
            return item  # type: ignore[no-any-return]
        assert self.context.pages is not None  # CrawlContext sets it
        try:
            outcome = await self.context.pages.process(item, on_retry=self.count_retry)
        except WorkerLostError as exc:
            self.inc("errors/worker_lost")
            log.error("%s; not indexed now, the next crawl fetches it again", exc)
            raise DropItem(str(exc)) from None
        if outcome.error is not None:
            self.inc("errors/extraction")
            log.warning("cannot extract %s: %s", item.url, outcome.error)
            raise DropItem(outcome.error)
        if outcome.skipped is not None or outcome.article is None:
            raise self.drop(outcome.skipped or "no_article", item.url)
        self.inc("extracted")
        if outcome.signature is not None:
            self.context.signatures[outcome.article.id] = outcome.signature
        return outcome.article

    def count_retry(self) -> None:
        self.inc("pool/retried")


class TagPipeline(_Pipeline):
    """The relevance gate: articles below the threshold are counted and marked seen, not kept.

    The tags themselves were computed with the extraction (ExtractPipeline).
    """

    def process_item(self, item: Any) -> Article:
        article: Article = item
        if not kept_as_relevant(self.context.config.crawl, article):
            self.context.signatures.pop(article.id, None)
            self.inc("irrelevant")
            if not self.context.dry_run:
                # Remembered so the next feed poll does not fetch it again; a page
                # only becomes worth a look when its feed or sitemap says it changed.
                try:
                    mark_seen(self.context, article)
                except STATE_ERRORS as exc:
                    raise self.state_failed(exc, article.url, self.context.seen.path) from None
            raise DropItem(f"irrelevant (score {article.relevance:.2f}): {article.url}")
        self.inc("relevant")
        return article


class DedupPipeline(_Pipeline):
    """Unchanged re-fetches are dropped; copies of one story share its story_id.

    A changed page fetched again keeps the `first_seen` the seen-store recorded the
    first time, so an undated article does not move forward on the timeline.
    """

    def process_item(self, item: Any) -> Article:
        article: Article = item
        signed = self.context.signatures.pop(article.id, None)
        known = self.context.seen.get(article.canonical_url)
        if known is not None and known.content_hash == article.content_hash:
            raise self.drop("unchanged", article.canonical_url)
        try:
            assignment = self.context.stories.assign(article, signed)
        except STATE_ERRORS as exc:
            raise self.state_failed(exc, article.url, self.context.stories.path) from None
        if assignment.story_id != article.id:
            self.inc("duplicates")
        if assignment.demoted and self.context.indexer is not None:
            self.context.indexer.mark_not_original(assignment.demoted)
        self.inc("updated" if known is not None else "new")
        return dataclasses.replace(
            article,
            story_id=assignment.story_id,
            is_original=assignment.is_original,
            first_seen=known.first_seen if known is not None else article.first_seen,
        )


class IndexPipeline(_Pipeline):
    """Bulk indexing in batches; an article is marked seen only once it is safe.

    Safe means indexed or written to the durable spool: marking earlier would
    lose an article if the process died between marking and flushing.

    Bulk requests are sent from the crawl's one sender thread, so downloads and
    extraction go on while the engine works (a blocking flush stalled Scrapy
    for ~0.5 s per 500 articles and made AutoThrottle slow every site down).
    One thread keeps batches in order; the seen marks happen back here, on
    the reactor thread that owns the seen-store.
    """

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Any:
        pipeline = super().from_crawler(crawler)
        # Any other exception an item raised in a pipeline: Scrapy logs it, we count it.
        crawler.signals.connect(pipeline.count_item_error, signals.item_error)
        crawler.signals.connect(pipeline.flush_when_idle, signals.spider_idle)
        return pipeline

    def flush_when_idle(self) -> None:
        # A crawl worker on the shared frontier stays open while idle (crawler.scale):
        # what it holds is sent now rather than when a batch fills or it stops.
        if self.pending:
            self.start_flush()

    def count_item_error(self, failure: Failure, **_: Any) -> None:
        self.inc(f"errors/item:{type(failure.value).__name__}")

    def __init__(self, context: CrawlContext, stats: StatsCollector) -> None:
        super().__init__(context, stats)
        self.pending: list[Article] = []
        self.batch_size = context.config.search.bulk_chunk_size
        self.in_flight: list[asyncio.Future[None]] = []

    async def process_item(self, item: Any) -> Article:
        article: Article = item
        if self.context.indexer is None:  # dry run
            self.inc("would_index")
            return article
        self.context.indexer.add(article.to_action())
        self.pending.append(article)
        if len(self.pending) >= self.batch_size:
            self.start_flush()
            if len(self.in_flight) > MAX_FLUSHES_IN_FLIGHT:
                # Back-pressure: a slow engine slows the crawl instead of filling memory.
                await self.in_flight[0]
        return article

    def start_flush(self) -> None:
        indexer = self.context.indexer
        if indexer is None:
            return
        articles, self.pending = self.pending, []
        actions = indexer.take()
        sent = asyncio.wrap_future(self.context.sender.submit(indexer.send, actions))
        done = asyncio.ensure_future(self._mark_when_sent(sent, articles))
        self.in_flight.append(done)
        done.add_done_callback(self.in_flight.remove)

    async def _mark_when_sent(self, sent: asyncio.Future[None], articles: list[Article]) -> None:
        try:
            await sent
        except Exception as exc:  # any failure costs these articles: counted, refetched
            # Neither indexed nor spooled for sure (e.g. the spool's disk is full): not
            # marked seen, so the next crawl fetches them again.
            kind = "disk_full" if is_disk_full(exc) else "index_send"
            self.stats.inc_value(f"{STAT}/errors/{kind}", len(articles))
            log.error(
                "could not index or spool %d articles (%s: %s); the next crawl fetches them again",
                len(articles),
                type(exc).__name__,
                exc,
            )
        else:
            for article in articles:
                try:
                    mark_seen(self.context, article)
                except STATE_ERRORS as exc:
                    self.state_failed(exc, article.url, self.context.seen.path)
        if self.context.frontier is not None:
            # Their pages' frontier leases end here, like the seen marks (crawler.scale).
            self.context.frontier.settle_urls(article.url for article in articles)

    async def close_spider(self) -> None:
        if self.pending:
            self.start_flush()
        await asyncio.gather(*self.in_flight)


# What a local state file raises when it cannot be written (disk full, damaged, read-only).
STATE_ERRORS = (sqlite3.Error, OSError)
# Error kinds after which an article is neither indexed, spooled nor marked seen:
# it has to be fetched again by the next crawl.
NOT_RECORDED = ("disk_full", "local_state", "index_send", "worker_lost", "item:")


def articles_not_recorded(stats: StatsCollector) -> int:
    """Articles of this crawl that the next crawl has to fetch again (see NOT_RECORDED)."""
    prefix = f"{STAT}/errors/"
    return sum(
        value
        for key, value in stats.get_stats().items()
        if key.startswith(prefix) and key.removeprefix(prefix).startswith(NOT_RECORDED)
    )


def mark_seen(context: CrawlContext, article: Article) -> None:
    # Under the canonical URL (what dedup looks up) and the fetched URL (what
    # spiders look up before fetching), when a page declares another canonical.
    for url in dict.fromkeys((article.canonical_url, canonicalize_url(article.url))):
        context.seen.mark(
            url,
            doc_id=article.id,
            content_hash=article.content_hash,
            # The fetch time: a feed/sitemap lastmod later than this means the
            # page changed after we read it, and is worth fetching again.
            lastmod=article.fetched,
            # Kept from the first mark only: re-crawls never move it forward.
            first_seen=article.first_seen,
        )
