"""`briefings:`: scheduled clipping reports (scheduler/briefing/), each with its sections
(queries in the one query language), notifiers and formats."""

from __future__ import annotations

import re
from typing import Literal

from pydantic import Field, PrivateAttr, field_validator, model_validator

from crawler.config.fields import Strict, parse_interval, validate_cron
from crawler.query.syntax import Node, QuerySyntaxError, parse_query

BriefingFormat = Literal["html", "pdf", "xlsx", "md"]
DEFAULT_FORMATS: tuple[BriefingFormat, ...] = ("html", "pdf", "xlsx")
# "since_last": from the end of the previous briefing of the same name (or a day
# before, for the first one); otherwise a window ending now, such as 24h or 7d.
SINCE_LAST = "since_last"


class BriefingSection(Strict):
    title: str = Field(min_length=1, max_length=200)
    # The one query language (crawler/query/); the first section a story matches
    # takes it, stories matching none go to "other". since:/until: count back from
    # the briefing's end.
    query: str = Field(min_length=1)
    # The query parsed once, when the config is loaded; the briefing compiles it.
    _parsed: Node | None = PrivateAttr(default=None)

    @model_validator(mode="after")
    def _query_parses(self) -> BriefingSection:
        try:
            self._parsed = parse_query(self.query)
        except QuerySyntaxError as exc:
            raise ValueError(f"section {self.title!r}: query {self.query!r}: {exc}") from None
        return self

    @property
    def parsed_query(self) -> Node:
        assert self._parsed is not None  # set by the validator, which always runs
        return self._parsed


class BriefingConfig(Strict):
    name: str = Field(min_length=1, pattern=r"^[A-Za-z0-9_.-]+$")
    # Cron in Asia/Seoul ("0 7 * * mon-fri"); None: only on demand (`newswatch brief`).
    schedule: str | None = None
    period: str = SINCE_LAST
    sections: list[BriefingSection] = Field(default_factory=list)
    notify: list[str] = Field(default_factory=list)
    formats: list[BriefingFormat] = Field(default_factory=lambda: list(DEFAULT_FORMATS))
    # Title printed on top of the document; default "<name> briefing".
    title: str | None = None
    # Where the archived briefings are published (an intranet folder served over
    # HTTP): chat channels get `<link>/<file>` to the full document.
    link: str | None = None
    # Articles below this relevance are left out; None: every indexed article.
    min_relevance: float | None = Field(default=None, ge=0)

    @field_validator("schedule")
    @classmethod
    def _cron_is_valid(cls, value: str | None) -> str | None:
        if value is not None:
            validate_cron(value)
        return value

    @field_validator("period")
    @classmethod
    def _period_format(cls, value: str) -> str:
        if value != SINCE_LAST:
            try:
                parse_interval(value)
            except ValueError as exc:
                raise ValueError(f"must be {SINCE_LAST} or a window such as 24h: {exc}") from None
        return value

    @field_validator("link")
    @classmethod
    def _link_is_http(cls, value: str | None) -> str | None:
        if value is not None and not re.match(r"^https?://[^/\s]+", value):
            raise ValueError(f"must be an http(s) URL, got {value!r}")
        return value

    @property
    def heading(self) -> str:
        return self.title or f"{self.name} briefing"
