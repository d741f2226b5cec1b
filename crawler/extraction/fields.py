"""Choosing each field among the candidates metadata.py and the site rule found.

Dates have their own module, publication.py.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any
from urllib.parse import urljoin, urlsplit

from lxml.html import HtmlElement
from trafilatura.metadata import extract_author as trafilatura_author

from crawler.extraction.agreement import agreement, is_korean
from crawler.extraction.authors import Byline, looks_like_person, parse_byline
from crawler.extraction.metadata import (
    META_AUTHOR,
    META_IMAGE,
    META_KEYWORDS,
    META_LANG,
    META_SECTION,
    META_SITE,
    META_TITLE,
    PageMeta,
)
from crawler.extraction.platforms import KOREAN_OUTLET, SiteRule, select_all, select_first
from crawler.extraction.titles import clean_title

__all__ = [
    "choose_author",
    "choose_canonical",
    "choose_image",
    "choose_lang",
    "choose_section",
    "choose_site_name",
    "choose_tags",
    "choose_title",
]

# Half of a visible headline's words (Korean: character pairs) must be in the
# declared title; the declared one often adds the outlet's name or a kicker.
TITLE_AGREEMENT = 0.5
# Quote look-alikes folded to ASCII when comparing two forms of one headline.
_QUOTE_FOLD = str.maketrans({c: '"' for c in "″˝＂“”„«»"} | {c: "'" for c in "′＇‘’`‚"})
# Tags beyond 30 are keyword stuffing, not the article's subject.
_MAX_TAGS = 30


def text_of(el: HtmlElement) -> str:
    return " ".join(el.text_content().split())


def ld_text(value: Any) -> str | None:
    """A JSON-LD value as text: strings, {"name": ...} objects, first of lists."""
    if isinstance(value, list):
        names = [t for v in value if (t := ld_text(v))]
        return ", ".join(names) if names else None
    if isinstance(value, dict):
        return ld_text(value.get("name") or value.get("url") or value.get("@id"))
    return value.strip() if isinstance(value, str) and value.strip() else None


def first_text(values: Iterable[str | None]) -> str | None:
    return next((v for v in values if v), None)


def choose_site_name(page: PageMeta, rule: SiteRule | None, url: str) -> str | None:
    publisher = page.ld("publisher")
    return first_text(
        (page.first(META_SITE), ld_text(publisher), rule.site_name if rule else None,
         urlsplit(url).hostname)
    )  # fmt: skip


def choose_title(
    root: HtmlElement, page: PageMeta, rule: SiteRule | None, site_names: tuple[str, ...]
) -> str | None:
    """Headline cascade: site rule → board cell → JSON-LD → og/twitter/DC → lone h1 → <title>.

    The rule's visible headline must agree with the page's declared title: a
    marker rule on a foreign layout (".headline") can hit a teaser's headline.
    """
    visible = select_first(root, rule.title) if rule and rule.title else None
    shown = visible_text(visible) if visible is not None else None
    declared = first_text((ld_text(page.ld("headline")), page.first(META_TITLE), page.title_tag))
    if shown and declared and not titles_agree(shown, declared):
        shown = None
    single_h1 = page.h1[0] if len(page.h1) == 1 else None
    headline = ld_text(page.ld("headline"))
    shown_elsewhere = first_text((page.first(META_TITLE), page.title_tag))
    if headline and shown_elsewhere and not titles_agree(headline, shown_elsewhere):
        headline = None  # a JSON-LD "headline" that is a description (Wikipedia's)
    raw = first_text(
        (shown, page.cells.get("title"), headline, page.first(META_TITLE), single_h1,
         page.title_tag)
    )  # fmt: skip
    title = clean_title(raw, site_names)
    # CMSs swap plain quotes for look-alikes inside meta attributes (″ for "), never
    # the reverse: where the visible headline is the same text with plain quotes,
    # it is what readers see.
    for seen in (clean_title(t, site_names) for t in (single_h1, page.title_tag)):
        if title and seen and seen != title and fold_quotes(seen) == fold_quotes(title) == seen:
            return seen
    return title


def titles_agree(candidate: str, declared: str) -> bool:
    return agreement(candidate, declared).ours_in_theirs >= TITLE_AGREEMENT


def fold_quotes(text: str) -> str:
    return text.translate(_QUOTE_FOLD)


def visible_text(el: HtmlElement) -> str:
    """An element's text without the scripts some CMSs put inside headlines."""
    return " ".join(
        "".join(el.xpath(".//text()[not(ancestor::script or ancestor::style)]")).split()
    )


def choose_author(
    root: HtmlElement,
    page: PageMeta,
    rule: SiteRule | None,
    outlets: tuple[str, ...],
    *,
    search_tree: bool = True,
) -> Byline:
    """Site byline → JSON-LD author → meta author → board cell; first giving a name wins.

    `search_tree` off skips trafilatura's byline search, which copies the whole
    tree (2.2 s on a 300,000-element page).
    """
    candidates: list[str | None] = []
    if rule and rule.author:
        candidates += [text_of(el) for el in select_all(root, rule.author)[:1]]
    candidates += [ld_text(page.ld("author"))]
    candidates += [v for v in page.every(META_AUTHOR) if not v.startswith("http")]
    candidates += [page.cells.get("author")]
    first_outlet: str | None = None
    for raw in candidates:
        byline = parse_byline(raw, outlets)
        first_outlet = first_outlet or byline.outlet
        if byline.author:
            return Byline(byline.author, byline.outlet or first_outlet, byline.email)
    # Last resort: the name leading a generic dateline ("이경호 기자 | 기사입력 ...");
    # such text is noisy, so only a plausible personal name is accepted.
    for el in select_all(root, KOREAN_OUTLET.dateline)[:2]:
        byline = parse_byline(text_of(el), outlets)
        if byline.author and looks_like_person(byline.author):
            return Byline(byline.author, byline.outlet or first_outlet, byline.email)
    # Where our rules find no one, trafilatura's byline search (rel=author,
    # class*=author, ... over a copy of the tree) has the last word.
    byline = parse_byline(trafilatura_author(root) if search_tree else None, outlets)
    return Byline(byline.author, byline.outlet or first_outlet, byline.email)


def choose_canonical(page: PageMeta, url: str) -> str:
    entity = page.ld("mainEntityOfPage")
    raw = first_text(
        (page.canonical, page.first(("og:url",)), ld_text(entity), ld_text(page.ld("url")))
    )
    return urljoin(url, raw) if raw and raw.startswith(("http", "/")) else url


def choose_lang(root: HtmlElement, page: PageMeta, text: str) -> str | None:
    raw = first_text((page.lang, page.first(META_LANG), ld_text(page.ld("inLanguage"))))
    if raw:
        return raw.replace("_", "-").split("-")[0].lower() or None
    return "ko" if is_korean(text) else None


def choose_image(page: PageMeta, url: str) -> str | None:
    image = page.ld("image")
    raw = first_text((page.first(META_IMAGE), ld_text(image)))
    return urljoin(url, raw) if raw else None


def choose_section(page: PageMeta) -> str | None:
    return first_text((page.first(META_SECTION), ld_text(page.ld("articleSection"))))


def choose_tags(page: PageMeta) -> tuple[str, ...]:
    raw = page.meta.get("article:tag", [])
    keywords = page.ld("keywords")
    if not raw and keywords:
        raw = keywords if isinstance(keywords, list) else [str(keywords)]
    if not raw:
        raw = page.every(META_KEYWORDS)
    tags = [t.strip() for value in raw for t in str(value).split(",") if t.strip()]
    return tuple(dict.fromkeys(tags))[:_MAX_TAGS]
