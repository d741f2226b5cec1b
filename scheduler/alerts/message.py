"""What an alert says, independent of any channel's markup.

A snippet is kept as segments `(text, highlighted)` rather than as HTML, so
every channel escapes the crawled text for its own markup and adds its own
emphasis; page text never reaches a channel as markup.
"""

from __future__ import annotations

import html
import re
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from crawler.models import SEOUL

# Markers the engine wraps around highlighted terms; its `html` encoder escapes the
# page text itself, so a literal "<em>" in an article cannot pose as a marker.
HIGHLIGHT_PRE, HIGHLIGHT_POST = "<em>", "</em>"
_MARKER_RE = re.compile(f"({re.escape(HIGHLIGHT_PRE)}|{re.escape(HIGHLIGHT_POST)})")
_WHITESPACE_RE = re.compile(r"\s+")
# Long enough for a sentence or two of Korean around the matched words.
SNIPPET_CHARS = 200

Segments = tuple[tuple[str, bool], ...]


@dataclass(frozen=True, slots=True)
class Item:
    """One matched article."""

    title: str
    url: str
    outlet: str | None
    published: datetime | None
    snippet: Segments

    def to_record(self) -> dict[str, Any]:
        return {
            "title": self.title,
            "url": self.url,
            "outlet": self.outlet,
            "published": self.published.isoformat() if self.published else None,
            "snippet": [[text, hit] for text, hit in self.snippet],
        }

    @classmethod
    def from_record(cls, record: dict[str, Any]) -> Item:
        published = record.get("published")
        return cls(
            title=record.get("title") or "",
            url=record.get("url") or "",
            outlet=record.get("outlet"),
            published=datetime.fromisoformat(published) if published else None,
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
        return f"[newswatch] {self.watch}: {one_line(self.items[0].title)}"


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


def one_line(text: str) -> str:
    """Collapse whitespace: page text must not add lines (or e-mail headers) to a message."""
    return " ".join(text.split())


def format_kst(moment: datetime | None) -> str:
    if moment is None:
        return "date unknown"
    return moment.astimezone(SEOUL).strftime("%Y-%m-%d %H:%M KST")
