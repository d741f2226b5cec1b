"""The CPU-heavy step of a crawl for one fetched page: extract, normalize, tag.

A pure function of the page and a Tagger, so it runs alike in the crawl's own
process and in a pool worker (crawler.processing.pool). What it returns is a
`PageOutcome`, a small picklable value: the tagged Article, or why there is
none. Decisions that need the crawl's state (relevance gate and seen marks,
dedup, indexing) stay with the pipelines in the crawl's process.
"""

from __future__ import annotations

from dataclasses import dataclass

from crawler.config import CrawlConfig
from crawler.extraction import ExtractionError, normalize_article, page_to_article
from crawler.items import PageItem
from crawler.models import Article
from crawler.state.stories import TextSignature, sign_article
from crawler.tagging import Tagger

# Quality flags that mean there is no article to keep (counted as skipped/<flag>).
NOT_AN_ARTICLE = ("frame_only", "no_text")


@dataclass(frozen=True, slots=True)
class PageOutcome:
    """Exactly one of: a tagged article, a skip reason, an extraction error message.

    A kept article comes with its dedup signature, made here too: MinHash over
    the text is a pure function of it and was ~15 % of the crawl process's work
    once extraction had moved to the pool.
    """

    article: Article | None = None
    skipped: str | None = None
    error: str | None = None
    signature: TextSignature | None = None


def kept_as_relevant(crawl: CrawlConfig, article: Article) -> bool:
    """Whether the tag stage keeps a tagged article (`newswatch test-url` asks it too)."""
    return article.relevance >= crawl.min_relevance or crawl.index_irrelevant


def process_page(item: PageItem, tagger: Tagger, crawl: CrawlConfig) -> PageOutcome:
    try:
        article = page_to_article(
            item.body,
            item.url,
            fetched=item.fetched,
            headers=item.headers,
            source=item.source,
            content_mode=item.content_mode,
        )
    except ExtractionError as exc:
        return PageOutcome(error=str(exc))
    for flag in NOT_AN_ARTICLE:
        if flag in article.quality:
            return PageOutcome(skipped=flag)
    tagged = tagger.tag(normalize_article(article, item.hints, kind=item.kind))
    if not kept_as_relevant(crawl, tagged):
        return PageOutcome(article=tagged)
    return PageOutcome(article=tagged, signature=sign_article(tagged))
