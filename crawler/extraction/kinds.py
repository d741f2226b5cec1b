"""news / blog / press: from the platform first, then page signals."""

from __future__ import annotations

import re
from typing import Any

from crawler.extraction.platforms import SiteRule
from crawler.vocabulary import ArticleKind

__all__ = ["detect_kind"]

# Platforms whose host alone settles the kind (a Tistory post is a blog post even
# when its JSON-LD says NewsArticle, which some skins emit for every post).
HOST_DECIDES = frozenset(
    {"naver_blog", "naver_news", "daum_news", "brunch", "korea_kr", "tistory", "city_hall_board"}
)
JSON_LD_KINDS: dict[str, ArticleKind] = {
    "NewsArticle": "news", "ReportageNews": "news", "AnalysisNewsArticle": "news",
    "OpinionNewsArticle": "news", "BlogPosting": "blog", "SocialMediaPosting": "blog",
}  # fmt: skip
# Government hosts publish press releases (보도자료), not news.
_GOVERNMENT_HOST = re.compile(r"(\.go\.kr|(^|\.)korea\.kr)$")
_PRESS_WORDS = re.compile(r"보도자료|보도 자료|press release", re.I)  # "press release"


def detect_kind(
    rule: SiteRule | None,
    host: str,
    json_ld: dict[str, Any] | None,
    section: str | None,
    title: str,
) -> ArticleKind:
    """Platform that decides → government host → JSON-LD type → press words → rule → news."""
    if rule is not None and rule.name in HOST_DECIDES:
        return rule.kind
    if _GOVERNMENT_HOST.search(host):
        return "press"
    types = json_ld.get("@type", []) if json_ld else []
    for name in [types] if isinstance(types, str) else types:
        if name in JSON_LD_KINDS:
            return JSON_LD_KINDS[name]
    if _PRESS_WORDS.search(f"{section or ''} {title}"):
        return "press"
    return rule.kind if rule is not None else "news"
