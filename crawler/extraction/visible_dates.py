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
# the Korean corpus and the fixture pages: date lines sit 2-30 elements after
# the headline (share buttons and reporter photos in between) and at most ~10
# before it (category + date above the title).
WINDOW_BEFORE = 12
WINDOW_AFTER = 40
# Without a label, at most this many letters may stand beside the date (a
# byline "내일신문 전팀장", "MJ Studio", "조회 1,234"); prose is longer.
MAX_BESIDE_CHARS = 20
# Byline-looking elements used as anchors: only the first few, because the
# comment section further down repeats "author" classes next to comment dates.
MAX_BYLINE_ANCHORS = 2
# A date line within the first characters of the extracted text is the
# dateline trafilatura kept; further in, a line found in the text is body.
TEXT_HEAD_CHARS = 200
# Headlines run to ~120 characters in English; longer text is not one line.
MAX_HEADLINE_CHARS = 200
# Headings shorter than this match too many titles by accident ("뉴스").
MIN_HEADLINE_CHARS = 4

_SKIP_TAGS = frozenset(("script", "style", "noscript", "template", "head", "title", "meta"))
_HEADING_TAGS = frozenset(("h1", "h2", "h3", "h4", "h5", "h6"))
_TITLE_HINTS = ("tit", "headline", "subject")
_BYLINE_HINTS = ("author", "byline", "writer", "reporter", "nick")
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
    elements = [
        el
        for el in (body if body is not None else root).iter(etree.Element)
        if el.tag not in _SKIP_TAGS
    ]
    headlines = find_headlines(elements, titles)
    anchors = sorted({*headlines, *find_bylines(elements)})
    # The headline and the blocks around it are not date lines: a header block
    # "<headline> 2018.12.19 (수정 ...)" would hide the date line inside it.
    skipped = {elements[i] for i in headlines}
    skipped.update(a for i in headlines for a in elements[i].iterancestors())
    found = VisibleDates()
    dated: list[str] = []  # lines that gave a date; their children repeat them
    for index in window(anchors, len(elements)):
        if elements[index] in skipped:
            continue
        line = short_text(elements[index])
        if not line or any(line in earlier for earlier in dated) or in_body(line, text):
            continue  # a child of "Updated Jul 24, 2018" must not read it as published
        if read_line(line, fetched, found):
            dated.append(line)
    return found


def normalized(text: str) -> str:
    return " ".join(text.split())


def find_headlines(elements: list[HtmlElement], titles: Iterable[str | None]) -> set[int]:
    """Indexes of headline-like elements whose text is (part of) a known title.

    Headings h1-h6 and elements whose class names a title ("tit-s", "headline"):
    broadcasters set their headline in an h5 and blogs in an h3, while the h1
    is often the site logo. Without a match, the first h1 or h2 stands in.
    """
    wanted = [normalized(t) for t in titles if t]
    matched = set()
    for index, el in enumerate(elements):
        if el.tag in _HEADING_TAGS or any(h in el.get("class", "") for h in _TITLE_HINTS):
            heading = short_text(el, MAX_HEADLINE_CHARS) or ""
            long_enough = len(heading) >= MIN_HEADLINE_CHARS
            if long_enough and any(heading in t or t in heading for t in wanted):
                matched.add(index)
    if matched:
        return matched
    first = next((i for i, el in enumerate(elements) if el.tag in ("h1", "h2")), None)
    return {first} if first is not None else set()


def find_bylines(elements: list[HtmlElement]) -> list[int]:
    """Indexes of the first elements whose class or id names an author/byline."""
    found = []
    for index, el in enumerate(elements):
        names = f"{el.get('class', '')} {el.get('id', '')}".lower()
        if any(hint in names for hint in _BYLINE_HINTS):
            found.append(index)
            if len(found) == MAX_BYLINE_ANCHORS:
                break
    return found


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


# Characters allowed between a label and its date ("입력 : [2018...").
_LABEL_GAP = 3


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
