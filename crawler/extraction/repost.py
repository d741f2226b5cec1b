"""Repost detection: a blog post that copies a news article, and where it came from.

Signals, strongest first: a link labelled 출처/원문/기사원문 (source / original),
an outlet named after such a label, an outlet in the blog's byline ("내일신문
전팀장"), and a copied wire lead ("(서울=연합뉴스) 홍길동 기자 =").
A 출처 label that names no outlet ("출처 : 중국 스마트시티 백서", a cited
report) is not evidence of a repost.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from urllib.parse import urljoin, urlsplit

from lxml.html import HtmlElement

from crawler.extraction.authors import is_outlet

__all__ = ["Repost", "detect_repost"]

# Labels announcing the original article: source, original text, read the original.
SOURCE_LABELS = re.compile(
    r"(출처|원문|기사\s*원문|원문\s*보기|기사\s*보기|via|source)\s*[:：]?", re.I
)
# "출처: 연합뉴스" / "[출처] 내일신문" — the outlet right after a source label.
_LABELLED_OUTLET = re.compile(r"(?:출처|원문)\s*[\]:：)]?\s*[:：]?\s*\[?([가-힣A-Za-z0-9]{2,12})")
# Wire-style lead "(서울=연합뉴스)" or "[대구=내일신문]".
_WIRE_LEAD = re.compile(r"^\s*[(\[]\s*[가-힣]{1,6}\s*=\s*([가-힣A-Za-z0-9]{2,12})\s*[)\]]")
# How far into the text a source line is looked for; reposts cite at the very top
# or the very bottom, so the first and last 400 characters suffice.
_EDGE_CHARS = 400


@dataclass(frozen=True, slots=True)
class Repost:
    outlet: str | None = None
    url: str | None = None


def find_source_link(container: HtmlElement | None, page_url: str) -> str | None:
    """href of a link labelled (or preceded by) 출처/원문 that leaves the blog's host."""
    if container is None:
        return None
    own_host = urlsplit(page_url).hostname or ""
    for link in container.iter("a"):
        href = str(link.get("href") or "").strip()
        if not href.startswith(("http", "/")):
            continue
        absolute = urljoin(page_url, href)
        host = urlsplit(absolute).hostname or ""
        if host == own_host:
            continue
        parent = link.getparent()
        context = " ".join(
            [link.text_content(), parent.text_content() if parent is not None else ""]
        )
        if SOURCE_LABELS.search(context):
            return absolute
    return None


def find_labelled_outlet(text: str, outlets: tuple[str, ...]) -> str | None:
    """Outlet named after a 출처/원문 label near the start or end of the text."""
    for edge in (text[:_EDGE_CHARS], text[-_EDGE_CHARS:]):
        for match in _LABELLED_OUTLET.finditer(edge):
            if is_outlet(match.group(1), outlets):
                return match.group(1)
    return None


def detect_repost(
    text: str,
    container: HtmlElement | None,
    page_url: str,
    byline_outlet: str | None,
    outlets: tuple[str, ...] = (),
) -> Repost:
    """Original outlet and URL of a reposted article, each None when not evident."""
    url = find_source_link(container, page_url)
    outlet = find_labelled_outlet(text, outlets) or byline_outlet
    if outlet is None and (match := _WIRE_LEAD.match(text)):
        outlet = match.group(1) if is_outlet(match.group(1), outlets) else None
    return Repost(outlet, url)
