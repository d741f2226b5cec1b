"""Discord incoming webhook: one embed per article, markdown escaped, mentions disabled."""

from __future__ import annotations

from typing import Any

from crawler.config.alerts import DiscordNotifierConfig
from scheduler.alerts.escape import escape_discord, safe_url
from scheduler.alerts.message import Item, Message, clip
from scheduler.alerts.notifiers.base import UrlNotifier
from scheduler.alerts.notifiers.http import post_json
from scheduler.alerts.render import emphasize, meta_line, shown_items, title_of

# Discord's limits: 10 embeds per message, 256-character titles, 4,096-character descriptions.
MAX_ITEMS = 10
TITLE_CHARS = 256
DESCRIPTION_CHARS = 4096
CONTENT_CHARS = 2000  # a message's `content`


def render(message: Message) -> dict[str, Any]:
    items, more = shown_items(message, MAX_ITEMS)
    more_note = f" (and {more} more)" if more else ""
    content = clip(escape_discord(message.headline), CONTENT_CHARS - len(more_note)) + more_note
    return {
        "content": content,
        "embeds": [_embed(item, message) for item in items],
        # No @everyone, role or user pings, whatever the text says.
        "allowed_mentions": {"parse": []},
    }


def _embed(item: Item, message: Message) -> dict[str, Any]:
    snippet = emphasize(item.snippet, escape_discord, "**", "**")
    embed: dict[str, Any] = {
        "title": clip(escape_discord(title_of(item)), TITLE_CHARS),
        "description": clip(f"{escape_discord(meta_line(item))}\n{snippet}", DESCRIPTION_CHARS),
        "footer": {"text": f"watch: {message.watch}"},
    }
    url = safe_url(item.url)
    if url:
        embed["url"] = url
    return embed


class DiscordNotifier(UrlNotifier[DiscordNotifierConfig]):
    channel = "discord"

    def send(self, message: Message) -> None:
        post_json(self.name, self.target_url(), render(message), timeout=self.settings.timeout)
