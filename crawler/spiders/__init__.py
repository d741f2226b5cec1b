"""Generic spiders driven by configuration: one class per source type."""

from __future__ import annotations

from crawler.spiders.base import SourceSpider
from crawler.spiders.feed import BlogSpider, FeedSpider
from crawler.spiders.search import SearchSpider
from crawler.spiders.site import SiteSpider
from crawler.spiders.sitemap import NewsSitemapSpider
from crawler.vocabulary import SourceType

SPIDERS: dict[SourceType, type[SourceSpider]] = {
    "feed": FeedSpider,
    "blog": BlogSpider,
    "sitemap": NewsSitemapSpider,
    "site": SiteSpider,
    "search": SearchSpider,
}

__all__ = ["SPIDERS", "SourceSpider"]
