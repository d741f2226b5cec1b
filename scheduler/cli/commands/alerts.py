"""`newswatch alerts list | test WATCH | history | sweep | resend (KEY ... | --uncertain)`."""

from __future__ import annotations

import argparse
import json
from datetime import UTC, datetime
from typing import Any

from rich.markup import escape

from crawler.config import Config, WatchConfig
from crawler.engine.indices import ALERTS_ALIAS
from scheduler.alerts import AlertsNotReady, SweepReport, run_sweep
from scheduler.alerts.attempts import NotResendable, requeue_uncertain
from scheduler.alerts.message import Segments, format_timeline
from scheduler.alerts.preview import preview_watch, read_history, status_counts
from scheduler.alerts.sweep import alias_exists
from scheduler.cli.commands.common import (
    UsageError,
    config_of,
    connect,
    error,
    kst,
    narrow_table,
    out,
)
from scheduler.cli.commands.search import parse_or_explain

STATUSES = ("queued", "sending", "sent", "uncertain", "digest_pending", "digested", "logged")


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = sub.add_parser(
        "alerts", help="watches and notifications: list, test, history, sweep, resend"
    )
    alerts = p.add_subparsers(dest="alerts_command", metavar="ACTION", required=True)

    q = alerts.add_parser("list", help="the configured watches and their delivery counts")
    q.add_argument("--json", action="store_true", help="print JSON for machines")
    q.set_defaults(handler=cmd_list)

    q = alerts.add_parser("test", help="what a watch would have matched recently (sends nothing)")
    q.add_argument("watch", metavar="WATCH", nargs="?", help="a watch name from the config")
    q.add_argument("--query", help="try a query (as `newswatch search` reads it) as a new watch")
    q.add_argument("--days", type=float, default=7.0, help="look back this many days (default 7)")
    q.add_argument("--size", type=int, default=20, help="articles to show (default 20)")
    q.set_defaults(handler=cmd_test)

    q = alerts.add_parser("history", help="notifications sent, queued and failing, newest first")
    q.add_argument("--watch", help="only this watch")
    q.add_argument("--status", choices=STATUSES, help="only this status")
    q.add_argument("--size", type=int, default=50, help="records to show (default 50)")
    q.add_argument("--json", action="store_true", help="print JSON for machines")
    q.set_defaults(handler=cmd_history)

    q = alerts.add_parser("sweep", help="percolate new articles and send due notifications now")
    q.set_defaults(handler=cmd_sweep)

    q = alerts.add_parser(
        "resend", help="send uncertain notifications again (a crash hid whether they arrived)"
    )
    q.add_argument("keys", metavar="KEY", nargs="*", help="delivery keys from `alerts history`")
    q.add_argument("--uncertain", action="store_true", help="every uncertain notification")
    q.set_defaults(handler=cmd_resend)


def cmd_list(args: argparse.Namespace) -> int:
    config = config_of(args)
    if not config.watches and not args.json:
        out.print("no watches configured (add some under `watches:` in the config)")
        return 0
    store = connect(config)
    try:
        counts = _counts_or_empty(store)
    finally:
        store.close()
    if args.json:
        watches = [
            {**w.model_dump(mode="json"), "deliveries": counts.get(w.name, {})}
            for w in config.watches
        ]
        out.print_json(json.dumps(watches, ensure_ascii=False))
        return 0
    table = narrow_table(
        "watch", "query", "mode", "notify", "min\nrel.", "queued\n/ sent", whole=("watch",)
    )
    for watch in config.watches:
        mine = counts.get(watch.name, {})
        mode = watch.mode if watch.mode == "immediate" else f"digest\n{watch.digest_schedule}"
        table.add_row(
            escape(watch.name),
            escape(watch.query),
            escape(mode),
            escape(", ".join(watch.notify) or "-"),
            "-" if watch.min_relevance is None else f"{watch.min_relevance:g}",
            f"{mine.get('queued', 0) + mine.get('digest_pending', 0)}"
            f" / {mine.get('sent', 0) + mine.get('digested', 0)}",
        )
    out.print(table)
    return 0


def _counts_or_empty(store: Any) -> dict[str, dict[str, int]]:
    if not alias_exists(store, ALERTS_ALIAS):
        return {}  # setup not run yet: the list of watches is still worth showing
    return status_counts(store)


def cmd_test(args: argparse.Namespace) -> int:
    if (args.watch is None) == (args.query is None):
        raise UsageError("alerts test: give a WATCH name or --query QUERY (one of the two)")
    if args.query is not None:
        parse_or_explain(args.query)  # a caret under the mistake, as `newswatch search` shows
    config = config_of(args)
    watch = (
        _watch(config, args.watch) if args.watch else WatchConfig(name="--query", query=args.query)
    )
    store = connect(config)
    try:
        total, hits = preview_watch(store, watch, args.days, datetime.now(UTC), size=args.size)
    finally:
        store.close()
    alerts = sum(not h.repeat for h in hits)
    out.print(
        f"watch {escape(watch.name)!s}: {total} articles in the last {args.days:g} days, "
        f"{alerts} of the {len(hits)} shown would alert (copies of one story alert once); "
        "nothing was sent"
    )
    for hit in hits:
        mark = "[dim](copy, no alert)[/]" if hit.repeat else "[green]alert[/]"
        out.print(f"\n{mark} [bold]{escape(hit.title)}[/]")
        outlet = escape(hit.outlet or "?")
        when = format_timeline(hit.published, hit.first_seen)
        out.print(f"  {outlet} · {when} · {escape(hit.url)}")
        out.print(f"  {_rich_snippet(hit.snippet)}")
    return 0


def _watch(config: Config, name: str) -> Any:
    for watch in config.watches:
        if watch.name == name:
            return watch
    known = ", ".join(w.name for w in config.watches) or "none"
    raise UsageError(f"no watch named {name!r} in the config (known: {known})")


def _rich_snippet(snippet: Segments) -> str:
    return "".join(f"[bold yellow]{escape(t)}[/]" if hit else escape(t) for t, hit in snippet)


def cmd_history(args: argparse.Namespace) -> int:
    config = config_of(args)
    store = connect(config)
    try:
        rows = read_history(store, watch=args.watch, status=args.status, size=args.size)
    finally:
        store.close()
    if args.json:
        out.print_json(json.dumps(rows, ensure_ascii=False))
        return 0
    table = narrow_table(
        "created (KST)", "watch / notifier", "status", "tries", "title / last error"
    )
    for row in rows:
        detail = escape(str(row.get("title") or ""))
        if row.get("status") == "queued" and row.get("last_error"):
            retry = kst(datetime.fromisoformat(row["next_attempt"]))
            detail += f"\n[red]{escape(str(row['last_error']))}[/] (next try {retry} KST)"
        elif row.get("status") == "uncertain":
            detail += f"\n[yellow]{escape(str(row.get('last_error') or ''))}; not re-sent[/]"
        table.add_row(
            kst(datetime.fromisoformat(row["created"])),
            f"{escape(str(row['watch']))}\n[dim]{escape(str(row['notifier']))}[/]",
            str(row["status"]),
            str(row.get("attempts", 0)),
            detail,
        )
    out.print(table if rows else "no notifications yet")
    _print_resend_hints([row for row in rows if row.get("status") == "uncertain"])
    return 0


def _print_resend_hints(uncertain: list[dict[str, Any]]) -> None:
    """One command per uncertain row, on a line of its own so the key is never folded."""
    if uncertain:
        out.print("\nuncertain: the channel may show it already; to send it again:")
    for row in uncertain:
        out.print(f"  newswatch alerts resend {escape(str(row['key']))}", soft_wrap=True)


def cmd_sweep(args: argparse.Namespace) -> int:
    config = config_of(args)
    store = connect(config)
    try:
        report = run_sweep(store, config, config.crawl.state_dir)
    except AlertsNotReady as exc:
        error(str(exc))
        return 1
    finally:
        store.close()
    return _report_sweep(report)


def _report_sweep(report: SweepReport) -> int:
    out.print(escape(report.summary()))
    if report.watches is not None and report.watches.changed:
        out.print(escape(report.watches.summary()))
    undelivered = report.delivery.failed + report.delivery.deferred
    if undelivered:
        error(
            f"{undelivered} alert {'delivery' if undelivered == 1 else 'deliveries'} failed;"
            " queued, retried by the next sweep (reasons: `newswatch alerts history`;"
            " `newswatch doctor` checks the notifiers' secrets)"
        )
    if report.delivery.uncertain:
        error(
            f"{report.delivery.uncertain} alert delivery attempts were interrupted by a crash"
            " on channels without an idempotency key: they may have arrived and are not"
            " re-sent (`newswatch alerts history --status uncertain`;"
            " `newswatch alerts resend KEY` or `--uncertain` sends them again)"
        )
    return 1 if undelivered or report.delivery.uncertain else 0


def cmd_resend(args: argparse.Namespace) -> int:
    if bool(args.keys) == args.uncertain:
        raise UsageError("give the keys of the deliveries to re-send (KEY ...) or --uncertain")
    config = config_of(args)
    store = connect(config)
    try:
        try:
            keys = requeue_uncertain(store, args.keys or None, datetime.now(UTC))
        except NotResendable as exc:
            raise UsageError(str(exc)) from None
        if not keys:
            out.print("no uncertain notifications")
            return 0
        out.print(f"requeued {len(keys)} uncertain notification(s): {escape(', '.join(keys))}")
        report = run_sweep(store, config, config.crawl.state_dir)
    except AlertsNotReady as exc:
        error(str(exc))
        return 1
    finally:
        store.close()
    if report.skipped:
        out.print("another sweep is running (the service?): its next sweep sends them")
        return 0
    return _report_sweep(report)
