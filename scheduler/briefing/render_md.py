"""The short version for chat channels: counts by section, the top stories of each with
their links, and a link to the full briefing (chat channels carry no attachments here).

Markdown links (`[title](url)`) for Teams, Discord, Telegram and files; Slack's
mrkdwn writes them `<url|title>`. Crawled text has the characters that would
break a link ([ ] ( ) < > |) replaced.
"""

from __future__ import annotations

from typing import Literal

from scheduler.briefing import labels
from scheduler.briefing.model import Briefing, Story

LinkStyle = Literal["markdown", "slack"]
# Stories listed per section: a phone screen's worth; the full briefing has the rest.
TOP_STORIES = 5
# Characters of a title in the short version.
TITLE_CHARS = 120
_UNSAFE = str.maketrans({"[": "(", "]": ")", "<": "‹", ">": "›", "|": "/", "*": "∗"})


def render_md(
    briefing: Briefing, full_link: str | None = None, style: LinkStyle = "markdown"
) -> str:
    bold = "*" if style == "slack" else "**"
    lines = [f"{bold}{_clean(briefing.heading)}{bold} ({briefing.period_label})", ""]
    lines.append(
        " · ".join(
            f"{_clean(s.title)} {len(s.stories)}/{s.article_count}" for s in briefing.sections
        )
    )
    if briefing.new_counterparts:
        lines.append(f"{labels.NEW_COUNTERPARTS}: {', '.join(briefing.new_counterparts)}")
    for section in briefing.sections:
        if not section.stories:
            continue
        lines += ["", f"{bold}{_clean(section.title)}{bold}"]
        lines += [_story_line(story, style) for story in section.stories[:TOP_STORIES]]
        if len(section.stories) > TOP_STORIES:
            lines.append(f"… +{len(section.stories) - TOP_STORIES}")
    if full_link:
        lines += ["", f"{labels.FULL_BRIEFING}: {_link(full_link, full_link, style)}"]
    return "\n".join(lines) + "\n"


def _story_line(story: Story, style: LinkStyle) -> str:
    head = story.head
    title = _clean(head.title)
    if len(title) > TITLE_CHARS:
        title = title[: TITLE_CHARS - 1] + "…"
    copies = f" · {_clean(story.copies_label)}" if story.copies else ""
    return f"- {_link(head.url, title, style)} — {_clean(head.outlet)}, {labels.when(head)}{copies}"


def _link(url: str, text: str, style: LinkStyle) -> str:
    if not url.startswith(("http://", "https://")):
        return text
    target = url.replace(" ", "%20").replace(")", "%29").replace(">", "%3E").replace("|", "%7C")
    return f"<{target}|{text}>" if style == "slack" else f"[{text}]({target})"


def _clean(text: str) -> str:
    return " ".join(text.split()).translate(_UNSAFE)
