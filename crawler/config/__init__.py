"""Load and validate the one YAML configuration file.

Unknown keys are rejected, and every error names the file and the field
(`newswatch.yaml: sources[1].schedule: ...`), because a typo in a config that
runs for months unattended must fail loudly at load time, not silently later.
Secrets never live here: only the names of environment variables that hold them.

One module per section: search, crawl (with gazetteer), sources, alerts
(notifiers and watches); shared field types in fields, error wording in errors.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import yaml
from pydantic import Field, ValidationError, model_validator

from crawler.config.alerts import (
    EmailNotifierConfig,
    NotifierConfig,
    WatchConfig,
    WebhookNotifierConfig,
    notifier_config,
)
from crawler.config.crawl import CrawlConfig, GazetteerConfig
from crawler.config.errors import ConfigError, describe_validation_error
from crawler.config.fields import IntervalSchedule, Strict, parse_interval, validate_cron
from crawler.config.search import (
    ENGINE_PORT_ENV,
    LOCAL_ENGINE_PORT,
    SEARCH_URL_ENV,
    SearchConfig,
    local_engine_port,
    local_engine_url,
)
from crawler.config.sources import (
    BlogSource,
    FeedSource,
    SearchSource,
    SitemapSource,
    SiteSource,
    Source,
)

__all__ = [
    "CONFIG_ENV",
    "DEFAULT_CONFIG_FILE",
    "ENGINE_PORT_ENV",
    "LOCAL_ENGINE_PORT",
    "SEARCH_URL_ENV",
    "BlogSource",
    "Config",
    "ConfigError",
    "CrawlConfig",
    "EmailNotifierConfig",
    "FeedSource",
    "GazetteerConfig",
    "IntervalSchedule",
    "NotifierConfig",
    "SearchConfig",
    "SearchSource",
    "SiteSource",
    "SitemapSource",
    "Source",
    "WatchConfig",
    "WebhookNotifierConfig",
    "config_path",
    "load_config",
    "local_engine_port",
    "local_engine_url",
    "notifier_config",
    "parse_config",
    "parse_interval",
    "validate_cron",
]

DEFAULT_CONFIG_FILE = "newswatch.yaml"
CONFIG_ENV = "NEWSWATCH_CONFIG"


class Config(Strict):
    search: SearchConfig = Field(default_factory=SearchConfig)
    crawl: CrawlConfig = Field(default_factory=CrawlConfig)
    # Topic group name → keywords. None means "use the built-in mission topics".
    topics: dict[str, list[str]] | None = None
    gazetteer: GazetteerConfig = Field(default_factory=GazetteerConfig)
    sources: list[Source] = Field(default_factory=list)
    watches: list[WatchConfig] = Field(default_factory=list)
    notifiers: dict[str, NotifierConfig] = Field(default_factory=dict)

    @model_validator(mode="after")
    def _cross_references(self) -> Config:
        _require_unique([s.name for s in self.sources], "sources", "source name")
        _require_unique([w.name for w in self.watches], "watches", "watch name")
        for name in self.crawl.health_notify:
            if name not in self.notifiers:
                raise ValueError(
                    f"crawl.health_notify: unknown notifier {name!r} "
                    f"(known: {', '.join(sorted(self.notifiers)) or 'none'})"
                )
        for watch in self.watches:
            for name in watch.notify:
                if name not in self.notifiers:
                    raise ValueError(
                        f"watches[name={watch.name}].notify: unknown notifier {name!r} "
                        f"(known: {', '.join(sorted(self.notifiers)) or 'none'})"
                    )
        return self


def _require_unique(names: list[str], field: str, what: str) -> None:
    seen: set[str] = set()
    for i, name in enumerate(names):
        if name in seen:
            raise ValueError(f"{field}[{i}].name: duplicate {what} {name!r}")
        seen.add(name)


def config_path(explicit: str | Path | None = None) -> tuple[Path, bool]:
    """The config file to read, and whether the user named it (then it must exist)."""
    if explicit:
        return Path(explicit), True
    if os.environ.get(CONFIG_ENV):
        return Path(os.environ[CONFIG_ENV]), True
    return Path(DEFAULT_CONFIG_FILE), False


class UniqueKeyLoader(yaml.SafeLoader):
    """SafeLoader that refuses a key given twice in one mapping (YAML keeps the last, silently)."""

    def construct_mapping(self, node: yaml.MappingNode, deep: bool = False) -> dict[Any, Any]:
        seen: set[Any] = set()
        for key_node, _ in node.value:
            key = self.construct_object(key_node, deep=deep)
            if isinstance(key, str | int | float | bool) and key in seen:
                mark = key_node.start_mark
                raise yaml.constructor.ConstructorError(
                    None, None, f"duplicate key {key!r} (line {mark.line + 1}): keep one", mark
                )
            seen.add(key)
        return super().construct_mapping(node, deep=deep)


def load_config(explicit: str | Path | None = None) -> Config:
    """Read and validate the config; a missing default file means all defaults."""
    path, named = config_path(explicit)
    if not path.exists():
        if named:
            raise ConfigError(f"{path}: config file not found")
        return Config()
    try:
        raw = yaml.load(path.read_text(encoding="utf-8"), Loader=UniqueKeyLoader)
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(f"{path}: cannot read config file: {exc}") from None
    except yaml.YAMLError as exc:
        raise ConfigError(f"{path}: not valid YAML: {exc}") from None
    return parse_config(raw, path)


def parse_config(raw: Any, path: Path | str = "<config>") -> Config:
    if raw is None:
        raw = {}
    if not isinstance(raw, dict):
        raise ConfigError(f"{path}: the top level must be a mapping, got {type(raw).__name__}")
    try:
        return Config.model_validate(raw)
    except ValidationError as exc:
        raise ConfigError(f"{path}: {describe_validation_error(exc, Config, raw)}") from None
