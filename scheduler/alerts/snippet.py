"""Snippets for alerts, cut around the watch's own words without asking the engine.

The engine decides what matches (percolation, with the Korean analyzer); the
snippet is only presentation. Asking the percolate request to highlight
every matching (watch, article) pair tripled its cost in `make bench-alerts`,
so the snippet is cut here instead: around the first place the watch's words
occur in the text, with every occurrence marked. Korean particles follow the
word (스마트시티를), so the surface form is found as written; when it is not
(a synonym matched, or the match was on a field), the lead is shown.
"""

from __future__ import annotations

import re

from crawler.query.syntax import And, Node, Or, Text
from scheduler.alerts.message import SNIPPET_CHARS, Segments, plain_snippet

# Characters kept before the first hit, so the reader sees the start of its sentence.
LEAD_IN_CHARS = 60


def watch_terms(query: Node) -> list[str]:
    """The words and phrases a parsed watch query looks for (not those it excludes)."""
    terms: list[str] = []
    _collect(query, terms)
    return terms


def _collect(node: Node, terms: list[str]) -> None:
    if isinstance(node, Text):
        terms.append(node.value)
    elif isinstance(node, And | Or):
        for child in node.nodes:
            _collect(child, terms)
    # Not (excluded words) and FieldTerm (source, kind, ...): nothing to mark in the text.


def terms_pattern(terms: list[str]) -> re.Pattern[str] | None:
    """One pattern for all terms, longest first; spaces inside a phrase match any spacing."""
    parts = [r"\s*".join(re.escape(w) for w in term.split()) for term in terms if term.split()]
    if not parts:
        return None
    return re.compile("|".join(sorted(parts, key=len, reverse=True)), re.IGNORECASE)


def cut_snippet(text: str, pattern: re.Pattern[str] | None, fallback: str = "") -> Segments:
    flat = " ".join(text.split())
    first = pattern.search(flat) if pattern else None
    if pattern is None or first is None:
        return plain_snippet(fallback or flat)
    start = _word_start(flat, max(0, first.start() - LEAD_IN_CHARS))
    end = min(len(flat), start + SNIPPET_CHARS)
    window = flat[start:end]
    segments: list[tuple[str, bool]] = [("…", False)] if start else []
    position = 0
    for hit in pattern.finditer(window):
        segments.append((window[position : hit.start()], False))
        segments.append((hit.group(), True))
        position = hit.end()
    segments.append((window[position:] + ("…" if end < len(flat) else ""), False))
    return tuple((text, hit) for text, hit in segments if text)


def _word_start(text: str, index: int) -> int:
    """Move a cut forward to the next word start, so the snippet does not begin mid-word."""
    if index == 0:
        return 0
    space = text.find(" ", index)
    return index if space < 0 or space - index > 15 else space + 1  # 15: a long Korean word
