"""Scrapy settings: every default defined once, here, and derived from the config."""

from __future__ import annotations

from typing import Any

from crawler.config import Config
from crawler.fetch.middlewares import MIDDLEWARE_ORDERS

# Pipeline order: extract → tag → dedup → index (one direction, nothing flows back).
ITEM_PIPELINES = {
    "crawler.pipelines.ExtractPipeline": 100,
    "crawler.pipelines.TagPipeline": 200,
    "crawler.pipelines.DedupPipeline": 300,
    "crawler.pipelines.IndexPipeline": 400,
}

# NetGuard sits before RobotsTxt so not even robots.txt is fetched from a refused
# host; redirects are new requests and pass through it again (see the module).
DOWNLOADER_MIDDLEWARES = dict(MIDDLEWARE_ORDERS)
# Drops Scrapy makes without a count get one (crawler.reporting.drops).
DOWNLOADER_MIDDLEWARES["crawler.reporting.drops.RedirectLoopMiddleware"] = 610
SPIDER_MIDDLEWARES = {
    "scrapy.spidermiddlewares.urllength.UrlLengthMiddleware": None,
    "crawler.reporting.drops.CountingUrlLengthMiddleware": 800,
}

BASE_SETTINGS: dict[str, Any] = {
    "BOT_NAME": "newswatch",
    "TWISTED_REACTOR": "twisted.internet.asyncioreactor.AsyncioSelectorReactor",
    "ROBOTSTXT_OBEY": True,
    "COOKIES_ENABLED": False,
    "TELNETCONSOLE_ENABLED": False,
    "AUTOTHROTTLE_ENABLED": True,
    # Start at 0.5 s between requests to one site and let AutoThrottle adapt;
    # news sites answer in 0.2-1 s, so this is polite without being slow.
    "AUTOTHROTTLE_START_DELAY": 0.5,
    "AUTOTHROTTLE_MAX_DELAY": 30.0,
    "AUTOTHROTTLE_TARGET_CONCURRENCY": 1.0,
    "DOWNLOAD_DELAY": 0.0,
    "CONCURRENT_REQUESTS": 16,
    # 5 hops is what browsers' typical chains need; longer chains are traps.
    "REDIRECT_MAX_TIMES": 5,
    "RETRY_ENABLED": True,
    "RETRY_TIMES": 2,
    "RETRY_HTTP_CODES": [500, 502, 503, 504, 522, 524, 408, 429],
    "HTTPERROR_ALLOWED_CODES": [],
    "LOG_LEVEL": "WARNING",
    # The command line configures logging; Scrapy must not add its own root handler.
    "LOG_INSTALL_ROOT_HANDLER": False,
    "LOG_FORMATTER": "crawler.logformatter.QuietLogFormatter",
    "ITEM_PIPELINES": ITEM_PIPELINES,
    "DOWNLOADER_MIDDLEWARES": DOWNLOADER_MIDDLEWARES,
    "SPIDER_MIDDLEWARES": SPIDER_MIDDLEWARES,
    "REQUEST_FINGERPRINTER_IMPLEMENTATION": "2.7",
    "FEED_EXPORT_ENCODING": "utf-8",
}


def user_agent(config: Config) -> str:
    agent = config.crawl.user_agent
    if config.crawl.contact_url:
        agent += f" (+{config.crawl.contact_url})"
    return agent


def scrapy_settings(config: Config) -> dict[str, Any]:
    crawl = config.crawl
    settings = dict(BASE_SETTINGS)
    settings.update(
        {
            "USER_AGENT": user_agent(config),
            "CONCURRENT_REQUESTS_PER_DOMAIN": crawl.concurrency_per_domain,
            "DOWNLOAD_TIMEOUT": crawl.download_timeout,
            # Also bounds decompressed size: Scrapy's HttpCompressionMiddleware
            # stops a gzip/brotli bomb once it inflates past DOWNLOAD_MAXSIZE.
            "DOWNLOAD_MAXSIZE": crawl.max_page_bytes,
            "DOWNLOAD_WARNSIZE": crawl.max_page_bytes // 2,
            "NEWSWATCH_ALLOW_HOSTS": list(crawl.allow_hosts),
        }
    )
    return settings
