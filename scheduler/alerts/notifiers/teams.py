"""Microsoft Teams incoming webhook (and Workflows webhooks): an Adaptive Card."""

from __future__ import annotations

import json
from typing import Any

from crawler.config.alerts import TeamsNotifierConfig
from scheduler.alerts.escape import escape_teams, safe_url
from scheduler.alerts.message import Item, Message
from scheduler.alerts.notifiers.base import UrlNotifier
from scheduler.alerts.notifiers.http import post_json
from scheduler.alerts.render import emphasize, meta_line, shown_items, title_of

# Teams rejects cards over ~28 KB; 15 items with 400-character snippets stay well under.
MAX_ITEMS = 15
# Teams refuses a card over 28 KB (its documented message size limit).
CARD_BYTES = 28_000
CARD_TYPE = "application/vnd.microsoft.card.adaptive"


def render(message: Message) -> dict[str, Any]:
    items, more = shown_items(message, MAX_ITEMS)
    card = _card(message, items, more)
    # Long URLs can still push 15 items past the limit: leave out the last ones.
    while len(json.dumps(card, ensure_ascii=False).encode()) > CARD_BYTES and len(items) > 1:
        items, more = items[:-1], more + 1
        card = _card(message, items, more)
    return {"type": "message", "attachments": [{"contentType": CARD_TYPE, "content": card}]}


def _card(message: Message, items: tuple[Item, ...], more: int) -> dict[str, Any]:
    body: list[dict[str, Any]] = [_block(escape_teams(message.headline), weight="Bolder")]
    for item in items:
        body += _item_blocks(item, message)
    if more:
        body.append(_block(f"and {more} more", subtle=True))
    return {
        "$schema": "http://adaptivecards.io/schemas/adaptive-card.json",
        "type": "AdaptiveCard",
        "version": "1.4",
        "body": body,
    }


def _item_blocks(item: Item, message: Message) -> list[dict[str, Any]]:
    title = escape_teams(title_of(item))
    url = safe_url(item.url)
    return [
        _block(f"[{title}]({url})" if url else title, weight="Bolder", separator=True),
        _block(
            f"{escape_teams(meta_line(item))} · watch: {escape_teams(message.watch)}", subtle=True
        ),
        _block(emphasize(item.snippet, escape_teams, "**", "**")),
    ]


def _block(
    text: str, *, weight: str = "Default", subtle: bool = False, separator: bool = False
) -> dict[str, Any]:
    block: dict[str, Any] = {"type": "TextBlock", "text": text, "wrap": True, "weight": weight}
    if subtle:
        block["isSubtle"] = True
    if separator:
        block["separator"] = True
    return block


class TeamsNotifier(UrlNotifier[TeamsNotifierConfig]):
    channel = "teams"

    def send(self, message: Message) -> None:
        post_json(self.name, self.target_url(), render(message), timeout=self.settings.timeout)
