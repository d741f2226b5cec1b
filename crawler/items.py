"""Values that flow from the spiders into the pipelines."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from crawler.vocabulary import ContentMode


@dataclass(frozen=True, slots=True)
class EntryHints:
    """What a feed, sitemap or portal said about a page before it was fetched.

    Used when the page itself lacks a field (e.g. a feed's pubDate for a page
    that shows no date), never to override what the page says.
    """

    title: str | None = None
    published: datetime | None = None
    lastmod: datetime | None = None
    snippet: str | None = None


@dataclass(frozen=True, slots=True)
class PageItem:
    """One fetched page, as the downloader returned it."""

    url: str
    body: bytes
    headers: dict[str, str]
    fetched: datetime
    source: str
    content_mode: ContentMode = "full"
    kind: str | None = None
    hints: EntryHints = field(default_factory=EntryHints)
