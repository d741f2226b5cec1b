"""Choosing the published and modified times among every candidate a page offers.

Order of trust: JSON-LD, meta and `<time>`, then site rules and labelled date
lines, then bare date lines near the headline or byline (visible_dates.py),
then htmldate (trafilatura's date finder), then a labelled date at the head of
the text. A date inside the article text is about the story unless labelled.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from datetime import datetime

import htmldate
from lxml import etree
from lxml.html import HtmlElement

from crawler.extraction.dates import (
    MAX_AHEAD_OF_FETCH,
    find_labeled_dates,
    has_clock,
    leading_date,
    mentions_day,
    parse_date,
)
from crawler.extraction.fields import ld_text, text_of
from crawler.extraction.metadata import META_MODIFIED, META_PUBLISHED, META_TITLE, PageMeta
from crawler.extraction.platforms import KOREAN_OUTLET, SiteRule, select_all
from crawler.extraction.visible_dates import (
    MAX_LINE_CHARS,
    TEXT_HEAD_CHARS,
    VisibleDates,
    scan_visible_dates,
)
from crawler.vocabulary import SEOUL, in_seoul

__all__ = ["choose_dates"]

# Attributes that carry a machine-readable date on date elements.
DATE_ATTRIBUTES = (
    "datetime", "data-date-time", "data-modify-date-time", "content", "title",
    "adddate",  # Naver Blog #_post_property: epoch milliseconds
)  # fmt: skip
# Dateline selectors tried on every page, after the rule's own.
GENERIC_DATELINES = KOREAN_OUTLET.dateline
# Compact timestamps that parse_date does not read: Brunch's og:regDate
# "20240305143200" and Tistory's JSON-LD "20240328T22:14:37".
_COMPACT = re.compile(r"^(\d{4})(\d{2})(\d{2})T?(\d{2}):?(\d{2}):?(\d{2})?$")
# htmldate's output: with a clock time when the page states one, else 00:00:00;
# the offset when the page states one (naive times are Seoul's, as in dates.py).
_LIBRARY_FORMAT = "%Y-%m-%dT%H:%M:%S%z"


def value_of(el: HtmlElement) -> str:
    """A date element's machine-readable attribute, else its visible text."""
    for attr in DATE_ATTRIBUTES:
        if value := (el.get(attr) or "").strip():
            return value
    return text_of(el)


def parse_any_date(raw: str | None, fetched: datetime) -> datetime | None:
    if not raw:
        return None
    if match := _COMPACT.match(raw.strip()):
        year, month, day, hour, minute, second = match.groups()
        raw = f"{year}-{month}-{day} {hour}:{minute}:{second or '00'}"
    return parse_date(raw, fetched=fetched)


def date_candidates(
    root: HtmlElement, page: PageMeta, rule: SiteRule | None, fetched: datetime
) -> tuple[list[datetime | None], list[datetime | None]]:
    """Published and modified candidates, most trusted source first."""
    published = [parse_any_date(ld_text(page.ld("datePublished")), fetched)]
    modified = [parse_any_date(ld_text(page.ld("dateModified")), fetched)]
    published += [parse_any_date(v, fetched) for v in page.every(META_PUBLISHED)[:3]]
    modified += [parse_any_date(v, fetched) for v in page.every(META_MODIFIED)[:3]]
    if rule:
        published += [
            parse_any_date(value_of(el), fetched) for el in select_all(root, rule.published)[:2]
        ]
        modified += [
            parse_any_date(value_of(el), fetched) for el in select_all(root, rule.modified)[:1]
        ]
    datelines = (*(rule.dateline if rule else ()), *GENERIC_DATELINES)
    for el in select_all(root, datelines)[:3]:
        first, second = find_labeled_dates(text_of(el), fetched=fetched)
        published.append(first)
        modified.append(second)
    for when, kind in page.times:
        is_update = "modif" in kind or "updat" in kind
        (modified if is_update else published).append(parse_any_date(when, fetched))
    published.append(parse_any_date(page.cells.get("published"), fetched))
    modified.append(parse_any_date(page.cells.get("modified"), fetched))
    return published, modified


def pick_precise(candidates: Sequence[datetime | None]) -> datetime | None:
    """The most trusted date, upgraded to a candidate with a clock time on the same day."""
    found = [c for c in candidates if c is not None]
    if not found:
        return None
    best = found[0]
    if has_clock(best):
        return best
    # A date-only value is the calendar day the page states; a timed one falls on
    # that day in its own offset ("2016-07-29T16:42-04:00" is 30 July in Seoul).
    timed = (c for c in found if has_clock(c) and c.date() == best.date())
    return next(timed, best)


def same_day(first: datetime, second: datetime) -> bool:
    return first.astimezone(SEOUL).date() == second.astimezone(SEOUL).date()


def library_date(
    root: HtmlElement | None, fetched: datetime, *, extensive: bool
) -> datetime | None:
    """htmldate's publication date (what plain trafilatura reports), or None.

    `root` is None on oversized pages (article.MAX_ELEMENTS, where trafilatura is
    skipped too): htmldate deep-copies the tree, 2 s on a 300,000-element page.

    htmldate deep-copies a tree it is given before pruning it, so `root`
    stays intact. `extensive` adds its free-text search (trafilatura's
    default); without it htmldate reads markup, the URL and date-hinted
    elements only. Measured on the corpus: 4-9 ms a page, under a tenth of
    trafilatura's text extraction.
    """
    if root is None:
        return None
    latest = (fetched + MAX_AHEAD_OF_FETCH).strftime("%Y-%m-%d")
    try:
        raw = htmldate.find_date(
            root, extensive_search=extensive, original_date=True,
            outputformat=_LIBRARY_FORMAT, max_date=latest,
        )  # fmt: skip
    except (ValueError, TypeError, OverflowError, etree.LxmlError):  # its failures are not ours
        return None
    if not raw:
        return None
    value = datetime.fromisoformat(raw)
    value = in_seoul(value)
    if extensive and (value.month, value.day) == (1, 1) and not has_clock(value):
        return None  # its free-text search's year-only guess ("© 2016", "2016년"), not a date
    return value


def title_candidates(page: PageMeta) -> list[str | None]:
    """Texts a headline element may carry, for finding it in the tree."""
    return [ld_text(page.ld("headline")), page.first(META_TITLE), page.title_tag]


def story_library_date(
    root: HtmlElement | None, text: str, fetched: datetime, *, extensive: bool
) -> datetime | None:
    """htmldate's date, unless it is a day the story's prose names.

    htmldate ends with a loose search of the page text, so it can return a
    date the story mentions ("지난 2016-05-03 협약을 맺은"): that is about the
    story, not the post. A date opening a paragraph ("April 17, 2015 -- ...")
    or standing in a short line is a dateline and stays.
    """
    value = library_date(root, fetched, extensive=extensive)
    if value is None or not mentions_day(text, value.date(), fetched=fetched):
        return value
    for line in text.split("\n"):
        opening = leading_date(line, fetched=fetched)
        short = len(line) <= MAX_LINE_CHARS and mentions_day(line, value.date(), fetched=fetched)
        if short or (opening is not None and opening.date() == value.date()):
            return value
    return None


def settle_published(
    structured: list[datetime | None],
    visible: VisibleDates,
    root: HtmlElement | None,
    text: str,
    fetched: datetime,
) -> datetime | None:
    """Order of trust: markup and site rules, labelled date lines, bare date lines, htmldate.

    Bare date lines are weak evidence: when htmldate names another day (one
    the story itself does not mention), its answer stands, so we are never
    below the library underneath.
    """
    sure = [c for c in structured if c is not None] + visible.labelled
    if sure:
        best = pick_precise([*sure, *visible.unlabelled])
        if best is None or has_clock(best):
            return best
        return pick_precise([best, library_date(root, fetched, extensive=False)])
    if visible.unlabelled:
        bare = pick_precise(visible.unlabelled)
        library = story_library_date(root, text, fetched, extensive=False)
        if bare is None or library is None or same_day(bare, library):
            return bare
        return pick_precise([library, *visible.unlabelled])
    return None


def choose_dates(
    root: HtmlElement,
    page: PageMeta,
    rule: SiteRule | None,
    fetched: datetime,
    text: str,
    *,
    oversized: bool = False,
) -> tuple[datetime | None, datetime | None]:
    """(published, modified); a modified time not after publication is dropped.

    `oversized` (the caller counted the tree once) leaves htmldate out.
    """
    published_c, modified_c = date_candidates(root, page, rule, fetched)
    visible = scan_visible_dates(root, title_candidates(page), text, fetched)
    library_root = None if oversized else root
    published = settle_published(published_c, visible, library_root, text, fetched)
    modified = pick_precise([*modified_c, *visible.modified])
    if published is None:
        # A date in the article text is about the story unless labelled as the post's.
        published, text_modified = find_labeled_dates(
            text[:TEXT_HEAD_CHARS], fetched=fetched, labelled_only=True
        )
        modified = modified or text_modified
    if published is None:
        published = story_library_date(library_root, text, fetched, extensive=True)
    if published is not None and modified is not None and modified <= published:
        modified = None
    return published, modified
