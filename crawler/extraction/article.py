"""One fetched page → one Article: decode, parse once, read metadata, then text."""

from __future__ import annotations

import logging
from collections.abc import Mapping
from datetime import datetime
from urllib.parse import urlsplit

from lxml import etree
from lxml.html import HtmlElement, HTMLParser, document_fromstring

from crawler.extraction import fields
from crawler.extraction.agreement import agreement, keep_shared_lines, missed_prose_chars
from crawler.extraction.bulk import drop_bulk
from crawler.extraction.decode import decode_body, sniff_is_html
from crawler.extraction.frames import is_naver_blog_frame
from crawler.extraction.kinds import detect_kind
from crawler.extraction.metadata import PageMeta, extract_metadata
from crawler.extraction.platforms import SiteRule, find_rule, select_first
from crawler.extraction.publication import choose_dates
from crawler.extraction.repost import detect_repost
from crawler.extraction.text import (
    extract_container_text,
    extract_embedded_text,
    extract_generic_text,
    extract_paragraph_text,
    make_snippet,
)
from crawler.models import Article
from crawler.vocabulary import ContentMode

__all__ = ["ExtractionError", "page_to_article"]

log = logging.getLogger(__name__)

# Pages are cut to 2 MB before parsing: real article pages are 50-800 KB of
# HTML (Naver Blog PostView pages are the heaviest), and 2 MB keeps parsing
# plus trafilatura's fast mode near 1 s, inside the 2 s per-page budget.
MAX_BODY_BYTES = 2_000_000
# Above 8,000 elements (a heavy news page) trafilatura runs without its
# readability/jusText second opinion, which more than doubles its time on
# exactly the pages that are already slow.
FAST_TEXT_ABOVE_ELEMENTS = 8_000
# Trees above 20,000 elements skip trafilatura and marker rules altogether: news
# pages have 1,500-10,000 elements, while trafilatura's pruning passes grow
# super-linearly (measured: 1.9 s at 27,000 link-heavy elements, 8 s at 1.2 M).
MAX_ELEMENTS = 20_000
# Text shorter than this (about two Korean sentences) is a teaser, caption or stub.
SHORT_TEXT_CHARS = 200
# Trafilatura's text under this length means it found next to nothing (a
# JS-rendered body, a short post): a longer site-rule text then stands.
MIN_GENERIC_CHARS = 150
# The rule's text "covers" trafilatura's when it holds 80 % of its units, and is
# "mostly the same body" when half of its own units are in trafilatura's text.
# Measured on the corpus's 37 marker-rule containers (all right): 0.92-1.00 of
# trafilatura's units are in theirs and 0.78-1.00 of theirs in trafilatura's; a
# wrong element (a promo box, a related list, a teaser) shares next to nothing.
COVERS = 0.8
SAME_BODY = 0.5
# A rule text that is inside trafilatura's replaces it when trafilatura's extra
# is not prose (breadcrumbs, a board's metadata table, a survey prompt), that is
# when the prose lines it lacks are under this share of its own length; a rule
# that caught one paragraph of the body lacks several times its length.
MISSED_PROSE_SHARE = 0.3
# Embedded data (JSON-LD articleBody, __NEXT_DATA__) replaces the visible text
# when the visible text is under half its length and inside it (paywall teaser),
# or when the visible text is a stub (JS-rendered body).
EMBEDDED_PREFERRED_RATIO = 0.5

_PARSER = HTMLParser(encoding="utf-8", remove_comments=True, remove_pis=True)


class ExtractionError(ValueError):
    """The input is not an HTML page at all (empty, PDF, image, ...)."""


def parse_page(html: str, url: str) -> HtmlElement:
    """The page's single lxml tree; ExtractionError when nothing parseable is left."""
    try:
        root: HtmlElement = document_fromstring(html.encode("utf-8", "replace"), parser=_PARSER)
    except (etree.ParserError, ValueError) as err:
        raise ExtractionError(f"{url}: the body could not be parsed as HTML ({err})") from err
    return root


def choose_text(
    root: HtmlElement,
    page: PageMeta,
    rule: SiteRule | None,
    url: str,
    *,
    fast: bool = False,
    oversized: bool = False,
) -> tuple[str, HtmlElement | None, list[str]]:
    """(text, container, flags): a site rule's text where it is evidently the article,
    else trafilatura's; embedded data only where it holds the visible text."""
    flags: list[str] = []
    container = select_first(root, rule.body) if rule and rule.body else None
    own = (
        "\n\n".join(extract_container_text(container, rule.drop if rule else ()))
        if container is not None
        else ""
    )
    if own and rule is not None and rule.exact_body:
        return own, container, flags
    generic = "\n\n".join(
        extract_paragraph_text(root) if oversized else extract_generic_text(root, url, fast=fast)
    )
    text = prefer_rule_text(own, generic)
    embedded = "\n\n".join(extract_embedded_text(page.ld("articleBody"), page.next_data))
    if embedded and embedded_is_article(embedded, text):
        text = embedded
        flags.append("embedded_text")
    return text, container, flags


def prefer_rule_text(own: str, generic: str) -> str:
    """The site rule's text when it agrees with trafilatura's, else trafilatura's."""
    if not own or not generic:
        return own or generic
    if len(generic) < MIN_GENERIC_CHARS:
        return own if len(own) > len(generic) else generic
    found = agreement(own, generic)
    if found.theirs_in_ours >= COVERS and found.ours_in_theirs >= SAME_BODY:
        # Same body: the rule's cut, minus the lines trafilatura judged boilerplate.
        return keep_shared_lines(own, generic)
    if found.ours_in_theirs >= COVERS and (
        missed_prose_chars(own, generic) < len(own) * MISSED_PROSE_SHARE
    ):
        return own
    return generic


def embedded_is_article(embedded: str, visible: str) -> bool:
    if len(visible) < SHORT_TEXT_CHARS:
        return len(embedded) > len(visible)
    if len(visible) >= len(embedded) * EMBEDDED_PREFERRED_RATIO:
        return False
    return agreement(visible, embedded).ours_in_theirs >= COVERS


def cut_body(body: bytes) -> bytes:
    """The first MAX_BODY_BYTES, ending before a tag so no character is split."""
    if len(body) <= MAX_BODY_BYTES:
        return body
    head = body[:MAX_BODY_BYTES]
    cut = head.rfind(b"<")
    return head[:cut] if cut > MAX_BODY_BYTES // 2 else head


def count_elements(root: HtmlElement) -> int:
    """Element count, stopping early once past the limit."""
    count = 0
    for count, _ in enumerate(root.iter(), start=1):
        if count > MAX_ELEMENTS:
            break
    return count


def drop_leading_title(text: str, title: str | None) -> str:
    """Generic extraction often starts with the headline itself; it is not body text."""
    first, _, rest = text.partition("\n\n")
    if title and rest and first.strip() == title:
        return rest
    return text


def quality_flags(title: str | None, text: str, published: datetime | None) -> list[str]:
    flags = []
    if not text:
        flags.append("no_text")
    elif len(text) < SHORT_TEXT_CHARS:
        flags.append("short_text")
    if published is None:
        flags.append("no_date")
    if not title:
        flags.append("no_title")
    return flags


def frame_article(
    root: HtmlElement,
    page: PageMeta,
    url: str,
    fetched: datetime,
    source: str | None,
    content_mode: ContentMode,
) -> Article:
    """The Naver Blog outer frame: title only; the crawler must fetch the PostView page."""
    title = fields.choose_title(root, page, None, ("네이버 블로그",)) or ""
    flags = ["frame_only", "no_text", "no_date", *([] if title else ["no_title"])]
    return Article(
        url=url,
        title=title,
        text="",
        fetched=fetched,
        kind="blog",
        lang="ko",
        site_name="네이버 블로그",
        source=source,
        content_mode=content_mode,
        quality=tuple(flags),
    )


def page_to_article(
    body: bytes,
    url: str,
    *,
    fetched: datetime,
    headers: Mapping[str, str] | None = None,
    source: str | None = None,
    content_mode: ContentMode = "full",
) -> Article:
    """Normalize one fetched page; see the package docstring for the contract."""
    if reason := sniff_is_html(body):
        raise ExtractionError(f"{url}: {reason}")
    flags: list[str] = []
    if len(body) > MAX_BODY_BYTES:  # scripts and styles go first (extraction.bulk)
        body, flags = cut_body(drop_bulk(body, MAX_BODY_BYTES)), ["truncated"]
    html, _codec = decode_body(body, headers)
    if "\ufffd" in html:
        flags.append("decode_errors")
    root = parse_page(html, url)
    page = extract_metadata(root, url)
    if is_naver_blog_frame(html, url):
        return frame_article(root, page, url, fetched, source, content_mode)
    host = (urlsplit(url).hostname or "").lower()
    elements = count_elements(root)
    oversized = elements > MAX_ELEMENTS
    if oversized:
        flags.append("oversized")
    rule = find_rule(host, root, markers=not oversized)
    site_name = fields.choose_site_name(page, rule, url)
    site_names = tuple(n for n in (site_name, rule.site_name if rule else None) if n)
    title = fields.choose_title(root, page, rule, site_names)
    byline = fields.choose_author(root, page, rule, site_names, search_tree=not oversized)
    section = fields.choose_section(page)
    kind = detect_kind(rule, host, page.json_ld, section, title or "")
    fast = elements > FAST_TEXT_ABOVE_ELEMENTS
    text, container, text_flags = choose_text(root, page, rule, url, fast=fast, oversized=oversized)
    text = drop_leading_title(text, title)
    published, modified = choose_dates(root, page, rule, fetched, text, oversized=oversized)
    repost = (
        detect_repost(text, container, url, byline.outlet, site_names) if kind == "blog" else None
    )
    flags += text_flags + quality_flags(title, text, published)
    log.debug("extracted %s (rule=%s, flags=%s)", url, rule.name if rule else None, flags)
    return Article(
        url=url,
        title=title or "",
        text=make_snippet(text) if content_mode == "snippet" else text,
        fetched=fetched,
        canonical_url=fields.choose_canonical(page, url),
        lead=page.first(("og:description", "description")),
        author=byline.author,
        published=published,
        modified=modified,
        lang=fields.choose_lang(root, page, text),
        site_name=site_name,
        source=source,
        kind=kind,
        section=section,
        tags=fields.choose_tags(page),
        image=fields.choose_image(page, url),
        content_mode=content_mode,
        original_outlet=repost.outlet if repost else None,
        original_url=repost.url if repost else None,
        quality=tuple(dict.fromkeys(flags)),
    )
