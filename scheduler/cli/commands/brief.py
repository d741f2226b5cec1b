"""`newswatch brief NAME`: make a briefing now (the file's extension picks the format), list
the archived ones, or re-send one.

- `--out FILE.html|.pdf|.xlsx|.md`: that one document, nothing archived or sent;
- no `--out`: every configured format, archived under state_dir (and the engine);
  `--send` also sends it to the briefing's notifiers;
- `--list`: the archived briefings of NAME; `--resend STAMP|last`: the archived
  period made again (the same document) and sent.
Exit 1 when a notifier failed, 2 for an unknown briefing, format or period.
"""

from __future__ import annotations

import argparse
from datetime import datetime
from pathlib import Path

from rich.markup import escape

from crawler.config import Config
from crawler.config.briefings import BriefingConfig
from crawler.tagging.lexicon import load_lexicon
from crawler.vocabulary import SEOUL
from scheduler.briefing import archive
from scheduler.briefing.fonts import FontMissing
from scheduler.briefing.make import (
    FORMATS,
    build_briefing,
    full_link_of,
    make_and_send,
    render_formats,
)
from scheduler.briefing.period import PeriodError, parse_moment, resolve_period
from scheduler.cli.commands.common import UsageError, config_of, connect, err, narrow_table, out


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = sub.add_parser("brief", help="make a briefing now, list archived ones, or re-send one")
    p.add_argument("name", metavar="NAME", help="a briefing named under `briefings:`")
    p.add_argument("--since", metavar="WINDOW", help="the window before the end, e.g. 24h or 7d")
    p.add_argument("--start", metavar="TIME", help="period start, ISO 8601 (default: --since)")
    p.add_argument("--end", metavar="TIME", help="period end, ISO 8601 (default: now)")
    p.add_argument("--out", metavar="FILE", help="write one document (.html .pdf .xlsx .md)")
    p.add_argument("--send", action="store_true", help="also send it to the notifiers")
    p.add_argument("--list", action="store_true", help="list the archived briefings")
    p.add_argument("--resend", metavar="STAMP", help="send an archived one again (or 'last')")
    p.set_defaults(handler=cmd_brief)


def cmd_brief(args: argparse.Namespace) -> int:
    config = config_of(args)
    settings = _settings(config, args.name)
    if args.list:
        return _list(config, settings)
    try:
        if args.out:
            return _write_one(config, settings, args)
        return _make(config, settings, args)
    except PeriodError as exc:
        raise UsageError(str(exc)) from None
    except FontMissing as exc:  # the machine lacks a package: a run-time failure
        err.print(f"[bold red]error:[/] {escape(str(exc))}")
        return 1


def _settings(config: Config, name: str) -> BriefingConfig:
    for briefing in config.briefings:
        if briefing.name == name:
            return briefing
    known = ", ".join(b.name for b in config.briefings) or "none configured"
    raise UsageError(f"no briefing named {name!r} under briefings: (known: {known})")


def _period(
    args: argparse.Namespace, config: Config, settings: BriefingConfig, store: object
) -> tuple[datetime, datetime]:
    from crawler.engine.client import SearchStore

    now = datetime.now(SEOUL)
    start = parse_moment(args.start, "--start") if args.start else None
    end = parse_moment(args.end, "--end") if args.end else None
    last = None
    if start is None and args.since is None and isinstance(store, SearchStore):
        last = archive.last_end(config.crawl.state_dir, store, settings.name)
    try:
        return resolve_period(settings, now, since=args.since, start=start, end=end, last_end=last)
    except ValueError as exc:
        raise PeriodError(f"--since: {exc}") from None


def _write_one(config: Config, settings: BriefingConfig, args: argparse.Namespace) -> int:
    path = Path(args.out)
    fmt = path.suffix.lower().lstrip(".")
    if fmt not in FORMATS:
        raise UsageError(f"--out {path}: the extension must be one of .html .pdf .xlsx .md")
    store = connect(config)
    try:
        start, end = _period(args, config, settings, store)
        briefing = build_briefing(store, config, settings, start, end)
    finally:
        store.close()
    link = full_link_of(settings, briefing.stamp)
    data = render_formats(briefing, [fmt], load_lexicon(config), link)[fmt]
    try:
        path.write_bytes(data)
    except OSError as exc:
        raise UsageError(f"--out {path}: cannot write: {exc}") from None
    out.print(
        f"{escape(str(path))}: {escape(briefing.heading)}, {escape(briefing.period_label)}: "
        f"{len(briefing.stories)} stories, {len(briefing.articles)} articles"
    )
    return 0


def _make(config: Config, settings: BriefingConfig, args: argparse.Namespace) -> int:
    store = connect(config)
    try:
        if args.resend:
            start, end = _archived_period(config, settings, args.resend)
        else:
            start, end = _period(args, config, settings, store)
        send = bool(args.send or args.resend)
        outcome = make_and_send(
            store, config, settings, start, end, send=send, now=datetime.now(SEOUL)
        )
    finally:
        store.close()
    folder = archive.folder_of(config.crawl.state_dir, settings.name, outcome.briefing.stamp)
    out.print(
        f"{escape(settings.name)} {outcome.briefing.stamp}: {len(outcome.briefing.stories)} "
        f"stories, {len(outcome.briefing.articles)} articles → {escape(str(folder))}"
    )
    for name, result in outcome.deliveries.items():
        (out if result == "sent" else err).print(f"  {escape(name)}: {escape(result)}")
    return 1 if outcome.failed else 0


def _archived_period(
    config: Config, settings: BriefingConfig, stamp: str
) -> tuple[datetime, datetime]:
    found = archive.archived(config.crawl.state_dir, settings.name)
    if stamp == "last" and found:
        return found[-1].start, found[-1].end
    for item in found:
        if item.stamp == stamp:
            return item.start, item.end
    stamps = ", ".join(item.stamp for item in found[-5:]) or "none archived"
    raise UsageError(f"--resend {stamp}: no archived {settings.name} briefing (latest: {stamps})")


def _list(config: Config, settings: BriefingConfig) -> int:
    table = narrow_table("stamp", "period", "stories", "articles", "deliveries")
    for item in archive.archived(config.crawl.state_dir, settings.name):
        record = item.record
        deliveries = ", ".join(f"{k}: {v}" for k, v in record.get("deliveries", {}).items())
        period = (
            f"{item.start.astimezone(SEOUL):%m-%d %H:%M} – {item.end.astimezone(SEOUL):%m-%d %H:%M}"
        )
        table.add_row(
            item.stamp,
            period,
            str(record.get("stories", "")),
            str(record.get("articles", "")),
            escape(deliveries or "not sent"),
        )
    out.print(table)
    return 0
