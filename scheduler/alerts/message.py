"""What an alert says, independent of any channel's markup.

A snippet is kept as segments `(text, highlighted)` rather than as HTML, so
every channel escapes the crawled text for its own markup and adds its own
emphasis; page text never reaches a channel as markup.
"""

from __future__ import annotations

import html
import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from crawler.vocabulary import SEOUL

# Markers the engine wraps around highlighted terms; its `html` encoder escapes the
# page text itself, so a literal "<em>" in an article cannot pose as a marker.
HIGHLIGHT_PRE, HIGHLIGHT_POST = "<em>", "</em>"
_MARKER_RE = re.compile(f"({re.escape(HIGHLIGHT_PRE)}|{re.escape(HIGHLIGHT_POST)})")
_WHITESPACE_RE = re.compile(r"\s+")
# Long enough for a sentence or two of Korean around the matched words.
SNIPPET_CHARS = 200
# Crawled titles and outlet names are cut to this many characters (with "…") before
# any channel sees them: real Korean headlines are under 150 characters; a page can
# claim a 60,000-character title, which every channel would refuse or truncate blindly.
TITLE_CHARS = 300
ELLIPSIS = "…"
# Follows the time of an article without a published date: it is when we first saw it.
FIRST_SEEN_MARK = "(first seen)"

Segments = tuple[tuple[str, bool], ...]


@dataclass(frozen=True, slots=True)
class Item:
    """One matched article."""

    title: str
    url: str
    outlet: str | None
    published: datetime | None
    snippet: Segments
    # Only for an article without `published`: when it was first seen (its timeline time).
    first_seen: datetime | None = None

    @property
    def when(self) -> str:
        """The article's timeline time in KST, marked when it is the first-seen time."""
        return format_timeline(self.published, self.first_seen)

    def to_record(self) -> dict[str, Any]:
        return {
            "title": self.title,
            "url": self.url,
            "outlet": self.outlet,
            "published": _iso(self.published),
            "first_seen": _iso(self.first_seen),
            "snippet": [[text, hit] for text, hit in self.snippet],
        }

    @classmethod
    def from_record(cls, record: dict[str, Any]) -> Item:
        return cls(
            title=record.get("title") or "",
            url=record.get("url") or "",
            outlet=record.get("outlet"),
            published=_parse(record.get("published")),
            first_seen=_parse(record.get("first_seen")),
            snippet=tuple((str(text), bool(hit)) for text, hit in record.get("snippet") or []),
        )


@dataclass(frozen=True, slots=True)
class Message:
    """One notification: a single article, or a digest of several (`digest=True`)."""

    key: str  # the dedup key: webhook header, e-mail Message-ID
    watch: str
    items: tuple[Item, ...]
    digest: bool = False

    @property
    def headline(self) -> str:
        if self.digest:
            return f"[newswatch] {self.watch}: {len(self.items)} new articles"
        return f"[newswatch] {self.watch}: {clip(one_line(self.items[0].title), TITLE_CHARS)}"


def segments_from_highlight(fragments: list[str]) -> Segments:
    """Engine highlight fragments (html-encoded, <em> markers) → plain segments."""
    segments: list[tuple[str, bool]] = []
    for index, fragment in enumerate(fragments):
        if index:
            segments.append((" … ", False))
        highlighted = False
        for part in _MARKER_RE.split(fragment):
            if part in (HIGHLIGHT_PRE, HIGHLIGHT_POST):
                highlighted = part == HIGHLIGHT_PRE
            elif part:
                _append(segments, _WHITESPACE_RE.sub(" ", html.unescape(part)), highlighted)
    return tuple(segments)


def _append(segments: list[tuple[str, bool]], text: str, highlighted: bool) -> None:
    # Nori splits 스마트시티 into two highlighted tokens; merge them back into one run.
    if segments and segments[-1][1] == highlighted:
        segments[-1] = (segments[-1][0] + text, highlighted)
    else:
        segments.append((text, highlighted))


def plain_snippet(text: str) -> Segments:
    """A snippet without highlights (when the match was on a field, not on words)."""
    flat = one_line(text)
    return ((flat[:SNIPPET_CHARS] + ("…" if len(flat) > SNIPPET_CHARS else ""), False),)


def clip(text: str, limit: int) -> str:
    """`text`, or its first `limit` - 1 characters and "…" when it is longer."""
    return text if len(text) <= limit else text[: max(0, limit - 1)] + ELLIPSIS


def one_line(text: str) -> str:
    """Collapse whitespace: page text must not add lines (or e-mail headers) to a message."""
    return " ".join(text.split())


def format_kst(moment: datetime | None) -> str:
    if moment is None:
        return "date unknown"
    return moment.astimezone(SEOUL).strftime("%Y-%m-%d %H:%M KST")


def format_timeline(published: datetime | None, first_seen: datetime | None) -> str:
    """Published time in KST; for an undated article its first-seen time, marked as such."""
    if published is None and first_seen is not None:
        return f"{format_kst(first_seen)} {FIRST_SEEN_MARK}"
    return format_kst(published)


def article_times(source: Mapping[str, Any]) -> tuple[datetime | None, datetime | None]:
    """(published, first_seen) of an engine document, as Items and previews show them.

    The document's `timeline_basis` (derived once, in crawler.models.Article) says which
    one its `timeline_time` is; first_seen is only returned when it stands in for published.
    """
    published = _parse(source.get("published"))
    if published is None and source.get("timeline_basis") == "first_seen":
        return None, _parse(source.get("timeline_time"))
    return published, None


def _iso(moment: datetime | None) -> str | None:
    return moment.isoformat() if moment else None


def _parse(value: Any) -> datetime | None:
    return datetime.fromisoformat(value) if value else None
