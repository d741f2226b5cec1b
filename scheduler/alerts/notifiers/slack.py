"""Slack incoming webhook: Block Kit sections in mrkdwn, every crawled string escaped."""

from __future__ import annotations

from typing import Any

from crawler.config.alerts import SlackNotifierConfig
from scheduler.alerts.escape import escape_slack, safe_url
from scheduler.alerts.message import Item, Message
from scheduler.alerts.notifiers.base import UrlNotifier
from scheduler.alerts.notifiers.http import post_json
from scheduler.alerts.render import emphasize, fit, meta_line, shown_items, title_of

# Slack allows 50 blocks per message; one header, one block per item, one "more" line.
MAX_ITEMS = 40
# Slack's documented limit for a section's text.
SECTION_CHARS = 3000


def render(message: Message) -> dict[str, Any]:
    items, more = shown_items(message, MAX_ITEMS)
    blocks: list[dict[str, Any]] = [
        {
            "type": "section",
            "text": {"type": "mrkdwn", "text": f"*{escape_slack(message.headline)}*"},
        }
    ]
    blocks += [
        {"type": "section", "text": {"type": "mrkdwn", "text": _item(item, message)}}
        for item in items
    ]
    if more:
        blocks.append(
            {"type": "context", "elements": [{"type": "mrkdwn", "text": f"and {more} more"}]}
        )
    # `text` is the notification fallback; it is mrkdwn too, so it is escaped as well.
    return {"text": escape_slack(message.headline), "blocks": blocks, "unfurl_links": False}


def _item(item: Item, message: Message) -> str:
    title = escape_slack(title_of(item))
    url = safe_url(item.url)
    heading = f"*<{url}|{title}>*" if url else f"*{title}*"
    snippet = emphasize(item.snippet, escape_slack, "*", "*")
    meta = f"{escape_slack(meta_line(item))} · watch: {escape_slack(message.watch)}"
    return fit(f"{heading}\n", f"{meta}\n{snippet}", SECTION_CHARS)  # the link kept whole


class SlackNotifier(UrlNotifier[SlackNotifierConfig]):
    channel = "slack"

    def send(self, message: Message) -> None:
        post_json(self.name, self.target_url(), render(message), timeout=self.settings.timeout)
