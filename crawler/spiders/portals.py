"""Search portals: request builders and response parsers for `search` sources.

Pure functions, no network: the search spider turns a `PortalRequest` into a
Scrapy request and hands the body back to `parse_response`. Engines:

- google_news: the public RSS search (no key; about 100 newest items, no paging).
- naver_news / naver_blog: Naver Search API (X-Naver-Client-Id/-Secret from
  NAVER_CLIENT_ID / NAVER_CLIENT_SECRET); 100 per page, `start` ≤ 1000.
- daum_web / daum_blog: Kakao (Daum) search API (`Authorization: KakaoAK <key>`
  from KAKAO_REST_API_KEY); 50 per page, page ≤ 50.

Results are newest first, so paging stops at the first result we already
hold (`iterate_until_seen`), and calls are metered against a daily budget
spread over the day (`calls_allowed_now`).
"""

from __future__ import annotations

import html
import json
import logging
import math
import re
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from typing import Any
from urllib.parse import urlencode

import feedparser

from crawler.vocabulary import SEOUL, PortalEngine, in_seoul

__all__ = [
    "PortalHit",
    "PortalRequest",
    "build_request",
    "calls_allowed_now",
    "engines_available",
    "iterate_until_seen",
    "next_request",
    "parse_response",
]

logger = logging.getLogger(__name__)

NAVER_ID_ENV = "NAVER_CLIENT_ID"
NAVER_SECRET_ENV = "NAVER_CLIENT_SECRET"
KAKAO_KEY_ENV = "KAKAO_REST_API_KEY"
_REQUIRED_ENV: dict[PortalEngine, tuple[str, ...]] = {
    "google_news": (),
    "naver_news": (NAVER_ID_ENV, NAVER_SECRET_ENV),
    "naver_blog": (NAVER_ID_ENV, NAVER_SECRET_ENV),
    "daum_web": (KAKAO_KEY_ENV,),
    "daum_blog": (KAKAO_KEY_ENV,),
}

GOOGLE_NEWS_RSS = "https://news.google.com/rss/search"
NAVER_API = "https://openapi.naver.com/v1/search/{kind}.json"
KAKAO_API = "https://dapi.kakao.com/v2/search/{kind}"
# Limits from the APIs' documentation: Naver display ≤ 100 and start ≤ 1000
# (so at most 1,000 results per query); Kakao size ≤ 50 and page ≤ 50.
NAVER_DISPLAY = 100
NAVER_MAX_START = 1000
KAKAO_SIZE = 50
KAKAO_MAX_PAGE = 50

_TAG = re.compile(r"<[^>]+>")


@dataclass(frozen=True)
class PortalHit:
    url: str
    title: str
    snippet: str
    published: datetime | None
    engine: PortalEngine
    # The outlet or blog name when the portal gives one (Google News <source>, Naver bloggername).
    source: str | None = None


@dataclass(frozen=True)
class PortalRequest:
    engine: PortalEngine
    query: str
    url: str
    headers: Mapping[str, str] = field(default_factory=dict)
    # Naver `start` (1-based item offset) or Kakao `page` (1-based page number).
    position: int = 1


class MissingCredentials(Exception):
    """An engine was asked for without the environment variables it needs."""


# --- engines and credentials ---------------------------------------------------


def engines_available(
    engines: Iterable[PortalEngine], env: Mapping[str, str]
) -> tuple[list[PortalEngine], list[tuple[PortalEngine, str]]]:
    """(usable engines, [(skipped engine, reason)]); logs one line when any is skipped."""
    usable: list[PortalEngine] = []
    skipped: list[tuple[PortalEngine, str]] = []
    for engine in dict.fromkeys(engines):
        missing = [name for name in _REQUIRED_ENV[engine] if not env.get(name)]
        if missing:
            skipped.append((engine, f"{' and '.join(missing)} not set"))
        else:
            usable.append(engine)
    if skipped:
        logger.warning(
            "search engines skipped: %s",
            "; ".join(f"{engine} ({reason})" for engine, reason in skipped),
        )
    return usable, skipped


def _credential(env: Mapping[str, str], name: str, engine: PortalEngine) -> str:
    value = env.get(name)
    if not value:
        raise MissingCredentials(f"{engine}: environment variable {name} is not set")
    return value


# --- requests ------------------------------------------------------------------


def build_request(
    engine: PortalEngine, query: str, env: Mapping[str, str], position: int = 1
) -> PortalRequest:
    """The request for one page of results; `position` is Naver's start or Kakao's page."""
    if engine == "google_news":
        return PortalRequest(engine, query, google_news_url(query))
    if engine in ("naver_news", "naver_blog"):
        return _naver_request(engine, query, env, position)
    return _kakao_request(engine, query, env, position)


def google_news_url(query: str) -> str:
    params = {"q": query, "hl": "ko", "gl": "KR", "ceid": "KR:ko"}
    return f"{GOOGLE_NEWS_RSS}?{urlencode(params)}"


def _naver_request(
    engine: PortalEngine, query: str, env: Mapping[str, str], start: int
) -> PortalRequest:
    if not 1 <= start <= NAVER_MAX_START:
        raise ValueError(f"{engine}: start must be 1..{NAVER_MAX_START}, got {start}")
    params = {"query": query, "display": NAVER_DISPLAY, "start": start, "sort": "date"}
    kind = engine.removeprefix("naver_")
    headers = {
        "X-Naver-Client-Id": _credential(env, NAVER_ID_ENV, engine),
        "X-Naver-Client-Secret": _credential(env, NAVER_SECRET_ENV, engine),
    }
    url = f"{NAVER_API.format(kind=kind)}?{urlencode(params)}"
    return PortalRequest(engine, query, url, headers, start)


def _kakao_request(
    engine: PortalEngine, query: str, env: Mapping[str, str], page: int
) -> PortalRequest:
    if not 1 <= page <= KAKAO_MAX_PAGE:
        raise ValueError(f"{engine}: page must be 1..{KAKAO_MAX_PAGE}, got {page}")
    params = {"query": query, "sort": "recency", "page": page, "size": KAKAO_SIZE}
    kind = engine.removeprefix("daum_")
    headers = {"Authorization": f"KakaoAK {_credential(env, KAKAO_KEY_ENV, engine)}"}
    url = f"{KAKAO_API.format(kind=kind)}?{urlencode(params)}"
    return PortalRequest(engine, query, url, headers, page)


def next_request(
    previous: PortalRequest, body: bytes, env: Mapping[str, str]
) -> PortalRequest | None:
    """The following page, or None when the portal has no more (or we may not ask)."""
    if previous.engine == "google_news":
        return None
    data = _json(body)
    if previous.engine in ("naver_news", "naver_blog"):
        returned = len(data.get("items") or [])
        start = previous.position + NAVER_DISPLAY
        if returned < NAVER_DISPLAY or start > NAVER_MAX_START:
            return None
        return build_request(previous.engine, previous.query, env, start)
    meta = data.get("meta") or {}
    page = previous.position + 1
    if meta.get("is_end", True) or page > KAKAO_MAX_PAGE:
        return None
    return build_request(previous.engine, previous.query, env, page)


# --- responses -----------------------------------------------------------------


def parse_response(engine: PortalEngine, body: bytes) -> list[PortalHit]:
    if engine == "google_news":
        return parse_google_news(body)
    if engine in ("naver_news", "naver_blog"):
        return parse_naver(engine, body)
    return parse_kakao(engine, body)


def parse_google_news(body: bytes) -> list[PortalHit]:
    """Google News RSS. Links are news.google.com redirect URLs, not the outlet's;
    titles end in " - <outlet>", which goes to `source`."""
    feed = feedparser.parse(body)
    hits = []
    for entry in feed.entries:
        link = str(entry.get("link") or "")
        if not link:
            continue
        source = _google_source(entry)
        title = clean_text(str(entry.get("title") or ""))
        if source and title.endswith(f" - {source}"):
            title = title[: -len(source) - 3]
        snippet = clean_text(str(entry.get("summary") or ""))
        published = _struct_time_to_datetime(entry.get("published_parsed"))
        hits.append(PortalHit(link, title, snippet, published, "google_news", source))
    return hits


def _google_source(entry: Any) -> str | None:
    source = entry.get("source")
    title = source.get("title") if isinstance(source, Mapping) else None
    return (str(title).strip() or None) if title else None


def _struct_time_to_datetime(value: Any) -> datetime | None:
    # feedparser normalizes every date it understands to a UTC struct_time.
    if not value:
        return None
    year, month, day, hour, minute, second = value[:6]
    return datetime(year, month, day, hour, minute, second, tzinfo=UTC)


def parse_naver(engine: PortalEngine, body: bytes) -> list[PortalHit]:
    """Naver Search API JSON. News items prefer `originallink` (the outlet's own
    URL, which feeds also give us) over Naver's copy in `link`."""
    hits = []
    for item in _json(body).get("items") or []:
        url = str(item.get("originallink") or item.get("link") or "")
        if not url:
            continue
        if engine == "naver_news":
            published = _rfc822(item.get("pubDate"))
            source = None
        else:
            published = _yyyymmdd(item.get("postdate"))
            source = clean_text(str(item.get("bloggername") or "")) or None
        title = clean_text(str(item.get("title") or ""))
        snippet = clean_text(str(item.get("description") or ""))
        hits.append(PortalHit(url, title, snippet, published, engine, source))
    return hits


def parse_kakao(engine: PortalEngine, body: bytes) -> list[PortalHit]:
    """Kakao (Daum) search API JSON: `documents` with ISO 8601 `datetime`."""
    hits = []
    for doc in _json(body).get("documents") or []:
        url = str(doc.get("url") or "")
        if not url:
            continue
        source = clean_text(str(doc.get("blogname") or "")) or None
        hits.append(
            PortalHit(
                url,
                clean_text(str(doc.get("title") or "")),
                clean_text(str(doc.get("contents") or "")),
                _iso(doc.get("datetime")),
                engine,
                source,
            )
        )
    return hits


def clean_text(value: str) -> str:
    """Drop the <b> highlight tags portals wrap around query terms, unescape entities."""
    return " ".join(html.unescape(_TAG.sub("", value)).split())


def _json(body: bytes) -> dict[str, Any]:
    data = json.loads(body.decode("utf-8"))
    if not isinstance(data, dict):
        raise ValueError(f"expected a JSON object, got {type(data).__name__}")
    return data


def _rfc822(value: Any) -> datetime | None:
    try:
        return parsedate_to_datetime(str(value)) if value else None
    except (TypeError, ValueError):
        return None


def _yyyymmdd(value: Any) -> datetime | None:
    """Naver blog `postdate` has no time: midnight KST of that day."""
    try:
        return in_seoul(datetime.strptime(str(value), "%Y%m%d")) if value else None
    except ValueError:
        return None


def _iso(value: Any) -> datetime | None:
    try:
        return datetime.fromisoformat(str(value)) if value else None
    except ValueError:
        return None


# --- paging and budget -----------------------------------------------------------


def iterate_until_seen(
    hits: Iterable[PortalHit], seen: Callable[[str], bool]
) -> Iterator[PortalHit]:
    """Yield hits up to (not including) the first one already seen.

    Portals return newest first, so the first known URL means the rest of
    this page and every later page were collected by an earlier run. The
    caller stops paging when this yields fewer hits than the page held.
    """
    for hit in hits:
        if seen(hit.url):
            return
        yield hit


def calls_allowed_now(budget_per_day: int, used_today: int, now: datetime) -> int:
    """How many portal calls may be made now without starving later runs.

    The budget is released in 24 equal hourly slices of the Korean day (the
    portals' quotas reset at midnight KST): by the end of hour h, (h + 1)/24 of
    the budget is available, minus what was used today. A 07:00 burst gets
    8/24 of the day's calls, not all of them; allowance not used in a quiet
    hour carries over to later hours. `now` must be timezone-aware.
    """
    if now.tzinfo is None:
        raise ValueError("calls_allowed_now needs a timezone-aware `now`")
    hour = now.astimezone(SEOUL).hour
    released = math.floor(budget_per_day * (hour + 1) / 24)
    return max(0, released - used_today)
