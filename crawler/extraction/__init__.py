"""Extraction: one fetched page (bytes, URL, headers, fetch time) → one Article.

Pure functions: no network, no Scrapy, no search client. The public surface is
`page_to_article`, `normalize_article`, `ExtractionError` and
`naver_blog_frame_url`; the modules are private stages (decode → parse once →
metadata → site rules → text → fields → Article). `page_to_article` reports
what the page says; `normalize_article` (canonical URL, feed hints) is the one
step after it that the crawl and `newswatch extract` share.

`ExtractionError` is raised only when the input is not an HTML page at all
(empty body, PDF, image, other binary); every other defect becomes a flag in
`Article.quality`: "no_text", "short_text", "no_date", "no_title",
"frame_only" (Naver Blog outer frame; fetch `naver_blog_frame_url(...)`),
"truncated" (page over `article.MAX_BODY_BYTES`: its biggest scripts and
styles dropped, then the rest cut if still over), "embedded_text" (text
taken from JSON-LD articleBody or __NEXT_DATA__), "decode_errors" (bytes no
charset decodes cleanly).

content_mode="snippet" keeps only the first `text.SNIPPET_CHARS` (300)
characters of the text, cut after a sentence.
"""

from __future__ import annotations

from crawler.extraction.article import ExtractionError, page_to_article
from crawler.extraction.frames import naver_blog_frame_url
from crawler.extraction.normalize import normalize_article

__all__ = ["ExtractionError", "naver_blog_frame_url", "normalize_article", "page_to_article"]
