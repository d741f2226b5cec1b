"""Dates a reader sees near the headline or the byline, wherever the markup puts them.

Site rules and GENERIC_DATELINES know where some CMSs write their date line;
many pages put it in an element no selector names (`<span class="date">`,
`<p class="blog_date">`, a bare `<div>`). This module walks the elements
around the headline and the byline in document order and reads every short
one whose text *is* a date line: a date alone ("2018. 12. 19. 15:27", "3시간
전", "작년"), a labelled one ("입력 2018.12.19 15:27 | 수정 ..."), or a date
with a clock time beside a short name ("MJ Studio 2018. 3. 25. 14:38").

A date inside a sentence ("2026년 3월 25일 개최 예정") is never one: without a
label, the text around the date must be short and the date must carry a clock
time or stand apart behind a separator. The headline itself is skipped (a
blog title "3월 25일 일요일" is not its publication date), and so are lines
that sit deep inside the extracted article text.

Pure: reads the tree, never changes it.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import datetime
from itertools import islice

from lxml import etree
from lxml.html import HtmlElement

from crawler.extraction.dates import (
    first_date_span,
    has_clock,
    label_spans,
    normalize_text,
    parse_standalone_relative,
)

__all__ = ["VisibleDates", "scan_visible_dates"]

# A date line is short: the longest labelled pair we read,
# "입력 2018년 12월 19일 (수) 오후 3시 27분 | 수정 2018.12.20 09:00", is 52 chars;
# 80 leaves room for a byline before it while keeping paragraphs out.
MAX_LINE_CHARS = 80
# Text pieces read per element before giving up: a big container near the
# headline must not cost more than a glance (its text passes 80 chars early,
# but a subtree of empty icons would otherwise be walked in full).
MAX_LINE_PIECES = 24
# Elements looked at before / after each anchor, in document order. Measured on
# the 157 corpus pages: the first date line sits -1..+7 elements from the
# headline or byline on Korean pages, -9..+35 on the others (share buttons,
# reporter photos, a category and date above the title); related lists start
# further down.
WINDOW_BEFORE = 12
WINDOW_AFTER = 40
# Without a label, at most this many letters may stand beside the date (a
# byline "내일신문 전팀장", "MJ Studio", "조회 1,234"); prose is longer.
MAX_BESIDE_CHARS = 20
# Byline-looking elements used as anchors: only the first few, because the
# comment section further down repeats "author" classes next to comment dates.
MAX_BYLINE_ANCHORS = 2
# Characters allowed between a label and its date ("입력 : [2018..."), as in dates.py.
_LABEL_GAP = 3
# A date line within the first characters of the extracted text is the
# dateline trafilatura kept; further in, a line found in the text is body.
TEXT_HEAD_CHARS = 200
# Elements listed at most: a page's header lies in its first 20,000 elements
# (article.MAX_ELEMENTS: real news pages have 1,500-10,000), and listing a
# 300,000-element page in full took 0.5 s.
MAX_SCAN_ELEMENTS = 20_000
# Headlines run to ~120 characters in English; longer text is not one line.
MAX_HEADLINE_CHARS = 200
# Headings shorter than this match too many titles by accident ("뉴스").
MIN_HEADLINE_CHARS = 4

_SKIP_TAGS = frozenset(("script", "style", "noscript", "template"))
_HEADING_TAGS = frozenset(("h1", "h2", "h3", "h4", "h5", "h6"))
_BYLINE_HINTS = re.compile("author|byline|writer|reporter|nick", re.IGNORECASE)
# Weekday words and separators that may stand beside a date without being prose.
_BESIDE_NOISE = re.compile(
    r"[\s|ㅣ·•/:()\[\]<>,.\-]+|[월화수목금토일]요일"
    r"|(?i:mon|tue|wed|thu|fri|sat|sun)[a-z]*\b"
)
_SEPARATORS = frozenset("|ㅣ·•")
_YEARLESS_START = re.compile(r"\d{1,2}\s*월")


@dataclass(slots=True)
class VisibleDates:
    """Dates read from date lines near the headline/byline, in document order."""

    labelled: list[datetime] = field(default_factory=list)  # "입력 ...", "Published ..."
    unlabelled: list[datetime] = field(default_factory=list)  # a bare date line
    modified: list[datetime] = field(default_factory=list)  # "수정 ...", "Updated ..."


def scan_visible_dates(
    root: HtmlElement, titles: Iterable[str | None], text: str, fetched: datetime
) -> VisibleDates:
    """Date lines within a few elements of the headline or the byline."""
    body = root.find("body")
    elements, bylines = list_elements(body if body is not None else root)
    headlines = find_headlines(elements, titles)
    # The headline and the blocks around it are not date lines: a header block
    # "<headline> 2018.12.19 (수정 ...)" would hide the date line inside it.
    skipped = {elements[i] for i in headlines}
    skipped.update(a for i in headlines for a in elements[i].iterancestors())
    found = VisibleDates()
    dated: list[str] = []  # lines that gave a date; their children repeat them
    for index in window(sorted({*headlines, *bylines}), len(elements)):
        el = elements[index]
        if el in skipped:
            continue
        line = short_text(el)
        if not line or any(line in earlier for earlier in dated) or in_body(line, text):
            continue  # a child of "Updated Jul 24, 2018" must not read it as published
        if read_line(line, fetched, found):
            dated.append(line)
    return found


def list_elements(scope: HtmlElement) -> tuple[list[HtmlElement], list[int]]:
    """The visible elements in document order, and the indexes of the first bylines.

    One pass in Python: 1-2 ms on a 10,000-element page (libxml2's own
    `contains(@class, ...)` XPath was 30-70 ms there).
    """
    elements: list[HtmlElement] = []
    bylines: list[int] = []
    search = _BYLINE_HINTS.search
    for el in islice(scope.iter(etree.Element), MAX_SCAN_ELEMENTS):
        if el.tag in _SKIP_TAGS:
            continue
        if len(bylines) < MAX_BYLINE_ANCHORS:  # inlined: this loop sees every element
            names, ident = el.get("class"), el.get("id")
            found = (names and search(names)) or (ident and search(ident))
            if found and not in_comments(el):
                bylines.append(len(elements))
        elements.append(el)
    return elements, bylines


def in_comments(el: HtmlElement) -> bool:
    """True inside a comment thread, whose "author" bylines sit beside comment dates."""
    for node in (el, *el.iterancestors()):
        names = f"{node.get('class', '')} {node.get('id', '')}".lower()
        if "comment" in names or "reply" in names:
            return True
    return False


def normalized(text: str) -> str:
    return " ".join(text.split())


def find_headlines(elements: list[HtmlElement], titles: Iterable[str | None]) -> list[int]:
    """Indexes of headings (h1-h6) whose text is (part of) a known title.

    Broadcasters set their headline in an h5 and blogs in an h3, while the h1
    is often the site logo. Without a match, the first h1 or h2 stands in.
    """
    wanted = [normalized(t) for t in titles if t]
    headings = [i for i, el in enumerate(elements) if el.tag in _HEADING_TAGS]
    matched = []
    for index in headings:
        heading = short_text(elements[index], MAX_HEADLINE_CHARS) or ""
        long_enough = len(heading) >= MIN_HEADLINE_CHARS
        if long_enough and any(heading in t or t in heading for t in wanted):
            matched.append(index)
    first = [i for i in headings if elements[i].tag in ("h1", "h2")][:1]
    return matched or first


def window(anchors: list[int], size: int) -> Iterator[int]:
    """Element indexes near any anchor, each once, in document order."""
    last = -1
    for anchor in anchors:
        start = max(anchor - WINDOW_BEFORE, last + 1)
        stop = min(anchor + WINDOW_AFTER + 1, size)
        yield from range(start, stop)
        last = max(last, stop - 1)


def short_text(el: HtmlElement, limit: int = MAX_LINE_CHARS) -> str | None:
    """The element's whole visible text when it is at most `limit` chars, else None."""
    pieces: list[str] = []
    size = 0
    for count, piece in enumerate(el.itertext()):
        size += len(piece.strip())
        if size > limit or count >= MAX_LINE_PIECES:
            return None
        pieces.append(piece)
    line = normalized(" ".join(pieces))
    return line or None


def in_body(line: str, text: str) -> bool:
    """True when `line` occurs in the article text past its head (a body line)."""
    position = text.find(line)
    return position > TEXT_HEAD_CHARS


def read_line(raw: str, fetched: datetime, found: VisibleDates) -> bool:
    """Add the dates of one short line to `found`, by what its labels say; True if any."""
    line = normalize_text(raw)
    covered = line  # the line with its labelled dates blanked out
    labelled = False
    for start, end, is_modified in label_spans(line):
        span = first_date_span(line[end : end + MAX_LINE_CHARS], fetched=fetched)
        if span is None or span[0] > _LABEL_GAP:
            continue
        (found.modified if is_modified else found.labelled).append(span[2])
        labelled = labelled or not is_modified
        covered = covered[:start] + " " * (end + span[1] - start) + covered[end + span[1] :]
    if labelled:
        return True
    if (value := read_bare(covered, fetched)) is not None:
        found.unlabelled.append(value)
        return True
    return covered != line  # a modified-only line


def read_bare(line: str, fetched: datetime) -> datetime | None:
    """An unlabelled date line's date, or None when the date sits in prose."""
    if not line.strip():
        return None
    if (relative := parse_standalone_relative(line, fetched=fetched)) is not None:
        return relative
    span = first_date_span(line, fetched=fetched)
    if span is None:
        return None
    start, end, value = span
    matched, rest = line[start:end], line[:start] + " " + line[end:]
    if _YEARLESS_START.match(matched) and not has_clock(value):
        return None  # "3월 25일" alone is as often an event as a post date
    beside = _BESIDE_NOISE.sub("", rest)
    if not beside:
        return value
    apart = has_clock(value) or any(c in _SEPARATORS for c in rest)
    return value if apart and len(beside) <= MAX_BESIDE_CHARS else None
