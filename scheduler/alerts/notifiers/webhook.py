"""Generic JSON webhook, signed with HMAC-SHA256.

Headers: `Idempotency-Key` and `X-Newswatch-Delivery` carry the dedup key (the
same key when a message is re-sent after a crash); `X-Newswatch-Timestamp`
(Unix seconds) and `X-Newswatch-Signature: sha256=<hex>` where the HMAC is
over `<timestamp>.<body>`, so a receiver can reject replays of old bodies.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import time
from typing import Any

from crawler.config.alerts import WebhookNotifierConfig
from scheduler.alerts.message import Message, format_kst
from scheduler.alerts.notifiers.base import UrlNotifier
from scheduler.alerts.notifiers.http import post_json
from scheduler.alerts.render import text_body

SIGNATURE_HEADER = "X-Newswatch-Signature"
TIMESTAMP_HEADER = "X-Newswatch-Timestamp"
DELIVERY_HEADER = "X-Newswatch-Delivery"


def render(message: Message) -> dict[str, Any]:
    return {
        "id": message.key,
        "watch": message.watch,
        "digest": message.digest,
        "text": text_body(message),
        "articles": [
            {
                "title": item.title,
                "url": item.url,
                "outlet": item.outlet,
                "published": item.published.isoformat() if item.published else None,
                "published_kst": format_kst(item.published),
                # Set only when published is null: the time the article was first seen.
                "first_seen": item.first_seen.isoformat() if item.first_seen else None,
                # What the text shows: published, else first seen marked "(first seen)".
                "time_kst": item.when,
                "snippet": "".join(text for text, _ in item.snippet),
                "highlights": [text for text, hit in item.snippet if hit],
            }
            for item in message.items
        ],
    }


def sign(secret: str, timestamp: str, body: bytes) -> str:
    digest = hmac.new(secret.encode("utf-8"), timestamp.encode() + b"." + body, hashlib.sha256)
    return "sha256=" + digest.hexdigest()


class WebhookNotifier(UrlNotifier[WebhookNotifierConfig]):
    channel = "webhook"
    idempotent = True

    def send(self, message: Message) -> None:
        url = self.target_url()
        body = json.dumps(render(message), ensure_ascii=False).encode("utf-8")
        timestamp = str(int(time.time()))
        headers = {
            "Idempotency-Key": message.key,
            DELIVERY_HEADER: message.key,
            TIMESTAMP_HEADER: timestamp,
        }
        if self.settings.secret_env:
            headers[SIGNATURE_HEADER] = sign(
                self.secret(self.settings.secret_env, "signing secret"), timestamp, body
            )
        post_json(self.name, url, None, body=body, headers=headers, timeout=self.settings.timeout)
