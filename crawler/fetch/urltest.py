"""One URL through a source's crawl machinery, for `newswatch test-url SOURCE URL`.

What `scrapy parse` and the Elastic crawler's `urltest` give their users: the
URL is fetched by the source's own spider class in a Scrapy CrawlerProcess
built from the crawl's settings (crawler.settings), so the SSRF guard
(`crawl.allow_hosts`), robots.txt, redirects, retries, the size and time
limits and the failure messages (crawler.reporting.failures) are exactly a crawl's.
Only the spider's start is replaced (one request for the URL, to the page
callback) and only the extract stage of the item pipelines runs; tagging is
the crawl's Tagger, called here.

It is a dry run: no engine connection, nothing indexed, nothing marked seen.
The spider gets a scratch copy of the seen-store (an SQLite backup, so the
live file is only read), which also says whether a crawl would skip the page
as already seen.

A CrawlerProcess runs once per process (Twisted's reactor cannot restart), so
this is one call per process, like `crawler.runner.run_crawl`.
"""

from __future__ import annotations

import logging
import sqlite3
import tempfile
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, cast

import scrapy
from scrapy import signals
from scrapy.crawler import CrawlerProcess
from scrapy.http import Response
from scrapy.http.request import NO_CALLBACK
from scrapy.utils.url import url_has_any_extension

from crawler.config import Config, SiteSource, Source
from crawler.context import CrawlContext
from crawler.extraction.urls import canonicalize_url
from crawler.logformatter import quiet_repeated_errors
from crawler.models import Article
from crawler.processing import kept_as_relevant
from crawler.reporting.failures import FAILURES_STAT
from crawler.settings import ITEM_PIPELINES, scrapy_settings
from crawler.spiders import SPIDERS, SourceSpider
from crawler.spiders.site import SiteSpider
from crawler.state.seen import SeenEntry, SeenStore
from crawler.state.stories import StoryIndex
from crawler.tagging import Tagger

__all__ = ["FetchReport", "RuleReport", "UrlTestResult", "run_url_test", "site_rules"]

log = logging.getLogger(__name__)

# Only the extract stage: tagging is called directly (an irrelevant article is
# shown, not dropped), and dedup and indexing would write state.
EXTRACT_ONLY = {k: v for k, v in ITEM_PIPELINES.items() if k.endswith(".ExtractPipeline")}


@dataclass
class RuleReport:
    """Which of a site source's link rules match a URL, and what a crawl would do with it."""

    start_url: bool
    allow: list[str]  # the allow patterns that match (empty list: none configured or none match)
    allow_configured: bool
    deny: list[str]  # the deny patterns that match
    denied_extension: bool  # a file type link extraction never follows (.pdf, .jpg, ...)
    article_pattern: str | None
    article_match: bool
    followed: bool  # a link to it on a listing page is followed
    extracted: bool  # a crawl reaches it (followed or a start URL) and extracts it

    def to_json(self) -> dict[str, Any]:
        return dict(self.__dict__)


@dataclass
class FetchReport:
    status: int | None = None
    url: str | None = None  # after redirects
    bytes: int = 0
    redirects: list[str] = field(default_factory=list)
    failure: dict[str, str] | None = None  # crawler.reporting.failures.FetchFailure.to_json()

    @property
    def ok(self) -> bool:
        return self.failure is None and self.status is not None

    def to_json(self) -> dict[str, Any]:
        return {"ok": self.ok, **self.__dict__}


@dataclass
class UrlTestResult:
    source: str
    source_type: str
    url: str
    fetch: FetchReport
    rules: RuleReport | None = None  # None: not a site source (no link rules)
    article: Article | None = None
    no_article: str | None = None  # why the page gave no article
    seen: SeenEntry | None = None  # the seen-store's entry for the page, if any
    unchanged: bool = False  # seen with the same text: a crawl would not index it again
    relevant: bool = False  # the tag stage keeps it

    @property
    def ok(self) -> bool:
        return self.fetch.ok and self.article is not None

    @property
    def would_index(self) -> bool:
        extracted = self.rules is None or self.rules.extracted
        return self.ok and extracted and self.relevant and not self.unchanged


def site_rules(spider: SiteSpider, url: str) -> RuleReport:
    """The spider's own link extractor and article test, applied to `url`."""
    links, source = spider.links, spider.site
    allow = [r.pattern for r in links.allow_res if r.search(url)]
    deny = [r.pattern for r in links.deny_res if r.search(url)]
    extension = bool(links.deny_extensions) and url_has_any_extension(url, links.deny_extensions)
    followed = links.matches(url) and not extension
    start = url in source.start_urls
    # A start URL is fetched at depth 0, a linked page at depth 1 or more.
    article = spider.is_article(url, 0 if start else 1)
    return RuleReport(
        start_url=start,
        allow=allow,
        allow_configured=bool(source.allow),
        deny=deny,
        denied_extension=extension,
        article_pattern=source.article_pattern,
        article_match=article,
        followed=followed,
        extracted=article and (followed or start),
    )


def run_url_test(config: Config, source: Source, url: str) -> UrlTestResult:
    result = UrlTestResult(source.name, source.type, url, FetchReport())
    with tempfile.TemporaryDirectory(prefix="newswatch-test-url-") as scratch:
        context = _scratch_context(config, Path(scratch))
        try:
            if isinstance(source, SiteSource):
                result.rules = site_rules(SiteSpider(source, context), url)
            _fetch(config, source, url, context, result)
            if result.article is not None:
                _judge(config, context, result)
        finally:
            context.close()
    return result


def _scratch_context(config: Config, scratch: Path) -> CrawlContext:
    """A dry-run context whose state files are throwaway copies."""
    seen_path = scratch / "seen.sqlite"
    live = config.crawl.state_dir / "seen.sqlite"
    if live.exists():
        try:
            _copy_sqlite(live, seen_path)
        except sqlite3.Error as exc:  # damaged or locked: test without it, say so
            log.warning("cannot read %s (%s); testing as if nothing was seen", live, exc)
            seen_path.unlink(missing_ok=True)
    return CrawlContext(
        config=config,
        tagger=Tagger.from_config(config),
        seen=SeenStore(seen_path),
        stories=StoryIndex(scratch / "stories.sqlite"),
        indexer=None,
        dry_run=True,
    )


def _copy_sqlite(live: Path, copy: Path) -> None:
    """SQLite's online backup, read-only on the live file: it includes what the WAL
    holds (a byte copy of the main file would miss it) and writes nothing there."""
    source = sqlite3.connect(f"{live.resolve().as_uri()}?mode=ro", uri=True)
    target = sqlite3.connect(copy)
    try:
        source.backup(target)
    finally:
        source.close()
        target.close()


def _fetch(
    config: Config, source: Source, url: str, context: CrawlContext, result: UrlTestResult
) -> None:
    settings = scrapy_settings(config)
    settings["ITEM_PIPELINES"] = EXTRACT_ONLY
    root_level = logging.root.level
    # Scrapy's own chatter (enabled components, stats dumps) only when verbose.
    logging.getLogger("scrapy").setLevel(max(root_level, logging.INFO))
    quiet_repeated_errors()
    process = CrawlerProcess(settings)
    crawler = process.create_crawler(_probe_class(SPIDERS[source.type], url))
    _connect(crawler, result)
    process.crawl(crawler, source=source, context=context)
    logging.root.setLevel(root_level)  # Scrapy lowers it while it sets up
    process.start()
    stats = crawler.stats.get_stats() if crawler.stats else {}
    failures: list[dict[str, str]] = stats.get(FAILURES_STAT) or []
    if failures:
        result.fetch.failure = failures[0]
    elif result.fetch.status is None and result.no_article is None:
        result.no_article = "the request was dropped before it was sent (see -v)"


def _probe_class(base: type[SourceSpider], url: str) -> type[SourceSpider]:
    """The source's spider class, starting with the one URL (to its page callback)."""

    async def start(self: SourceSpider) -> AsyncIterator[scrapy.Request]:
        yield scrapy.Request(url, callback=self.parse_page, dont_filter=True)

    return cast("type[SourceSpider]", type(f"{base.__name__}UrlTest", (base,), {"start": start}))


def _connect(crawler: Any, result: UrlTestResult) -> None:
    def on_response(response: Response, request: scrapy.Request, **_: Any) -> None:
        if request.callback is NO_CALLBACK:
            return  # robots.txt
        result.fetch.status = response.status
        result.fetch.url = response.url
        result.fetch.bytes = len(response.body)
        result.fetch.redirects = list(request.meta.get("redirect_urls", []))

    def on_item(item: Any, **_: Any) -> None:
        if isinstance(item, Article):
            result.article = item

    def on_dropped(item: Any, exception: BaseException, **_: Any) -> None:
        result.no_article = str(exception)

    def on_error(failure: Any, **_: Any) -> None:
        result.no_article = f"the spider failed: {failure.getErrorMessage()}"

    # weak=False: these closures have no other owner (see crawler.runner._connect_progress).
    crawler.signals.connect(on_response, signals.response_received, weak=False)
    crawler.signals.connect(on_item, signals.item_scraped, weak=False)
    crawler.signals.connect(on_dropped, signals.item_dropped, weak=False)
    crawler.signals.connect(on_error, signals.spider_error, weak=False)


def _judge(config: Config, context: CrawlContext, result: UrlTestResult) -> None:
    """Tag the article as the crawl does, and look it up in the seen-store copy."""
    assert result.article is not None
    article = context.tagger.tag(result.article)
    result.article = article
    result.relevant = kept_as_relevant(config.crawl, article)
    known = context.seen.get(article.canonical_url) or context.seen.get(
        canonicalize_url(article.url)
    )
    result.seen = known
    result.unchanged = known is not None and known.content_hash == article.content_hash
