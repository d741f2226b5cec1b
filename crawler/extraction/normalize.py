"""The one normalization step after extraction, shared by the crawl and `newswatch extract`.

`page_to_article` reports what the page says, including the canonical URL it
declares, spelled as the page spells it. `normalize_article` turns that into
what the index stores: the canonical URL spelled by `canonicalize_url` (the
document id hashes it), then what a feed, sitemap or portal said about the page
for the fields the page lacks. The crawl (ExtractPipeline) and `newswatch
extract` both call it, so one page gets one canonical URL and one id either way.
Pure: no HTML, no network.
"""

from __future__ import annotations

import dataclasses
from typing import TYPE_CHECKING, Any

from crawler.extraction.urls import canonicalize_url
from crawler.models import Article

if TYPE_CHECKING:  # crawler.items loads the config package; extraction stays light
    from crawler.items import EntryHints

__all__ = ["normalize_article"]


def normalize_article(
    article: Article, hints: EntryHints | None = None, *, kind: str | None = None
) -> Article:
    """`article` with its canonical URL normalized and `hints` filling what the page lacks.

    Hints never override the page. `kind` is the source's configured kind
    (news, blog, press); when given, it replaces the detected one.
    """
    changes: dict[str, Any] = {
        "canonical_url": canonicalize_url(article.url, article.canonical_url or None)
    }
    if hints is not None:
        changes |= hinted_fields(article, hints)
    if kind:
        changes["kind"] = kind
    return dataclasses.replace(article, **changes)


def hinted_fields(article: Article, hints: EntryHints) -> dict[str, Any]:
    changes: dict[str, Any] = {}
    if article.published is None and hints.published is not None:
        changes["published"] = hints.published
    if not article.title and hints.title:
        changes["title"] = hints.title
    return changes
