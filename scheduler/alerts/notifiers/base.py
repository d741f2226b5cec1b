"""What every notifier shares: the one exception type, secrets from the environment, the registry.

A notifier gets plain values in `__init__` (its name, its settings, an
environment mapping) so tests build one without a config file or a sweep.
`send()` either returns (delivered) or raises `DeliveryError`; the sweep turns
that into a retry with backoff, never into a dropped message.
"""

from __future__ import annotations

import os
from abc import ABC, abstractmethod
from collections.abc import Mapping
from typing import Generic, TypeVar

from crawler.config.alerts import NotifierSettings, UrlChannelSettings
from scheduler.alerts.message import Message


class DeliveryError(Exception):
    """A message was not delivered; it stays queued.

    `retry_after`: the seconds the channel asked us to wait (HTTP 429 Retry-After).
    """

    def __init__(self, message: str, retry_after: float | None = None) -> None:
        super().__init__(message)
        self.retry_after = retry_after


SettingsT = TypeVar("SettingsT", bound=NotifierSettings)
UrlSettingsT = TypeVar("UrlSettingsT", bound=UrlChannelSettings)


class Notifier(ABC, Generic[SettingsT]):
    channel: str = ""
    # True when the receiver can drop a repeated message by its key (the webhook's
    # Idempotency-Key): only then is a send interrupted by a crash re-sent by itself.
    idempotent: bool = False

    def __init__(
        self, name: str, settings: SettingsT, env: Mapping[str, str] | None = None
    ) -> None:
        self.name = name
        self.settings = settings
        self.env: Mapping[str, str] = os.environ if env is None else env

    @abstractmethod
    def send(self, message: Message) -> None:
        """Deliver one message or raise DeliveryError."""

    def secret(self, variable: str | None, what: str) -> str:
        """The value of a named environment variable; a missing one is a delivery error."""
        if not variable:
            raise DeliveryError(f"notifier {self.name!r}: no environment variable named for {what}")
        value = self.env.get(variable)
        if not value:
            raise DeliveryError(
                f"notifier {self.name!r}: environment variable {variable} ({what}) is not set"
            )
        return value


class UrlNotifier(Notifier[UrlSettingsT]):
    """A channel that posts to one URL."""

    def target_url(self) -> str:
        """`url`, or the URL held in the environment variable `url_env`."""
        if self.settings.url:
            return self.settings.url
        return self.secret(self.settings.url_env, "url")
