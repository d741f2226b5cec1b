"""The sample message `newswatch alerts notify-test` sends, shaped like a real alert."""

from __future__ import annotations

from datetime import datetime

from scheduler.alerts.message import Item, Message

SAMPLE_WATCH = "notify-test"


def sample_message(now: datetime) -> Message:
    """One alert about a copy, so the channel shows every line a real alert can have.

    Its key is new each time: a receiver that drops repeats by key must not drop a test.
    """
    item = Item(
        title="[newswatch test] 대구시, 항저우 시티브레인 벤치마킹",
        url="https://example.org/newswatch/notify-test",
        outlet="newswatch",
        published=now,
        snippet=(
            ("This is a test message from ", False),
            ("newswatch", True),
            (" alerts notify-test: nothing matched, nothing else was sent.", False),
        ),
        is_copy=True,
        original_outlet="내일신문",
        original_url="https://example.org/newswatch/original",
        copies=2,
    )
    key = f"notify-test-{now.strftime('%Y%m%dT%H%M%S%f')}"
    return Message(key=key, watch=SAMPLE_WATCH, items=(item,))
