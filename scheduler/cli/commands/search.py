"""`newswatch search QUERY`: the one query language, narrowed, sorted and paged.

Hits stream as they are read (any --size, pages of crawler.engine.search.PAGE_SIZE), as
text for people, one JSON document (--json) or one JSON object a line (--jsonl).
A query that does not parse is a usage error (exit 2) that shows the column.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Iterator
from typing import Any

from rich.cells import cell_len
from rich.markup import escape

from crawler.engine.search import SORTS, SearchOptions, build_query, stream_hits
from crawler.engine.search_hits import MARK_END, MARK_START, Hit
from crawler.query.compile import CompiledQuery, compile_query
from crawler.query.dates import DateBound, DateValueError, parse_date_value
from crawler.query.syntax import QuerySyntaxError
from scheduler.cli.commands.common import UsageError, config_of, connect, err, out
from scheduler.terminal import printable

QUERY_HELP = (
    'words (all must match), "phrases", a OR b (or a | b), -exclude, (groups), '
    "fields source: kind: outlet: topic: lang: counterpart: event:, since: until:"
)


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = sub.add_parser("search", help="ranked hits with highlighted snippets")
    p.add_argument("query", nargs="+", help=QUERY_HELP)
    p.add_argument("--size", type=int, default=10, help="number of hits (default 10; any size)")
    p.add_argument("--from", dest="offset", type=int, default=0, help="skip the first N hits")
    p.add_argument("--sort", choices=SORTS, default="relevance", help="order (default relevance)")
    p.add_argument("--since", help="from this day/moment or age: 2026-11-01, 7d, 24h")
    p.add_argument("--until", help="up to this day/moment or age: 2026-11-30, 1d")
    p.add_argument(
        "--source", action="append", default=[], help="only this crawl source (repeatable)"
    )
    output = p.add_mutually_exclusive_group()
    output.add_argument("--json", action="store_true", help="one JSON document for machines")
    output.add_argument("--jsonl", action="store_true", help="one JSON object per hit, a line")
    output.add_argument(
        "--dsl",
        action="store_true",
        help="print the engine query and exit (for a Kibana / Dashboards 'Query DSL' filter)",
    )
    p.set_defaults(handler=cmd_search)


def cmd_search(args: argparse.Namespace) -> int:
    query = " ".join(args.query)
    compiled = parse_or_explain(query)
    options = _options(args)
    if args.dsl:
        body = build_query(compiled, options, date_math=True)
        sys.stdout.write(json.dumps({"query": body["query"]}, ensure_ascii=False) + "\n")
        return 0
    config = config_of(args)
    store = connect(config)
    try:
        total, hits = stream_hits(store, compiled, options)
        if args.json:
            _print_json(query, total, options, hits)
        elif args.jsonl:
            for hit in hits:
                sys.stdout.write(json.dumps(hit.to_json(), ensure_ascii=False) + "\n")
        else:
            _print_text(query, total, options, hits)
    finally:
        store.close()
    return 0


def parse_or_explain(query: str) -> CompiledQuery:
    """The compiled query, or a UsageError that points at the column under the query."""
    try:
        return compile_query(query)
    except QuerySyntaxError as exc:
        # Hangul and Hanzi take two terminal cells: the caret counts cells, not characters.
        pointer = " " * cell_len(query[: exc.column - 1]) + "^"
        raise UsageError(f"query: {exc}\n  {query}\n  {pointer}") from None


def _options(args: argparse.Namespace) -> SearchOptions:
    if args.size < 1:
        raise UsageError("--size must be at least 1")
    if args.offset < 0:
        raise UsageError("--from must be 0 or more")
    return SearchOptions(
        size=args.size,
        offset=args.offset,
        sort=args.sort,
        since=_bound("since", args.since),
        until=_bound("until", args.until),
        sources=tuple(args.source),
    )


def _bound(name: str, value: str | None) -> DateBound | None:
    if value is None:
        return None
    try:
        return parse_date_value(name, value)
    except DateValueError as exc:
        raise UsageError(f"--{exc}") from None


def _print_json(query: str, total: int, options: SearchOptions, hits: Iterator[Hit]) -> None:
    listed = [hit.to_json() for hit in hits]
    payload: dict[str, Any] = {"query": query, "total": total, "from": options.offset}
    payload["hits"] = listed
    sys.stdout.write(json.dumps(payload, ensure_ascii=False) + "\n")


def _print_text(query: str, total: int, options: SearchOptions, hits: Iterator[Hit]) -> None:
    out.print(f"{total:,} articles match {escape(query)!r}")
    for rank, hit in enumerate(hits, options.offset + 1):
        meta = printable(" · ".join(x for x in (hit.outlet, hit.published, hit.kind) if x))
        out.print(f"\n[bold]{rank}. {_emphasis(hit.marked_title)}[/]  [dim]{escape(meta)}[/]")
        out.print(f"   {_emphasis(hit.marked_snippet)}")
        out.print(f"   [blue]{escape(printable(hit.url))}[/]")
    if total == 0:
        err.print("no hits; `newswatch search --help` lists the query language")


def _emphasis(text: str) -> str:
    """Crawled text with the highlighter's marks as bold (scheduler.terminal)."""
    marked = escape(printable(text))
    return marked.replace(MARK_START, "[bold yellow]").replace(MARK_END, "[/]")
