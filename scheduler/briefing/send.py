"""Send a finished briefing through the configured notifiers.

E-mail gets the whole briefing: the HTML body with the charts as inline (cid)
images, the Markdown short version as the text part, and the PDF and XLSX as
attachments (those among the briefing's formats). Chat channels get the short
version with a link to the full one; a webhook gets it as JSON, signed like alerts.
Each notifier's outcome is returned ("sent" or the error), one failing channel
does not stop the others.
"""

from __future__ import annotations

import json
import logging
import time
from collections.abc import Mapping
from email.message import EmailMessage
from email.utils import formatdate
from typing import Any

from crawler.config import Config, NotifierConfig
from scheduler.alerts.notifiers import DeliveryError, build_notifier
from scheduler.alerts.notifiers.base import UrlNotifier
from scheduler.alerts.notifiers.email import EmailNotifier
from scheduler.alerts.notifiers.http import post_json
from scheduler.alerts.notifiers.telegram import API_BASE, TelegramNotifier
from scheduler.alerts.notifiers.webhook import (
    DELIVERY_HEADER,
    SIGNATURE_HEADER,
    TIMESTAMP_HEADER,
    WebhookNotifier,
)
from scheduler.alerts.notifiers.webhook import sign as sign_webhook
from scheduler.briefing.model import Briefing
from scheduler.briefing.render_html import cid_source, render_html
from scheduler.briefing.render_md import render_md

log = logging.getLogger(__name__)

SENT = "sent"
MIME_TYPES = {
    "pdf": ("application", "pdf"),
    "xlsx": ("application", "vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
    "html": ("text", "html"),
    "md": ("text", "markdown"),
}
# Discord refuses `content` over 2,000 characters, Telegram text over 4,096.
DISCORD_CHARS, TELEGRAM_CHARS = 2000, 4096


def send_briefing(
    config: Config,
    notify: list[str],
    briefing: Briefing,
    files: Mapping[str, bytes],
    full_link: str | None,
    env: Mapping[str, str] | None = None,
) -> dict[str, str]:
    outcomes: dict[str, str] = {}
    for name in notify:
        settings = config.notifiers[name]
        try:
            _send_one(name, settings, briefing, files, full_link, env)
        except DeliveryError as exc:
            log.warning("briefing %s: %s", briefing.name, exc)
            outcomes[name] = str(exc)
        else:
            outcomes[name] = SENT
    return outcomes


def delivery_key(briefing: Briefing) -> str:
    """The same period gives the same key: a re-send is recognisable as the same briefing."""
    return f"briefing-{briefing.name}-{briefing.stamp}"


def build_briefing_email(
    briefing: Briefing, files: Mapping[str, bytes], sender: str, recipients: list[str]
) -> EmailMessage:
    mail = EmailMessage()
    mail["Subject"] = f"[newswatch] {briefing.heading} ({briefing.period_label})"
    mail["From"] = sender
    mail["To"] = ", ".join(recipients)
    mail["Date"] = formatdate(localtime=False, usegmt=True)
    mail["Message-ID"] = f"<{delivery_key(briefing)}@newswatch>"
    mail.set_content(render_md(briefing))
    mail.add_alternative(render_html(briefing, cid_source), subtype="html")
    html_part = mail.get_body(preferencelist=("html",))
    assert isinstance(html_part, EmailMessage)
    for name, png in briefing.charts.items():
        html_part.add_related(
            png, maintype="image", subtype="png", cid=f"<{name}>", filename=f"{name}.png"
        )
    for fmt in ("pdf", "xlsx"):
        if fmt in files:
            maintype, subtype = MIME_TYPES[fmt]
            mail.add_attachment(
                files[fmt],
                maintype=maintype,
                subtype=subtype,
                filename=f"{briefing.name}-{briefing.stamp}.{fmt}",
            )
    return mail


def _send_one(
    name: str,
    settings: NotifierConfig,
    briefing: Briefing,
    files: Mapping[str, bytes],
    full_link: str | None,
    env: Mapping[str, str] | None,
) -> None:
    notifier = build_notifier(name, settings, env)
    if isinstance(notifier, EmailNotifier):
        config = notifier.settings
        notifier.deliver(build_briefing_email(briefing, files, config.sender or "", config.to))
    elif isinstance(notifier, WebhookNotifier):
        _send_webhook(notifier, briefing, full_link)
    elif isinstance(notifier, TelegramNotifier):
        _send_telegram(notifier, render_md(briefing, full_link)[:TELEGRAM_CHARS])
    elif isinstance(notifier, UrlNotifier):
        payload = _chat_payload(notifier.channel, briefing, full_link)
        post_json(name, notifier.target_url(), payload, timeout=settings.timeout)
    else:
        raise DeliveryError(f"notifier {name!r}: {notifier.channel} cannot carry a briefing")


def _chat_payload(channel: str, briefing: Briefing, full_link: str | None) -> dict[str, Any]:
    if channel == "slack":
        return {"text": render_md(briefing, full_link, "slack")}
    if channel == "discord":
        return {"content": render_md(briefing, full_link)[:DISCORD_CHARS]}
    return _teams_card(render_md(briefing, full_link))


def _send_telegram(notifier: TelegramNotifier, text: str) -> None:
    settings = notifier.settings
    token = notifier.secret(settings.token_env, "bot token")
    base = (settings.url or API_BASE).rstrip("/")
    payload = {"chat_id": settings.chat_id, "text": text}
    post_json(notifier.name, f"{base}/bot{token}/sendMessage", payload, timeout=settings.timeout)


def _teams_card(text: str) -> dict[str, Any]:
    card = {
        "$schema": "http://adaptivecards.io/schemas/adaptive-card.json",
        "type": "AdaptiveCard",
        "version": "1.4",
        "body": [{"type": "TextBlock", "text": text, "wrap": True}],
    }
    return {
        "type": "message",
        "attachments": [
            {"contentType": "application/vnd.microsoft.card.adaptive", "content": card}
        ],
    }


def _send_webhook(notifier: WebhookNotifier, briefing: Briefing, full_link: str | None) -> None:
    key = delivery_key(briefing)
    payload = {
        "id": key,
        "briefing": briefing.name,
        "start": briefing.start.isoformat(),
        "end": briefing.end.isoformat(),
        "stories": len(briefing.stories),
        "articles": len(briefing.articles),
        "link": full_link,
        "text": render_md(briefing, full_link),
    }
    body = json.dumps(payload, ensure_ascii=False).encode("utf-8")
    timestamp = str(int(time.time()))
    headers = {"Idempotency-Key": key, DELIVERY_HEADER: key, TIMESTAMP_HEADER: timestamp}
    settings = notifier.settings
    if settings.secret_env:
        secret = notifier.secret(settings.secret_env, "signing secret")
        headers[SIGNATURE_HEADER] = sign_webhook(secret, timestamp, body)
    url = notifier.target_url()
    post_json(notifier.name, url, None, body=body, headers=headers, timeout=settings.timeout)
