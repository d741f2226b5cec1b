"""`notifiers:` (one model per channel, a union on `type`) and `watches:`.

A new channel is one model here, one module in scheduler/alerts/notifiers/ and
one line in each registry (`NotifierConfig` below, `NOTIFIER_CLASSES` there).
"""

from __future__ import annotations

import re
from typing import Annotated, Any, Literal

from pydantic import Field, PrivateAttr, TypeAdapter, model_validator

from crawler.config.fields import Strict, validate_cron
from crawler.query.syntax import Node, WatchSyntaxError, parse_watch_query


class NotifierSettings(Strict):
    # Seconds per delivery attempt; a channel slower than this is treated as down and retried.
    timeout: float = Field(default=10.0, gt=0, le=120)

    def secret_variables(self) -> list[tuple[str, str]]:
        """(environment variable, what it holds) for every secret this channel reads."""
        return []


def _check_http_url(url: str | None) -> None:
    if url is not None and not re.match(r"^https?://[^/\s]+", url):
        raise ValueError(f"url must be an http(s) URL, got {url!r}")


class UrlChannelSettings(NotifierSettings):
    """A channel that posts to one URL: `url`, or `url_env` when the URL is itself a secret."""

    url: str | None = None
    url_env: str | None = None

    @model_validator(mode="after")
    def _has_url(self) -> UrlChannelSettings:
        if not (self.url or self.url_env):
            raise ValueError(f"a {getattr(self, 'type', 'url')} notifier needs url or url_env")
        _check_http_url(self.url)
        return self

    def secret_variables(self) -> list[tuple[str, str]]:
        return [(self.url_env, "url")] if self.url is None and self.url_env else []


class WebhookNotifierConfig(UrlChannelSettings):
    type: Literal["webhook"]
    # HMAC-SHA256 signing secret.
    secret_env: str | None = None

    def secret_variables(self) -> list[tuple[str, str]]:
        signing = [(self.secret_env, "signing secret")] if self.secret_env else []
        return super().secret_variables() + signing


class SlackNotifierConfig(UrlChannelSettings):
    type: Literal["slack"]


class DiscordNotifierConfig(UrlChannelSettings):
    type: Literal["discord"]


class TeamsNotifierConfig(UrlChannelSettings):
    type: Literal["teams"]


class EmailNotifierConfig(NotifierSettings):
    type: Literal["email"]
    host: str | None = None
    # 587: the SMTP submission port, where STARTTLS is the norm.
    port: int = Field(default=587, ge=1, le=65535)
    starttls: bool = True
    username_env: str | None = None
    password_env: str | None = None
    sender: str | None = None
    to: list[str] = Field(default_factory=list)

    @model_validator(mode="after")
    def _has_server_and_people(self) -> EmailNotifierConfig:
        if not (self.host and self.sender and self.to):
            raise ValueError("an email notifier needs host, sender and to")
        if self.username_env and not self.password_env:
            raise ValueError("username_env needs password_env (SMTP logs in with both)")
        return self

    def secret_variables(self) -> list[tuple[str, str]]:
        if not self.username_env:
            return []
        return [(self.username_env, "SMTP user"), (self.password_env or "", "SMTP password")]


class TelegramNotifierConfig(NotifierSettings):
    type: Literal["telegram"]
    # The Bot API base; default https://api.telegram.org.
    url: str | None = None
    token_env: str | None = None
    chat_id: str | None = None

    @model_validator(mode="after")
    def _has_bot_and_chat(self) -> TelegramNotifierConfig:
        if not (self.token_env and self.chat_id):
            raise ValueError("a telegram notifier needs token_env and chat_id")
        _check_http_url(self.url)
        return self

    def secret_variables(self) -> list[tuple[str, str]]:
        return [(self.token_env or "", "bot token")]


NotifierConfig = Annotated[
    WebhookNotifierConfig
    | SlackNotifierConfig
    | DiscordNotifierConfig
    | TeamsNotifierConfig
    | EmailNotifierConfig
    | TelegramNotifierConfig,
    Field(discriminator="type"),
]
_NOTIFIER_ADAPTER: TypeAdapter[NotifierConfig] = TypeAdapter(NotifierConfig)


def notifier_config(**fields: Any) -> NotifierConfig:
    """One notifier's settings from keyword fields, validated as the config file's are."""
    return _NOTIFIER_ADAPTER.validate_python(fields)


class WatchConfig(Strict):
    name: str = Field(min_length=1, max_length=200)
    query: str = Field(min_length=1)
    notify: list[str] = Field(default_factory=list)
    mode: Literal["immediate", "digest"] = "immediate"
    # Cron (Asia/Seoul) of digest messages, e.g. "0 9 * * mon-fri"; required for mode digest.
    digest_schedule: str | None = None
    min_relevance: float | None = Field(default=None, ge=0)
    # The query parsed once, when the config is loaded; alerts compile and mark from it.
    _parsed: Node | None = PrivateAttr(default=None)

    @model_validator(mode="after")
    def _query_and_schedule(self) -> WatchConfig:
        try:
            self._parsed = parse_watch_query(self.query)
        except WatchSyntaxError as exc:
            raise ValueError(f"watch {self.name!r}: query {self.query!r}: {exc}") from None
        if self.mode == "digest" and not self.digest_schedule:
            raise ValueError(f"watch {self.name!r}: mode digest needs digest_schedule (a cron)")
        if self.mode == "immediate" and self.digest_schedule:
            raise ValueError(f"watch {self.name!r}: digest_schedule is only for mode digest")
        if self.digest_schedule:
            validate_cron(self.digest_schedule)
        return self

    @property
    def parsed_query(self) -> Node:
        assert self._parsed is not None  # set by the validator, which always runs
        return self._parsed
