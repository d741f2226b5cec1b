"""The words newswatch uses everywhere, each defined once: kinds, modes, types, the time zone.

Config models, extraction, the index templates' readers and the command line
import these names instead of spelling the values again.
"""

from __future__ import annotations

from datetime import datetime
from typing import Literal, get_args
from zoneinfo import ZoneInfo

# What an article is; the index keeps it in the `kind` keyword field.
ArticleKind = Literal["news", "blog", "press"]
# `snippet`: a source whose terms allow only a teaser; its full text is never stored.
ContentMode = Literal["full", "snippet"]
# The `type:` of a source in the config, one spider each (crawler/spiders/__init__.py).
SourceType = Literal["feed", "sitemap", "site", "search", "blog"]
# The `type:` of a notifier in the config, one module each (scheduler/alerts/notifiers/).
NotifierType = Literal["webhook", "slack", "discord", "teams", "email", "telegram"]
# Search portals a `search` source can query (crawler/spiders/portals.py).
PortalEngine = Literal["google_news", "naver_news", "naver_blog", "daum_web", "daum_blog"]

ARTICLE_KINDS: tuple[ArticleKind, ...] = get_args(ArticleKind)
SOURCE_TYPES: tuple[SourceType, ...] = get_args(SourceType)
NOTIFIER_TYPES: tuple[NotifierType, ...] = get_args(NotifierType)

# Korean news is written, scheduled and read in Korea Standard Time; cron
# schedules and people's tables use it too.
SEOUL = ZoneInfo("Asia/Seoul")

# The markers the engine puts around matched words in highlighted snippets.
HIGHLIGHT_PRE, HIGHLIGHT_POST = "<em>", "</em>"


def in_seoul(moment: datetime) -> datetime:
    """The rule for times without a zone: a naive time is Asia/Seoul (aware ones are kept)."""
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=SEOUL)
