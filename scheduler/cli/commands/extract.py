"""`newswatch extract FILE.html --url URL [--json] [--fetched ISO8601]`: one page → one Article."""

from __future__ import annotations

import argparse
import json
import sys
from datetime import UTC, datetime
from pathlib import Path

from rich.markup import escape

from crawler.extraction import ExtractionError, normalize_article, page_to_article
from crawler.models import Article
from crawler.tagging import Tagger
from crawler.vocabulary import in_seoul
from scheduler.cli.commands.common import UsageError, config_of, error, out

# Fields shown in the readable (non-JSON) summary, in this order.
SUMMARY_FIELDS = (
    "title",
    "author",
    "published",
    "modified",
    "site_name",
    "kind",
    "lang",
    "canonical_url",
    "topics",
    "relevance",
    "entities",
    "actors",
    "counterparts",
    "officials",
    "event_types",
    "projects",
    "original_outlet",
    "original_url",
    "quality",
)


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = sub.add_parser("extract", help="extract one saved page and print the normalized article")
    p.add_argument("file", type=Path, metavar="FILE.html", help="the saved page, or - for stdin")
    p.add_argument("--url", required=True, help="the URL the page was fetched from")
    shape = p.add_mutually_exclusive_group()
    shape.add_argument("--json", action="store_true", help="print the article as indented JSON")
    shape.add_argument(
        "--jsonl",
        action="store_true",
        help="print the article as one JSON line (what `newswatch index` reads)",
    )
    p.add_argument(
        "--fetched",
        help="fetch time (ISO 8601) that relative dates such as '3시간 전' count from; "
        "default: now. A time without offset is Asia/Seoul.",
    )
    p.set_defaults(handler=cmd_extract)


def cmd_extract(args: argparse.Namespace) -> int:
    fetched = parse_fetched(args.fetched)
    if not args.url.startswith(("http://", "https://")):
        raise UsageError(f"--url must be an http(s) URL, got {args.url!r}")
    body = read_page(args.file)
    config = config_of(args)
    try:
        # The crawl's normalization too, so the canonical URL and id are the ones it indexes.
        article = normalize_article(page_to_article(body, args.url, fetched=fetched))
    except ExtractionError as exc:
        error(f"{args.file}: {exc}")
        return 1
    article = Tagger.from_config(config).tag(article)
    if args.jsonl:
        # Plain print, not rich: one line per article, nothing wrapped or styled.
        print(json.dumps(article.to_document(), ensure_ascii=False))
    elif args.json:
        out.print_json(json.dumps(article.to_document(), ensure_ascii=False))
    else:
        print_summary(article)
    return 0


def read_page(path: Path) -> bytes:
    """The page's bytes from a file, or from standard input for `-`."""
    if str(path) == "-":
        return sys.stdin.buffer.read()
    try:
        return path.read_bytes()
    except OSError as exc:
        raise UsageError(f"{path}: cannot read: {exc.strerror}") from None


def parse_fetched(value: str | None) -> datetime:
    if value is None:
        return datetime.now(UTC)
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError:
        raise UsageError(
            f"--fetched must be ISO 8601 (e.g. 2018-12-19T15:27:00+09:00), got {value!r}"
        ) from None
    return in_seoul(parsed)


def print_summary(article: Article) -> None:
    doc = article.to_document()
    for name in SUMMARY_FIELDS:
        value = doc[name]
        if value in (None, [], ""):
            continue
        shown = ", ".join(map(str, value)) if isinstance(value, list) else str(value)
        out.print(f"[bold]{name:>15}[/] {escape(shown)}")
    text = article.text
    out.print(f"[bold]{'text':>15}[/] {len(text):,} characters")
    out.print(escape(text[:600] + ("…" if len(text) > 600 else "")))
