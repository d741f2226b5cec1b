"""Telegram bot: sendMessage in HTML parse mode, crawled text HTML-escaped."""

from __future__ import annotations

from typing import Any

from crawler.config.alerts import TelegramNotifierConfig
from scheduler.alerts.escape import escape_html, safe_url
from scheduler.alerts.message import Item, Message
from scheduler.alerts.notifiers.base import Notifier
from scheduler.alerts.notifiers.http import post_json
from scheduler.alerts.render import emphasize, meta_line, shown_items, title_of

API_BASE = "https://api.telegram.org"
# Telegram's limit is 4,096 characters per message; 8 items with 400-character
# snippets and their tags stay under it.
MAX_ITEMS = 8
MESSAGE_CHARS = 4096


def render(message: Message, chat_id: str) -> dict[str, Any]:
    items, more = shown_items(message, MAX_ITEMS)
    parts = [f"<b>{escape_html(message.headline)}</b>"]
    parts += [_item(item) for item in items]
    if more:
        parts.append(f"and {more} more")
    text = "\n\n".join(parts)
    if len(text) > MESSAGE_CHARS:
        # Cutting HTML mid-tag would make Telegram refuse the message; fall back to the headline.
        text = parts[0] + "\n\n" + "\n".join(escape_html(i.url) for i in items)
    return {
        "chat_id": chat_id,
        "text": text[:MESSAGE_CHARS],
        "parse_mode": "HTML",
        "disable_web_page_preview": True,
    }


def _item(item: Item) -> str:
    title = escape_html(title_of(item))
    url = safe_url(item.url)
    heading = f'<a href="{escape_html(url)}">{title}</a>' if url else title
    snippet = emphasize(item.snippet, escape_html, "<b>", "</b>")
    return f"{heading}\n<i>{escape_html(meta_line(item))}</i>\n{snippet}"


class TelegramNotifier(Notifier[TelegramNotifierConfig]):
    channel = "telegram"

    def send(self, message: Message) -> None:
        token = self.secret(self.settings.token_env, "bot token")
        base = (self.settings.url or API_BASE).rstrip("/")
        payload = render(message, self.settings.chat_id or "")
        post_json(
            self.name, f"{base}/bot{token}/sendMessage", payload, timeout=self.settings.timeout
        )
