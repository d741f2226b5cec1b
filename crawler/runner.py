"""One crawl of some sources, in this process: open the shared services, run
the spiders in one Scrapy CrawlerProcess, close everything, summarize.

A CrawlerProcess runs once per process (Twisted's reactor cannot restart), so
`newswatch crawl` is one process per crawl; the scheduler runs each crawl as a
child process for the same reason.
"""

from __future__ import annotations

import logging
import shutil
import sys
import tempfile
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from scrapy import signals
from scrapy.crawler import CrawlerProcess

from crawler.config import Config, Source
from crawler.context import CrawlContext
from crawler.engine.client import EngineError, SearchStore
from crawler.engine.indexer import BufferedIndexer
from crawler.engine.spool import Spool
from crawler.logformatter import quiet_repeated_errors
from crawler.models import Article
from crawler.processing import open_processor
from crawler.reporting.summary import CrawlSummary, SourceOutcome, SourceStatus, accumulate_stats
from crawler.scale.role import CrawlRole, open_frontier
from crawler.scale.seen import open_seen_store
from crawler.scale.settings import frontier_settings
from crawler.scale.spool import RedisSpool
from crawler.scale.stories import open_story_index
from crawler.settings import scrapy_settings
from crawler.spiders import SPIDERS
from crawler.state.stories import StoryIndex
from crawler.tagging import Tagger

__all__ = [
    "CrawlSummary",
    "ProgressCallback",
    "SourceOutcome",
    "SourceStatus",
    "UnknownSourceError",
    "run_crawl",
    "select_sources",
]

log = logging.getLogger(__name__)

ProgressCallback = Callable[[str, str], None]  # (source name, event)


class UnknownSourceError(ValueError):
    """A source named on the command line is not in the config."""


def select_sources(config: Config, names: Sequence[str]) -> list[Source]:
    known = {s.name: s for s in config.sources}
    unknown = [n for n in names if n not in known]
    if unknown:
        raise UnknownSourceError(
            f"unknown source {', '.join(map(repr, unknown))} "
            f"(configured: {', '.join(known) or 'none'})"
        )
    if names:
        return [known[n] for n in names]
    return [s for s in config.sources if s.enabled]


def open_context(
    config: Config, dry_run: bool, role: CrawlRole | None = None
) -> tuple[CrawlContext, SearchStore | None]:
    state = config.crawl.state_dir
    state.mkdir(parents=True, exist_ok=True)
    store: SearchStore | None = None
    indexer: BufferedIndexer | None = None
    # A dry run changes no shared state, so it crawls on its own, locally.
    frontier = open_frontier(config, role or CrawlRole()) if not dry_run else None
    spool = (
        RedisSpool(state / "spool", frontier.server, config.scale.key_prefix, frontier.worker_id)
        if frontier is not None
        else Spool(state / "spool")
    )
    if not dry_run:
        try:
            store = SearchStore.connect(config.search)
        except EngineError as exc:
            log.warning("%s; articles will be spooled in %s", exc, state / "spool")
        # The index pipeline decides when to send (from its sender thread); the
        # indexer itself must never flush on the reactor thread, hence no size limit.
        indexer = BufferedIndexer(store, spool, batch_size=sys.maxsize)
        # What an earlier run could not index goes first, so newer copies win.
        indexer.replay_spool()
    tagger = Tagger.from_config(config)
    context = CrawlContext(
        config=config,
        tagger=tagger,
        seen=open_seen_store(config, state / "seen.sqlite"),
        # A dry run assigns stories in a throwaway local copy: it changes no state.
        stories=(
            StoryIndex(_stories_path(state, dry_run))
            if dry_run
            else open_story_index(config, state / "stories.sqlite")
        ),
        indexer=indexer,
        spool=spool,
        dry_run=dry_run,
        frontier=frontier,
        pages=open_processor(config, tagger),
    )
    return context, store


def _stories_path(state: Path, dry_run: bool) -> Path:
    """A dry run assigns stories in a throwaway copy, so it changes no state."""
    real = state / "stories.sqlite"
    if not dry_run:
        return real
    scratch = Path(tempfile.mkdtemp(prefix="newswatch-dry-run-")) / "stories.sqlite"
    if real.exists():
        shutil.copyfile(real, scratch)
    return scratch


def run_crawl(
    config: Config,
    names: Sequence[str] = (),
    *,
    dry_run: bool = False,
    progress: ProgressCallback | None = None,
    role: CrawlRole | None = None,
) -> CrawlSummary:
    """One crawl; with the shared frontier on, `role` says whether it seeds the run
    (`newswatch crawl`, the service) or only takes requests (`newswatch worker`)."""
    sources = select_sources(config, names)
    summary = CrawlSummary(sources=[s.name for s in sources])
    context, store = open_context(config, dry_run, role)
    summary.engine = store.url if store else None
    settings = scrapy_settings(config)
    if context.frontier is not None:
        settings = frontier_settings(settings, config.scale)
    root_level = logging.root.level
    # Scrapy's own chatter (enabled components, stats dumps) only when verbose.
    logging.getLogger("scrapy").setLevel(max(root_level, logging.INFO))
    quiet_repeated_errors()
    process = CrawlerProcess(settings)
    crawlers = []
    try:
        for source in sources:
            crawler = process.create_crawler(SPIDERS[source.type])
            if progress is not None:
                _connect_progress(crawler, source.name, progress)
            if dry_run:
                _collect_articles(crawler, summary.would_index)
            crawlers.append((source.name, crawler))
            process.crawl(crawler, source=source, context=context)
        if crawlers:
            # Scrapy lowers the root level while it sets up; the command line chose it.
            logging.root.setLevel(root_level)
            process.start()
    finally:
        if context.indexer is not None:
            context.indexer.flush()
            summary.spool_pending = context.spool.pending() if context.spool else 0
            summary.counts.update(_indexer_counts(context.indexer))
            summary.errors_by_kind.update(context.indexer.stats.errors_by_kind())
        context.close()
        if store is not None:
            store.close()
    for name, crawler in crawlers:
        stats = crawler.stats.get_stats() if crawler.stats else {}
        summary.per_source[name] = stats
        summary.finish_reasons[name] = str(stats.get("finish_reason", "not started"))
        summary.outcomes[name] = SourceOutcome.from_stats(name, stats)
        accumulate_stats(summary, stats)
    log.info("crawl %s: %s", ",".join(summary.sources), dict(summary.counts))
    return summary


def _connect_progress(crawler: Any, name: str, progress: ProgressCallback) -> None:
    # weak=False: Scrapy's signals hold receivers by weak reference by default, and
    # these lambdas have no other owner, so they would be collected at once and the
    # progress table would stay empty.
    for signal, event in (
        (signals.response_received, "fetched"),
        (signals.item_scraped, "kept"),
        (signals.item_dropped, "dropped"),
    ):
        crawler.signals.connect(_progress_receiver(progress, name, event), signal, weak=False)


def _progress_receiver(progress: ProgressCallback, name: str, event: str) -> Callable[..., None]:
    def receive(**_: Any) -> None:
        progress(name, event)

    return receive


def _collect_articles(crawler: Any, into: list[Article]) -> None:
    def receive(item: Any, **_: Any) -> None:
        if isinstance(item, Article):
            into.append(item)

    crawler.signals.connect(receive, signals.item_scraped, weak=False)


def _indexer_counts(indexer: BufferedIndexer) -> dict[str, int]:
    stats = indexer.stats
    return {
        "indexed": stats.indexed_new + stats.indexed_updated,
        "spooled": stats.spooled,
        "replayed": stats.replayed,
        "index_failed": stats.failed,
    }
