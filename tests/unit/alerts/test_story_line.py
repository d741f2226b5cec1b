"""Every channel's message names the original of a copy and says how many copies there are."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

import pytest

from scheduler.alerts.message import Item, Message
from scheduler.alerts.notifiers import discord, slack, teams, telegram, webhook
from scheduler.alerts.notifiers.email import build_email
from scheduler.alerts.render import story_line, text_body

ORIGINAL = "https://news.example.kr/a/1?x=1&y=2"


def copy_item(**changes: Any) -> Item:
    fields: dict[str, Any] = {
        "title": "대구 시티브레인 기사 옮김",
        "url": "https://blog.example.kr/245",
        "outlet": "스마트시티 다이어리",
        "published": datetime(2026, 3, 2, 0, 0, tzinfo=UTC),
        "snippet": (("대구시가 ", False), ("스마트시티", True)),
        "is_copy": True,
        "original_outlet": "내일신문",
        "original_url": ORIGINAL,
        "copies": 2,
        **changes,
    }
    return Item(**fields)


def rendered(channel: str, message: Message) -> str:
    """The message as the channel receives it, unescaped enough to search for plain words."""
    if channel == "email":
        mail = build_email(message, "a@example.org", ["b@example.org"])
        return "\n".join(str(part.get_content()) for part in mail.iter_parts())
    payloads = {
        "slack": lambda: slack.render(message),
        "discord": lambda: discord.render(message),
        "teams": lambda: teams.render(message),
        "telegram": lambda: telegram.render(message, "42"),
        "webhook": lambda: webhook.render(message),
    }
    text = json.dumps(payloads[channel](), ensure_ascii=False)
    return text.replace("&amp;", "&").replace("\\\\", "")


@pytest.mark.parametrize("channel", ["webhook", "slack", "teams", "telegram", "discord", "email"])
def test_each_channel_names_the_original_and_the_copies(channel: str) -> None:
    shown = rendered(channel, Message(key="k", watch="daegu", items=(copy_item(),)))
    assert "copy of 내일신문" in shown and ORIGINAL in shown, shown
    assert "2 other copies of this story" in shown, shown


def test_story_line_wording() -> None:
    assert story_line(copy_item()) == f"copy of 내일신문 {ORIGINAL} · 2 other copies of this story"
    assert story_line(copy_item(is_copy=False, copies=1)) == "1 other copy of this story"
    assert story_line(copy_item(is_copy=False, copies=0)) == ""
    unknown = copy_item(original_outlet=None, original_url=None, copies=0)
    assert story_line(unknown) == "copy of an unknown original"
    lone = copy_item(is_copy=False, copies=0)
    assert "copy" not in text_body(Message(key="k", watch="w", items=(lone,)))


def test_the_webhook_payload_carries_the_fields_and_a_record_round_trips_them() -> None:
    item = copy_item()
    (article,) = webhook.render(Message(key="k", watch="w", items=(item,)))["articles"]
    assert article["is_copy"] is True and article["copies"] == 2
    assert (article["original_outlet"], article["original_url"]) == ("내일신문", ORIGINAL)
    assert Item.from_record(item.to_record()) == item
