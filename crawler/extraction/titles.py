"""Headline clean-up: drop the outlet's name around the title, keep editorial tags.

"[속보] 대구시장 항저우 방문 - 연합뉴스" → "[속보] 대구시장 항저우 방문".
"""

from __future__ import annotations

import html
import re

from crawler.extraction.authors import KNOWN_OUTLETS

__all__ = ["clean_title", "strip_site_name"]

# Separators CMSs put between the headline and the site's name.
TITLE_SEPARATORS = (" - ", " | ", " :: ", " : ", " – ", " — ", " < ", " > ", " · ")

# Site names that appear around titles without matching og:site_name exactly.
KNOWN_SITE_SUFFIXES = (
    "네이버 블로그", "네이버 뉴스", "Daum 뉴스", "다음뉴스", "브런치스토리", "브런치",
    "대한민국 정책브리핑", "티스토리", "TISTORY", "네이버 포스트",
)  # fmt: skip

# A trailing part this long or longer is headline text, not a site name (the
# longest Korean outlet names, "한국경제TV 와우스타", are about 12 characters).
_MAX_SITE_NAME_CHARS = 20

_SPACES = re.compile(r"\s+")


def normalize_space(text: str) -> str:
    return _SPACES.sub(" ", text).strip()


def is_site_name(part: str, site_names: tuple[str, ...]) -> bool:
    part = part.strip().strip("[]<>()").strip()
    if not part:
        return True
    lowered = part.lower()
    for name in (*site_names, *KNOWN_SITE_SUFFIXES, *KNOWN_OUTLETS):
        name = name.strip().lower()
        if name and (lowered == name or (len(part) <= _MAX_SITE_NAME_CHARS and name in lowered)):
            return True
    return False


def strip_site_name(title: str, site_names: tuple[str, ...]) -> str:
    """Remove a leading or trailing site name separated by a common separator."""
    changed = True
    while changed:
        changed = False
        for sep in TITLE_SEPARATORS:
            head, _, tail = title.rpartition(sep)
            if head and is_site_name(tail, site_names):
                title, changed = head.strip(), True
                break
            first, _, rest = title.partition(sep)
            if rest and is_site_name(first, site_names):
                title, changed = rest.strip(), True
                break
    # "[연합뉴스] 제목" — a bracketed outlet prefix (but "[속보]" is not a site name).
    match = re.match(r"^\[([^\]]{1,20})\]\s*(.+)$", title)
    if match and is_site_name(match.group(1), site_names) and site_names:
        title = match.group(2)
    return title


def clean_title(raw: str | None, site_names: tuple[str, ...] = ()) -> str | None:
    """Whitespace-normalized headline without the outlet's name, or None when empty."""
    if not raw:
        return None
    # Some CMSs escape twice: og:title content="&amp;quot;..." reads as "&quot;".
    raw = html.unescape(raw) if "&" in raw else raw
    title = strip_site_name(normalize_space(raw), tuple(n for n in site_names if n))
    return title or None
