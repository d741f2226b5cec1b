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
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

from scrapy import signals
from scrapy.crawler import CrawlerProcess

from crawler.config import Config, Source
from crawler.context import CrawlContext
from crawler.dedup import StoryIndex
from crawler.failures import FAILED_STAT, FAILURES_STAT, OK_STAT
from crawler.indexer import BufferedIndexer
from crawler.logformatter import quiet_repeated_errors
from crawler.models import Article
from crawler.seen import SeenStore
from crawler.settings import scrapy_settings
from crawler.spiders import SPIDERS
from crawler.spool import Spool
from crawler.store import EngineError, SearchStore
from crawler.tagging import Tagger

log = logging.getLogger(__name__)

ProgressCallback = Callable[[str, str], None]  # (source name, event)


class UnknownSourceError(ValueError):
    """A source named on the command line is not in the config."""


SourceStatus = Literal["ok", "partial", "failed"]


@dataclass
class SourceOutcome:
    """How one source's crawl went: `failed` when it fetched nothing because of
    errors (or its spider ended abnormally), `partial` when some fetches failed
    but others worked, `ok` otherwise (fetching nothing new is not an error).

    A link the site's robots.txt forbids is listed with the failures but does not
    make a run that fetched other pages `partial`: a site crawl meets such links on
    every run, and a status that is always yellow stops being read."""

    name: str
    finish_reason: str
    fetched: int = 0  # responses that reached the spider
    failed: int = 0  # fetches that failed after their retries (robots refusals included)
    refused_by_robots: int = 0
    failures: list[dict[str, str]] = field(default_factory=list)  # the first MAX_KEPT
    # This source's own figures, as in the summary (newswatch/... stats, errors by kind).
    counts: dict[str, int] = field(default_factory=dict)
    errors_by_kind: dict[str, int] = field(default_factory=dict)

    @property
    def status(self) -> SourceStatus:
        if self.finish_reason != "finished":
            return "failed"
        if self.failed == 0:
            return "ok"
        if self.fetched == 0:
            return "failed"
        return "partial" if self.failed > self.refused_by_robots else "ok"

    def describe(self) -> str | None:
        """One line for a run record's last_error: why it failed, or None when ok."""
        if self.finish_reason != "finished":
            return f"the crawl ended with {self.finish_reason}"
        if self.status == "ok":
            return None
        first = "; ".join(f["message"] for f in self.failures[:2])
        more = f" (and {self.failed - 2} more)" if self.failed > 2 else ""
        return f"{self.failed} of {self.failed + self.fetched} fetches failed: {first}{more}"

    def to_json(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "status": self.status,
            "finish_reason": self.finish_reason,
            "fetched": self.fetched,
            "failed": self.failed,
            "refused_by_robots": self.refused_by_robots,
            "failures": self.failures,
            "counts": self.counts,
            "errors_by_kind": self.errors_by_kind,
        }

    @classmethod
    def from_stats(cls, name: str, stats: dict[str, Any]) -> SourceOutcome:
        own = CrawlSummary(sources=[name])
        _accumulate(own, stats)
        failed = int(stats.get(FAILED_STAT, 0))
        return cls(
            name=name,
            finish_reason=str(stats.get("finish_reason", "not started")),
            fetched=int(stats.get(OK_STAT, 0)),
            failed=failed,
            refused_by_robots=int(stats.get(f"{FAILED_STAT}/robots", 0)),
            failures=list(stats.get(FAILURES_STAT) or []),
            counts={**own.counts, "fetch_failed": failed},
            errors_by_kind=dict(own.errors_by_kind),
        )


@dataclass
class CrawlSummary:
    sources: list[str]
    counts: Counter[str] = field(default_factory=Counter)
    errors_by_kind: Counter[str] = field(default_factory=Counter)
    skipped_by_reason: Counter[str] = field(default_factory=Counter)
    per_source: dict[str, dict[str, Any]] = field(default_factory=dict)
    engine: str | None = None
    spool_pending: int = 0
    finish_reasons: dict[str, str] = field(default_factory=dict)
    outcomes: dict[str, SourceOutcome] = field(default_factory=dict)
    # A dry run's articles that would have been indexed, in the order they passed.
    would_index: list[Article] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        """No source failed (a partial source is not a failure of the crawl), and no
        article failed to be indexed or kept (`articles_failed`)."""
        return all(o.status != "failed" for o in self.outcomes.values()) and not (
            self.articles_failed
        )

    @property
    def articles_failed(self) -> int:
        """Articles (bulk actions) refused by the engine, or lost to a local state write."""
        return sum(n for k, n in self.errors_by_kind.items() if k.startswith(ARTICLE_ERRORS))


# Error kinds (`newswatch/errors/<kind>` and the indexer's) that cost an article in
# this run; each is kept (spool) or fetched again by the next crawl, never dropped.
ARTICLE_ERRORS = ("index:", "spool:", "disk_full", "local_state", "index_send", "item:")


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


def open_context(config: Config, dry_run: bool) -> tuple[CrawlContext, SearchStore | None]:
    state = config.crawl.state_dir
    state.mkdir(parents=True, exist_ok=True)
    store: SearchStore | None = None
    indexer: BufferedIndexer | None = None
    spool = Spool(state / "spool")
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
    context = CrawlContext(
        config=config,
        tagger=Tagger.from_config(config),
        seen=SeenStore(state / "seen.sqlite"),
        stories=StoryIndex(_stories_path(state, dry_run)),
        indexer=indexer,
        spool=spool,
        dry_run=dry_run,
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
) -> CrawlSummary:
    sources = select_sources(config, names)
    summary = CrawlSummary(sources=[s.name for s in sources])
    context, store = open_context(config, dry_run)
    summary.engine = store.url if store else None
    settings = scrapy_settings(config)
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
        _accumulate(summary, stats)
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


# Scrapy's own stats that mean "an error of this kind" in the summary.
_SCRAPY_ERROR_PREFIXES = {
    "spider_exceptions/": "spider",
    "netguard/blocked/": "blocked",
    "netguard/bad_url/": "bad_url",
}
# Download failures, one per request after its retries (crawler.failures'
# `fetch/failed/<reason>`), as `download:<reason>`. Not Scrapy's
# `downloader/exception_type_count/`, which counts every attempt: a refused
# connection with two retries is one failure, not three, and a timeout that a
# retry got past is none.
_DOWNLOAD_FAILURES = frozenset({"refused", "timeout", "tls", "connection", "download_error"})
# Final HTTP errors, one per page: what HttpErrorMiddleware refused to pass to the
# spider. Not `downloader/response_status_count/`, which also counts every retried
# 500/429 (a page that failed three times, or was rate-limited once and then
# fetched, is not three errors or one) and robots.txt answers (a site without
# robots.txt is not an error).
_HTTP_ERROR_PREFIX = "httperror/response_ignored_status_count/"


def _accumulate(summary: CrawlSummary, stats: dict[str, Any]) -> None:
    for key, value in stats.items():
        if not isinstance(value, int) or isinstance(value, bool):
            continue
        if key.startswith("newswatch/skipped/"):
            summary.skipped_by_reason[key.removeprefix("newswatch/skipped/")] += value
        elif key.startswith("newswatch/errors/"):
            summary.errors_by_kind[key.removeprefix("newswatch/errors/")] += value
        elif key.startswith("newswatch/"):
            summary.counts[key.removeprefix("newswatch/")] += value
        elif key.startswith(_HTTP_ERROR_PREFIX):
            summary.errors_by_kind[f"http_{key.removeprefix(_HTTP_ERROR_PREFIX)}"] += value
        elif key == "robotstxt/forbidden":
            summary.skipped_by_reason["robots_txt"] += value
        elif key == f"{FAILED_STAT}/dns":  # the guard's lookup or the downloader's
            summary.errors_by_kind["dns"] += value
        elif key.removeprefix(f"{FAILED_STAT}/") in _DOWNLOAD_FAILURES:
            summary.errors_by_kind[f"download:{key.removeprefix(f'{FAILED_STAT}/')}"] += value
        else:
            for prefix, kind in _SCRAPY_ERROR_PREFIXES.items():
                if key.startswith(prefix):
                    summary.errors_by_kind[f"{kind}:{key.removeprefix(prefix)}"] += value
