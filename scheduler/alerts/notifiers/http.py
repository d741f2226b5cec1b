"""One JSON POST with a timeout, turning every failure into a DeliveryError.

Errors name the notifier and the URL's host only: webhook URLs of Slack,
Discord, Teams and Telegram carry their secret in the path.
"""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import urlsplit

import urllib3

from scheduler.alerts.notifiers.base import DeliveryError

# One pool per process: connections to the same channel are reused across messages.
_POOL = urllib3.PoolManager()
# Longest pause a channel may ask for before we retry on our own schedule anyway.
MAX_RETRY_AFTER_SECONDS = 3600.0
# Enough of an answer's body to show what the channel said, short enough for one line.
ANSWER_CHARS = 200


def post_json(
    notifier: str,
    url: str,
    payload: Any,
    *,
    timeout: float,
    headers: dict[str, str] | None = None,
    body: bytes | None = None,
) -> str:
    """POST `payload` as JSON (or the exact `body` bytes, when they were signed); returns the
    channel's answer ("HTTP 200: ok") for `newswatch alerts notify-test`."""
    data = body if body is not None else json.dumps(payload, ensure_ascii=False).encode("utf-8")
    all_headers = {"content-type": "application/json; charset=utf-8", **(headers or {})}
    try:
        response = _POOL.request(
            "POST",
            url,
            body=data,
            headers=all_headers,
            timeout=urllib3.Timeout(total=timeout),
            retries=False,  # retries are the queue's job, with backoff across sweeps
        )
    except urllib3.exceptions.HTTPError as exc:
        raise DeliveryError(f"notifier {notifier!r}: {redact(url)} unreachable: {exc}") from None
    if 200 <= response.status < 300:
        return answer(response.status, bytes(response.data))
    raise DeliveryError(
        f"notifier {notifier!r}: {redact(url)} answered HTTP {response.status}: "
        f"{response.data[:200].decode('utf-8', 'replace')}",
        retry_after=_retry_after(response.headers.get("retry-after")),
    )


def answer(status: int, data: bytes) -> str:
    """The status and the start of the body on one line (Slack answers "ok", others JSON)."""
    text = " ".join(data[:ANSWER_CHARS].decode("utf-8", "replace").split())
    return f"HTTP {status}" + (f": {text}" if text else "")


def redact(url: str) -> str:
    """scheme://host[:port]/… — never the path, which may hold a token."""
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc.rpartition('@')[2]}/…"


def _retry_after(value: str | None) -> float | None:
    try:
        seconds = float(value) if value else None
    except ValueError:
        return None  # an HTTP date; rare for webhooks, our own backoff applies
    return None if seconds is None else min(max(seconds, 0.0), MAX_RETRY_AFTER_SECONDS)
