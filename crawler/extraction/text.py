"""Main text: site container when a rule knows it, trafilatura otherwise, embedded data last.

Paragraphs come out in document order joined with a blank line ("\\n\\n");
boilerplate lines (category labels, copyright notices, reporter e-mail
footers, share prompts) are removed by the patterns below.
"""

from __future__ import annotations

import json
import re
from collections import Counter
from collections.abc import Iterable, Iterator
from copy import deepcopy
from typing import Any

import trafilatura
from lxml import etree
from lxml.html import HtmlElement, fragment_fromstring

from crawler.extraction.platforms import COMMON_DROP, HIDDEN, compile_selector

__all__ = [
    "clean_paragraphs",
    "extract_container_text",
    "extract_embedded_text",
    "extract_generic_text",
    "extract_paragraph_text",
    "make_snippet",
]

# Elements that end a paragraph (their start and end are paragraph breaks).
BLOCK_TAGS = frozenset((
    "p", "div", "h1", "h2", "h3", "h4", "h5", "h6", "li", "ul", "ol", "blockquote", "pre",
    "table", "tr", "td", "th", "dl", "dt", "dd", "section", "article", "header", "footer",
    "aside", "figure", "address", "hr", "main", "nav", "center",
))  # fmt: skip

# Whole lines that are boilerplate (matched against the stripped line).
BOILERPLATE_PATTERNS = (
    r"^카테고리 없음$",  # Tistory: "no category"
    # buttons: like, subscribe, share, comments, report, copy URL, scrap
    r"^(?:공감|구독하기|좋아요|공유하기|이 글 공유하기|댓글\s*\d*|신고|URL 복사|스크랩)$",
    r"^(?:카카오톡|카카오스토리|페이스북|트위터|밴드|네이버)\s*(?:공유)?$",  # share targets
    r"(?:무단\s*전재|재배포\s*금지|All rights reserved|저작권자\s*[©ⓒ(]|Copyright\s*[©ⓒ(])",
    r"^[<〈\[]?\s*(?:ⓒ|©|\(c\)|\(C\))",  # copyright line
    # reporter e-mail footer: "[대구] 최세호 기자 = seho@naeil.com"
    r"^[가-힣\s·=,/()\[\]]{2,30}[\w.+-]+@[\w-]+(?:\.[\w-]+)+$",
    r"^[\w.+-]+@[\w-]+(?:\.[\w-]+)+$",  # a bare e-mail address
    r"^(?:저작자표시|비영리|변경금지|동일조건)(?:\s|$)",  # CC licence badges (Tistory)
    r"^(?:▶|☞|■\s*관련)",  # "see also" arrows
    r"^(?:Posted by|태그|TAG|Tags?)\s*[:：]?",
    r"^(?:기사제보|제보하기|기사 구독|뉴스 구독)",  # tip-off / subscribe prompts
)
# Lines after which nothing belongs to the article (related lists, comments).
STOP_PATTERNS = (
    r"^(?:관련\s*기사|관련\s*뉴스|이 시각 많이 본 뉴스|많이 본 뉴스|인기 기사)$",
    r"^'.*' 카테고리의 다른 글$",  # Tistory related posts
    r"^(?:댓글|댓글 쓰기|Comments?)\s*\d*$",
)
# One alternation each: a page can have 100k lines, and one scan per line is 10x faster.
BOILERPLATE_LINE = re.compile("|".join(f"(?:{p})" for p in BOILERPLATE_PATTERNS))
STOP_LINE = re.compile("|".join(f"(?:{p})" for p in STOP_PATTERNS))
# Longer lines are prose, so a boilerplate phrase inside one is quoted content.
_MAX_BOILERPLATE_CHARS = 120
# A repeated run of lines this long is a second copy of the article body: the
# shortest KBS bodies with a print copy are ~800 characters, while the passages
# repeated on purpose in readability's test pages are 450-550.
MIN_COPY_CHARS = 600
_SPACES = re.compile(r"[ \t\r\f\v\u00a0\u200b\u3000]+")

# Trafilatura prunes its own copy of the tree: what no reader sees is not text.
HIDDEN_XPATHS = [compile_selector(css).path for css in HIDDEN]

# Embedded-data keys that hold an article body (Next.js props, CMS JSON).
BODY_KEYS = frozenset({"articleBody", "content", "body", "contents", "text", "articleContent"})

# Snippet length: about two Korean sentences, enough for a search-result preview.
SNIPPET_CHARS = 300
_SENTENCE_END = re.compile(r"(?<=[.!?。])(?=\s)|(?<=다\.)|(?<=요\.)")


def normalize_line(text: str) -> str:
    return _SPACES.sub(" ", text).strip()


def clean_paragraphs(lines: Iterable[str]) -> list[str]:
    """Drop boilerplate and repeated lines; stop at the first 'related/comments' heading."""
    kept: list[str] = []
    for raw in lines:
        line = normalize_line(raw)
        if not line:
            continue
        short = len(line) <= _MAX_BOILERPLATE_CHARS
        if short and kept and STOP_LINE.search(line):
            break
        if short and BOILERPLATE_LINE.search(line):
            continue
        kept.append(line)
    return drop_second_copy(kept)


def drop_second_copy(lines: list[str]) -> list[str]:
    """Remove a second copy of the body (KBS pages carry a print copy after the article).

    A copy is a run of lines, each occurring exactly twice, that repeats an
    earlier run in order and holds at least MIN_COPY_CHARS: a shorter repeated
    passage (a refrain, a quoted paragraph, a test page's lorem ipsum) is content.
    """
    twice = {line for line, count in Counter(lines).items() if count == 2}
    first_at: dict[str, int] = {}
    drop: set[int] = set()
    index = 0
    while index < len(lines):
        start = first_at.get(lines[index]) if lines[index] in twice else None
        if start is None:
            first_at.setdefault(lines[index], index)
            index += 1
            continue
        length = 0
        while (
            index + length < len(lines)
            and start + length < index
            and (lines[start + length] == lines[index + length])
        ):
            length += 1
        if sum(len(line) for line in lines[index : index + length]) >= MIN_COPY_CHARS:
            drop.update(range(index, index + length))
        index += max(1, length)
    return [line for number, line in enumerate(lines) if number not in drop]


def iter_block_text(root: HtmlElement) -> Iterator[str]:
    """Text of `root` split at block boundaries and <br>, without recursion (deep trees)."""
    buffer: list[str] = []
    for event, el in etree.iterwalk(root, events=("start", "end")):
        tag = el.tag if isinstance(el.tag, str) else ""
        is_break = tag in BLOCK_TAGS or tag == "br"
        if event == "start":
            if is_break and buffer:
                yield "".join(buffer)
                buffer = []
            if el.text and tag:
                buffer.append(el.text)
        else:
            if is_break and buffer:
                yield "".join(buffer)
                buffer = []
            if el.tail and el is not root:
                buffer.append(el.tail)
    if buffer:
        yield "".join(buffer)


def remove_elements(root: HtmlElement, selectors: Iterable[str]) -> None:
    for css in selectors:
        for el in compile_selector(css)(root):
            if el is not root and el.getparent() is not None:
                el.drop_tree()  # keeps the tail text, which belongs to the parent
    for comment in root.xpath(".//comment()"):
        if comment.getparent() is not None:
            comment.getparent().remove(comment)


def extract_container_text(container: HtmlElement, drop: tuple[str, ...] = ()) -> list[str]:
    """Paragraphs of a known article container, minus the rule's boilerplate."""
    copy = deepcopy(container)  # the page tree stays intact for other passes
    remove_elements(copy, (*COMMON_DROP, *drop))
    return clean_paragraphs(iter_block_text(copy))


def extract_generic_text(root: HtmlElement, url: str, *, fast: bool = False) -> list[str]:
    """Paragraphs found by trafilatura's main-content heuristics (mutates `root`).

    `fast` skips trafilatura's second opinion (readability/jusText), which
    doubles its time; the caller sets it for very large pages.
    """
    text = trafilatura.extract(
        root,
        url=url,
        fast=fast,
        output_format="txt",
        include_comments=False,
        include_tables=True,
        include_images=False,
        deduplicate=False,
        with_metadata=False,
        prune_xpath=HIDDEN_XPATHS,
    )
    return clean_paragraphs(text.split("\n")) if text else []


def extract_paragraph_text(root: HtmlElement) -> list[str]:
    """Cheap linear fallback for oversized trees: the text of every <p>, else of every block."""
    paragraphs = [" ".join(p.text_content().split()) for p in root.iter("p")]
    if not any(paragraphs):
        paragraphs = list(iter_block_text(root))
    return clean_paragraphs(paragraphs)


def find_body_strings(data: Any, depth: int = 0) -> Iterator[str]:
    """String values stored under body-like keys anywhere in a JSON document."""
    stack: list[Any] = [data]
    while stack:
        item = stack.pop()
        if isinstance(item, dict):
            for key, value in item.items():
                if key in BODY_KEYS and isinstance(value, str):
                    yield value
                elif isinstance(value, dict | list):
                    stack.append(value)
        elif isinstance(item, list):
            stack.extend(item)


def html_fragment_lines(markup: str) -> list[str]:
    """Paragraphs of a body string that may itself be HTML."""
    if "<" not in markup:
        return clean_paragraphs(markup.split("\n"))
    try:
        fragment = fragment_fromstring(markup, create_parent="div")
    except (etree.ParserError, ValueError):
        return clean_paragraphs(markup.split("\n"))
    return extract_container_text(fragment)


def extract_embedded_text(article_body: Any, next_data: str | None) -> list[str]:
    """Body from JSON-LD articleBody, else the longest body string in __NEXT_DATA__."""
    if isinstance(article_body, str) and article_body.strip():
        return html_fragment_lines(article_body)
    if not next_data:
        return []
    try:
        data = json.loads(next_data)
    except (ValueError, RecursionError):  # RecursionError: nested past Python's limit
        return []
    longest = max(find_body_strings(data), key=len, default="")
    return html_fragment_lines(longest) if longest.strip() else []


def make_snippet(text: str, limit: int = SNIPPET_CHARS) -> str:
    """The start of `text`, at most `limit` chars, cut after a sentence when possible."""
    flat = " ".join(text.split())
    if len(flat) <= limit:
        return flat
    head = flat[:limit]
    ends = [m.end() for m in _SENTENCE_END.finditer(head)]
    # A sentence boundary in the first third would leave a uselessly short snippet.
    if ends and ends[-1] >= limit // 3:
        return head[: ends[-1]].strip()
    return head.rsplit(" ", 1)[0].rstrip() + "…"
