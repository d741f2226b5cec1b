"""Channel-neutral rendering helpers: plain text, emphasis over snippet segments, item caps."""

from __future__ import annotations

from collections.abc import Callable

from scheduler.alerts.message import TITLE_CHARS, Item, Message, Segments, clip, one_line


def emphasize(segments: Segments, escape: Callable[[str], str], pre: str, post: str) -> str:
    """Escape every segment, then wrap the highlighted ones in the channel's own markers."""
    parts = []
    for text, highlighted in segments:
        escaped = escape(text)
        parts.append(f"{pre}{escaped}{post}" if highlighted and escaped.strip() else escaped)
    return "".join(parts)


def meta_line(item: Item) -> str:
    """Outlet · timeline time in KST, "(first seen)" when undated, then where the story
    comes from when this is a copy and how many copies it has (unescaped)."""
    line = f"{clip(one_line(item.outlet or 'unknown outlet'), TITLE_CHARS)} · {item.when}"
    story = story_line(item)
    return f"{line} · {story}" if story else line


def story_line(item: Item) -> str:
    """ "copy of <outlet> <url>" for a copy, and "N other copies" when the story has them."""
    parts = []
    if item.is_copy:
        named = [
            clip(one_line(x), TITLE_CHARS) for x in (item.original_outlet, item.original_url) if x
        ]
        parts.append("copy of " + (" ".join(named) if named else "an unknown original"))
    if item.copies:
        parts.append(
            f"{item.copies} other {'copy' if item.copies == 1 else 'copies'} of this story"
        )
    return " · ".join(parts)


def title_of(item: Item) -> str:
    """The item's title on one line, at most TITLE_CHARS (unescaped)."""
    return clip(one_line(item.title), TITLE_CHARS)


def fit(head: str, tail: str, limit: int) -> str:
    """`head` + `tail` in at most `limit` characters: the head (which holds the
    link) is kept whole and the tail cut with "…"; a head that alone is too long
    is cut itself (only a URL near its 2,083-character limit can do that)."""
    if len(head) + len(tail) <= limit:
        return head + tail
    room = limit - len(head)
    return head + clip(tail, room) if room > 1 else clip(head, limit)


def shown_items(message: Message, limit: int) -> tuple[tuple[Item, ...], int]:
    """The items a channel can fit, and how many were left out."""
    return message.items[:limit], max(0, len(message.items) - limit)


def text_body(message: Message) -> str:
    """The plain-text rendering (e-mail text part, webhook `text`)."""
    lines = [message.headline, ""]
    for item in message.items:
        lines.append(title_of(item))
        lines.append(meta_line(item))
        lines.append(f"watch: {message.watch}")
        snippet = emphasize(item.snippet, lambda s: s, "«", "»")
        if snippet:
            lines.append(snippet)
        lines.append(item.url)
        lines.append("")
    return "\n".join(lines).rstrip() + "\n"
