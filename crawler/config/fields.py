"""Field types several config sections share: strict models, schedules, durations, URLs, cron."""

from __future__ import annotations

import re
from typing import Annotated, Any
from urllib.parse import urlsplit

from apscheduler.triggers.cron import CronTrigger
from pydantic import AfterValidator, BaseModel, ConfigDict, Discriminator, Tag, field_validator

from crawler.vocabulary import SEOUL


class Strict(BaseModel):
    """Unknown keys are errors (a typo must fail at load time); values are read-only."""

    model_config = ConfigDict(extra="forbid", frozen=True)


class IntervalSchedule(Strict):
    interval: str

    @field_validator("interval", mode="before")
    @classmethod
    def _interval_has_unit(cls, value: Any) -> Any:
        if isinstance(value, int | float) and not isinstance(value, bool):
            raise ValueError(f"{value} has no unit: write {value}s (or 15m, 2h, 1d)")
        return value

    @field_validator("interval")
    @classmethod
    def _interval_format(cls, value: str) -> str:
        parse_interval(value)
        return value


def parse_interval(value: str) -> float:
    """'90s', '15m', '2h', '1d' → seconds."""
    match = re.fullmatch(r"\s*(\d+(?:\.\d+)?)\s*([smhd])\s*", value)
    if not match and re.fullmatch(r"\s*\d+(?:\.\d+)?\s*", value):
        raise ValueError(f"{value.strip()} has no unit: write {value.strip()}s (or 15m, 2h, 1d)")
    if not match:
        raise ValueError(f"interval must look like 30s, 15m, 2h or 1d, got {value!r}")
    seconds = float(match.group(1)) * {"s": 1, "m": 60, "h": 3600, "d": 86400}[match.group(2)]
    if seconds <= 0:
        raise ValueError(f"interval must be positive, got {value!r}")
    return seconds


def _schedule_kind(value: Any) -> str | None:
    if isinstance(value, str):
        return "str"
    if isinstance(value, dict | IntervalSchedule):
        return "IntervalSchedule"
    return None


# A cron string or {interval: ...}; the input's shape picks the branch, so an error
# names only the branch the user meant (tags are the labels config_errors hides).
Schedule = Annotated[
    Annotated[str, Tag("str")] | Annotated[IntervalSchedule, Tag("IntervalSchedule")],
    Discriminator(
        _schedule_kind,
        custom_error_type="schedule_shape",
        custom_error_message="must be a cron string ('*/15 * * * *') or {interval: 15m}",
    ),
]


def _http_url(value: str) -> str:
    """A URL the crawler can fetch: http or https, with a host."""
    parts = urlsplit(value.strip())
    if parts.scheme in ("http", "https") and parts.hostname:
        return value
    if not parts.scheme or "://" not in value:
        raise ValueError(f"{value!r} has no scheme: write https://{value.strip().lstrip('/')}")
    if parts.scheme not in ("http", "https"):
        raise ValueError(f"{value!r}: only http and https URLs are crawled, not {parts.scheme}")
    raise ValueError(f"{value!r} has no host name")


HttpUrl = Annotated[str, AfterValidator(_http_url)]


def validate_cron(expression: str) -> None:
    try:
        CronTrigger.from_crontab(expression, timezone=SEOUL)
    except ValueError as exc:
        raise ValueError(f"not a valid cron expression {expression!r}: {exc}") from None


def compiles_regex(pattern: str) -> str:
    try:
        re.compile(pattern)
    except re.error as exc:
        raise ValueError(f"bad regular expression {pattern!r}: {exc}") from None
    return pattern
