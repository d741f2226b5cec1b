"""`newswatch test-url SOURCE URL [--json]`: one URL through a source's crawl, explained.

Fetches the URL as a crawl of SOURCE would (guard, robots.txt, limits; see
crawler.fetch.urltest), says which of a site source's allow/deny/article_pattern
rules match it, and prints the extracted, normalized and tagged Article. A dry
run: nothing is indexed or marked seen.

Exit codes: 0 fetched and extracted (whether or not a crawl would index it;
the output says), 1 the fetch failed or the page gave no article, 2 an unknown
source or a URL that is not http(s) with a host.
"""

from __future__ import annotations

import argparse
import json
import logging
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from rich.markup import escape

from scheduler.cli.commands.common import UsageError, config_of, kst, out

if TYPE_CHECKING:
    from crawler.fetch.urltest import RuleReport, UrlTestResult
    from crawler.models import Article

# Where a source that is not a site finds its article URLs (it has no link rules).
_PAGES_FROM = {
    "feed": "its feeds",
    "blog": "its feed",
    "sitemap": "its sitemaps",
    "search": "search results",
}
# Characters of the article text shown: its first lines, enough to judge extraction.
SHOWN_TEXT_CHARS = 400


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = sub.add_parser(
        "test-url", help="fetch one URL as a source's crawl would and show the extracted article"
    )
    p.add_argument("source", metavar="SOURCE", help="a source name from the config")
    p.add_argument("url", metavar="URL", help="the http(s) URL to test")
    p.add_argument("--json", action="store_true", help="print the result as JSON for machines")
    p.set_defaults(handler=cmd_test_url)


def cmd_test_url(args: argparse.Namespace) -> int:
    # Imported here: Scrapy and Twisted take ~0.5 s to import (see `crawl`).
    from crawler.fetch.urltest import run_url_test
    from crawler.runner import UnknownSourceError, select_sources

    config = config_of(args)
    if not args.verbose:
        # The result names the failure with the same message; the log line would repeat it.
        logging.getLogger("crawler.reporting.failures").setLevel(logging.ERROR)
    try:
        (source,) = select_sources(config, [args.source])
    except UnknownSourceError as exc:
        raise UsageError(str(exc)) from None
    parts = urlsplit(args.url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise UsageError(f"URL must be http:// or https:// with a host name, got {args.url!r}")
    result = run_url_test(config, source, args.url)
    if args.json:
        out.print_json(json.dumps(result_json(result), ensure_ascii=False))
    else:
        print_result(result, config.crawl.min_relevance)
    return 0 if result.ok else 1


def print_result(result: UrlTestResult, min_relevance: float) -> None:
    out.print(f"[bold]{escape(result.source)}[/]: {escape(result.url)}")
    _print_fetch(result)
    if result.rules is not None:
        out.print("  rules:")
        for line in rule_lines(result.rules):
            out.print(f"    {escape(line)}")
    else:
        where = _PAGES_FROM.get(result.source_type, "its listings")
        out.print(f"  rules: none (not a site source: its pages come from {where})")
    if result.article is not None:
        _print_article(result.article)
    elif result.fetch.ok:
        out.print(f"  [red]no article[/]: {escape(result.no_article or 'nothing extracted')}")
    if result.ok:
        verdict = verdict_lines(result, min_relevance)
        head = (
            "[green]a crawl would index it[/]"
            if result.would_index
            else "[yellow]a crawl would not index it[/]"
        )
        out.print(f"  {head}")
        for line in verdict:
            out.print(f"    {escape(line)}")
    out.print("  (dry run: nothing indexed, nothing marked seen)")


def _print_fetch(result: UrlTestResult) -> None:
    fetch = result.fetch
    if fetch.failure is not None:
        out.print(f"  fetch: [red]failed[/] ({escape(fetch.failure['reason'])})")
        out.print(f"    {escape(fetch.failure['message'])}")
        return
    if fetch.status is None:
        out.print(f"  fetch: [red]nothing fetched[/]: {escape(result.no_article or '')}")
        return
    out.print(f"  fetch: HTTP {fetch.status}, {fetch.bytes:,} bytes, {escape(fetch.url or '')}")
    for hop in fetch.redirects:
        out.print(f"    redirected from {escape(hop)}")


def rule_lines(rules: RuleReport) -> list[str]:
    """The site source's rules that match, then what a crawl does with the URL."""
    lines = []
    if rules.start_url:
        lines.append("it is one of the source's start_urls (fetched at depth 0)")
    if rules.allow_configured:
        matched = _patterns(rules.allow) if rules.allow else "none matches"
        lines.append(f"allow: {matched}")
    else:
        lines.append("allow: none configured (every link is allowed)")
    lines.append(f"deny: {_patterns(rules.deny)}" if rules.deny else "deny: none matches")
    if rules.denied_extension:
        lines.append("its file extension is one link extraction never follows (.pdf, .jpg, ...)")
    if rules.article_pattern is not None:
        verb = "matches" if rules.article_match else "does not match"
        lines.append(f"article_pattern {_patterns([rules.article_pattern])} {verb}")
    else:
        lines.append("article_pattern: none (every page below the start URLs is an article)")
    lines.append(_rule_outcome(rules))
    return lines


def _patterns(patterns: list[str]) -> str:
    """Quoted as written in the config (repr would double every backslash)."""
    return ", ".join(f"'{p}'" for p in patterns)


def _rule_outcome(rules: RuleReport) -> str:
    if not rules.followed and not rules.start_url:
        why = "a deny pattern matches" if rules.deny else "no allow pattern matches"
        if rules.denied_extension and not rules.deny:
            why = "of its file extension"
        return f"→ a crawl does not follow links to it: {why}"
    if rules.extracted:
        return "→ a crawl follows links to it and extracts it as an article"
    return "→ a crawl fetches it only for its links; it is not extracted as an article"


def verdict_lines(result: UrlTestResult, min_relevance: float) -> list[str]:
    """Why a crawl would (not) index the article, beyond the fetch."""
    article = result.article
    assert article is not None
    lines = []
    if result.rules is not None and not result.rules.extracted:
        lines.append("the source's rules do not make it an article (see rules)")
    if not result.relevant:
        lines.append(
            f"relevance {article.relevance:.2f} is below crawl.min_relevance {min_relevance:g}:"
            " counted, not indexed"
        )
    if result.seen is not None:
        when = kst(result.seen.last_seen)
        if result.unchanged:
            lines.append(f"already seen (last {when} KST) with the same text: skipped as unchanged")
        else:
            lines.append(
                f"seen before (last {when} KST); fetched again only when its feed or sitemap"
                " reports a change, then updated"
            )
    return lines


def _print_article(article: Article) -> None:
    from crawler.vocabulary import SEOUL

    published = (
        article.published.astimezone(SEOUL).strftime("%Y-%m-%d %H:%M KST")
        if article.published
        else "(no date)"
    )
    rows = (
        ("title", article.title or "(no title)"),
        ("published", published),
        ("author", article.author or "(none)"),
        ("canonical_url", article.canonical_url),
        ("id", article.id),
        ("relevance", f"{article.relevance:.2f}"),
        ("topics", ", ".join(article.topics) or "(none)"),
        ("quality", ", ".join(article.quality) or "(no flags)"),
        ("text", f"{len(article.text):,} characters"),
    )
    out.print("  article:")
    for name, value in rows:
        out.print(f"[bold]{name:>15}[/] {escape(value)}")
    text = article.text[:SHOWN_TEXT_CHARS]
    out.print(escape(text + ("…" if len(article.text) > SHOWN_TEXT_CHARS else "")))


def result_json(result: UrlTestResult) -> dict[str, Any]:
    article = None
    if result.article is not None:
        article = {"id": result.article.id, **result.article.to_document()}
    seen = None
    if result.seen is not None:
        seen = {
            "first_seen": result.seen.first_seen.isoformat(),
            "last_seen": result.seen.last_seen.isoformat(),
        }
    return {
        "source": result.source,
        "source_type": result.source_type,
        "url": result.url,
        "ok": result.ok,
        "would_index": result.would_index,
        "fetch": result.fetch.to_json(),
        "rules": result.rules.to_json() if result.rules is not None else None,
        "article": article,
        "no_article": result.no_article,
        "relevant": result.relevant,
        "seen": seen,
        "unchanged": result.unchanged,
    }
