"""Page metadata from markup: JSON-LD, OpenGraph/article:*, Dublin Core, <time>, labelled cells.

Everything here reads the tree and never changes it, so it runs before text
extraction (which removes nodes). Values stay raw strings; article.py decides
between candidates.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urljoin

from lxml.html import HtmlElement

__all__ = ["PageMeta", "extract_metadata", "find_json_ld_article"]

# schema.org types that describe one article; WebPage is a last resort.
ARTICLE_TYPES = (
    "NewsArticle", "ReportageNews", "AnalysisNewsArticle", "Article", "BlogPosting",
    "SocialMediaPosting", "Report", "TechArticle", "OpinionNewsArticle",
)  # fmt: skip

# Meta names/properties read, by field, most trusted first (all lower-cased).
META_TITLE = ("og:title", "twitter:title", "dc.title", "dcterms.title", "title")
META_PUBLISHED = (
    "article:published_time", "og:article:published_time", "datepublished", "dc.date.issued",
    "dcterms.issued", "dcterms.created", "dc.date", "dcterms.date", "date", "pubdate",
    "publishdate", "article.published", "parsely-pub-date", "sailthru.date", "og:regdate",
    "og:published_time", "nv:published_time",
)  # fmt: skip
META_MODIFIED = (
    "article:modified_time", "og:article:modified_time", "datemodified", "dcterms.modified",
    "og:updated_time", "last-modified", "article.updated",
)  # fmt: skip
META_AUTHOR = (
    "author",
    "article:author",
    "dc.creator",
    "dcterms.creator",
    "byl",
    "sailthru.author",
    "parsely-author",
    "naverblog:nickname",
    "og:article:author",
)
META_SITE = ("og:site_name", "application-name", "twitter:site", "dc.publisher")
META_SECTION = ("article:section", "og:article:section", "section", "parsely-section")
META_IMAGE = ("og:image", "og:image:url", "twitter:image", "image")
META_KEYWORDS = ("article:tag", "news_keywords", "keywords")
META_LANG = ("content-language", "dc.language", "og:locale", "language")

# Attributes that name a <meta> tag's value.
_META_KEY_ATTRIBUTES = ("property", "name", "itemprop", "http-equiv")
# Labels of metadata cells on board pages (th/dt → td/dd), Korean with English gloss.
CELL_LABELS = {
    "제목": "title",  # title
    # writer, department
    "작성자": "author", "글쓴이": "author", "담당부서": "author", "부서": "author",
    # posted / registered
    "등록일": "published", "작성일": "published", "게시일": "published", "등록일시": "published",
    "수정일": "modified",  # modified
}  # fmt: skip


@dataclass(slots=True)
class PageMeta:
    """Raw metadata candidates from one page."""

    meta: dict[str, list[str]] = field(default_factory=dict)
    json_ld: dict[str, Any] | None = None
    json_ld_objects: list[dict[str, Any]] = field(default_factory=list)
    cells: dict[str, str] = field(default_factory=dict)
    canonical: str | None = None
    lang: str | None = None
    times: list[tuple[str, str]] = field(default_factory=list)  # (datetime attr, class/itemprop)
    next_data: str | None = None
    title_tag: str | None = None
    h1: list[str] = field(default_factory=list)

    def first(self, names: tuple[str, ...]) -> str | None:
        """First non-empty meta value among `names`."""
        for name in names:
            for value in self.meta.get(name, ()):
                if value.strip():
                    return value.strip()
        return None

    def every(self, names: tuple[str, ...]) -> list[str]:
        return [v.strip() for name in names for v in self.meta.get(name, ()) if v.strip()]

    def ld(self, key: str) -> Any:
        return self.json_ld.get(key) if self.json_ld else None


def read_meta_tags(root: HtmlElement) -> dict[str, list[str]]:
    """All <meta name|property|itemprop|http-equiv content> pairs, keys lower-cased."""
    found: dict[str, list[str]] = {}
    for el in root.iter("meta"):
        content = el.get("content")
        # Every naming attribute counts: NYT writes property="article:published"
        # itemprop="datePublished" on one tag, and only the itemprop is a known name.
        keys = {(el.get(a) or "").strip().lower() for a in _META_KEY_ATTRIBUTES} - {""}
        for key in sorted(keys) if content is not None else ():
            found.setdefault(key, []).append(content)
    return found


def parse_json_ld(raw: str) -> Any:
    """JSON-LD payload, tolerating the trailing commas and raw newlines CMSs emit."""
    try:
        return json.loads(raw)
    except RecursionError:  # nested past Python's limit (a hostile page): no metadata
        return None
    except ValueError:
        repaired = re.sub(r",\s*([}\]])", r"\1", raw.replace("\n", " ").replace("\t", " "))
        try:
            return json.loads(repaired)
        except ValueError:
            return None


def iter_json_ld_nodes(data: Any) -> Iterator[dict[str, Any]]:
    """Every object in a JSON-LD payload, flattening lists and @graph."""
    stack = [data]
    while stack:
        item = stack.pop(0)
        if isinstance(item, list):
            stack[:0] = item
        elif isinstance(item, dict):
            yield item
            if isinstance(item.get("@graph"), list):
                stack[:0] = item["@graph"]


def type_names(node: dict[str, Any]) -> list[str]:
    kind = node.get("@type", [])
    return [kind] if isinstance(kind, str) else [k for k in kind if isinstance(k, str)]


def find_json_ld_article(nodes: list[dict[str, Any]]) -> dict[str, Any] | None:
    """The article node, with @id references (Yoast-style @graph) resolved one level."""
    by_id = {n["@id"]: n for n in nodes if isinstance(n.get("@id"), str)}
    for wanted in (*ARTICLE_TYPES, "WebPage"):
        for node in nodes:
            if wanted in type_names(node):
                return {k: resolve_ref(v, by_id) for k, v in node.items()}
    return None


def resolve_ref(value: Any, by_id: dict[str, dict[str, Any]]) -> Any:
    if isinstance(value, dict) and set(value) == {"@id"} and value["@id"] in by_id:
        return by_id[value["@id"]]
    if isinstance(value, list):
        return [resolve_ref(v, by_id) for v in value]
    return value


def read_labeled_cells(root: HtmlElement) -> dict[str, str]:
    """Board-style labelled cells: <th>등록일</th><td>2024-03-05</td> → {"published": ...}."""
    cells: dict[str, str] = {}
    for label_el in root.xpath("//th | //dt"):
        label = " ".join(label_el.text_content().split())
        field_name = CELL_LABELS.get(label)
        value_el = label_el.getnext()
        if field_name and value_el is not None and field_name not in cells:
            value = " ".join(value_el.text_content().split())
            if value:
                cells[field_name] = value
    return cells


def extract_metadata(root: HtmlElement, url: str) -> PageMeta:
    """Collect every metadata candidate from the parsed page (read-only)."""
    page = PageMeta(meta=read_meta_tags(root), cells=read_labeled_cells(root))
    for script in root.xpath("//script[@type='application/ld+json' or @id='__NEXT_DATA__']"):
        if script.get("id") == "__NEXT_DATA__":
            page.next_data = script.text
        elif script.text and (data := parse_json_ld(script.text)) is not None:
            page.json_ld_objects.extend(iter_json_ld_nodes(data))
    page.json_ld = find_json_ld_article(page.json_ld_objects)
    for link in root.xpath("//link[@href]"):
        if "canonical" in (link.get("rel") or "").lower().split():
            page.canonical = urljoin(url, link.get("href").strip())
            break
    page.lang = root.get("lang") or root.get("xml:lang")
    for el in root.iter("time"):
        if when := (el.get("datetime") or "").strip():
            page.times.append((when, f"{el.get('class', '')} {el.get('itemprop', '')}".lower()))
    titles = root.xpath("//title")
    page.title_tag = titles[0].text_content().strip() if titles else None
    page.h1 = [t for h in root.iter("h1") if (t := " ".join(h.text_content().split()))]
    return page
