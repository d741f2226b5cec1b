"""Notifiers, one module per channel; `build_notifier` picks the class for a config entry."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from crawler.config import NotifierConfig
from scheduler.alerts.notifiers.base import DeliveryError, Notifier
from scheduler.alerts.notifiers.discord import DiscordNotifier
from scheduler.alerts.notifiers.email import EmailNotifier
from scheduler.alerts.notifiers.slack import SlackNotifier
from scheduler.alerts.notifiers.teams import TeamsNotifier
from scheduler.alerts.notifiers.telegram import TelegramNotifier
from scheduler.alerts.notifiers.webhook import WebhookNotifier

NOTIFIER_CLASSES: dict[str, type[Notifier[Any]]] = {
    cls.channel: cls
    for cls in (
        WebhookNotifier,
        SlackNotifier,
        DiscordNotifier,
        TeamsNotifier,
        EmailNotifier,
        TelegramNotifier,
    )
}


def build_notifier(
    name: str, settings: NotifierConfig, env: Mapping[str, str] | None = None
) -> Notifier[Any]:
    return NOTIFIER_CLASSES[settings.type](name, settings, env)


__all__ = ["NOTIFIER_CLASSES", "DeliveryError", "Notifier", "build_notifier"]
