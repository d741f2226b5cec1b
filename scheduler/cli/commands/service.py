"""`newswatch run`, `newswatch status`, `newswatch reload`: the scheduler service."""

from __future__ import annotations

import argparse
import json
import os
import signal
import time
from typing import TYPE_CHECKING

from rich.markup import escape

from scheduler.cli.commands.common import config_of, err, kst, narrow_table, out

if TYPE_CHECKING:
    from scheduler.service.runs import RunRecord

# How long `newswatch reload` waits for the service's answer; a reload takes ms.
RELOAD_ANSWER_SECONDS = 10.0


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = sub.add_parser("run", help="the long-running scheduler service")
    p.set_defaults(handler=cmd_run)

    p = sub.add_parser("status", help="sources, last and next runs, errors, spool depth")
    p.add_argument("--json", action="store_true", help="print JSON for machines")
    p.set_defaults(handler=cmd_status)

    p = sub.add_parser("reload", help="make the running service re-read its config")
    p.set_defaults(handler=cmd_reload)


def cmd_run(args: argparse.Namespace) -> int:
    from scheduler.service.control import ServiceError
    from scheduler.service.logs import configure_logging
    from scheduler.service.service import Service

    config = config_of(args)  # a bad config fails here, with exit code 2
    configure_logging(config.crawl.log_format, verbose=args.verbose)
    try:
        return Service(args.config).run()
    except ServiceError as exc:
        err.print(f"[bold red]error:[/] {escape(str(exc))}")
        return 1


def cmd_status(args: argparse.Namespace) -> int:
    from scheduler.service.status import collect_status

    report = collect_status(config_of(args))
    if args.json:
        out.print_json(json.dumps(report.to_json(), ensure_ascii=False))
        return 0
    state = f"running (pid {report.pid})" if report.running else "not running"
    out.print(f"service: {state}; spool: {report.spool_pending} actions waiting")
    if report.spool_rejected:
        out.print(
            f"[red]{report.spool_rejected} actions refused by the engine[/] are kept in the "
            "spool's rejected/ folder: `newswatch spool retry` sends them again"
        )
    # At 80 columns: the last error goes under the table, where it has the whole width.
    table = narrow_table(
        "source / schedule",
        "last run (KST)",
        "result",
        "next run (KST)",
        "flags",
        whole=("source / schedule",),
    )
    for s in report.sources:
        last = s.last_run
        schedule = s.schedule + ("" if s.enabled else " (disabled)")
        table.add_row(
            f"{escape(s.name)}\n[dim]{escape(schedule)}[/]",
            kst(last.started) if last else "never",
            escape(_result(last)) if last else "",
            kst(s.next_run),
            f"[red]{escape(', '.join(s.flags))}[/]",
        )
    out.print(table)
    for s in report.sources:
        if s.last_run is not None and s.last_run.failures:
            _print_failures(s.name, s.last_run)
        elif s.last_error:
            out.print(f"{escape(s.name)}: {escape(s.last_error[:SHOWN_ERROR_CHARS])}")
    return 0


def cmd_reload(args: argparse.Namespace) -> int:
    from scheduler.service.control import read_info, wait_for_reload
    from scheduler.service.settings import ServicePaths

    # A broken config stops here (exit 2) with the field named: the service would
    # reject it too and keep its timetable, so there is nothing to send.
    paths = ServicePaths.of(config_of(args))
    info = read_info(paths.info)
    if not info:
        err.print(f"[bold red]error:[/] no service is running on {escape(str(paths.root))}")
        return 1
    asked = time.time()
    try:
        os.kill(int(info["pid"]), signal.SIGHUP)
    except ProcessLookupError:
        err.print(f"[bold red]error:[/] the service (pid {info['pid']}) is not running")
        return 1
    answer = wait_for_reload(paths, asked, RELOAD_ANSWER_SECONDS)
    if answer is None:
        err.print("[bold red]error:[/] the service did not answer the reload; see its log")
        return 1
    (out if answer["ok"] else err).print(escape(str(answer["message"])))
    return 0 if answer["ok"] else 2


def _result(run: object) -> str:
    from scheduler.service.runs import RunRecord

    assert isinstance(run, RunRecord)
    counts = run.counts
    detail = f"{counts.get('new', 0)} new, {counts.get('fetched', 0)} fetched" if counts else ""
    took = f"in {run.duration:.0f} s" if run.duration is not None else ""
    return "\n".join(part for part in (run.status, took, detail) if part)


# The last error under the status table; the whole of it is in `status --json`.
SHOWN_ERROR_CHARS = 300


# Failed URLs shown per source under the table; `status --json` has the run's first 20.
SHOWN_FAILURES = 5


def _print_failures(name: str, run: RunRecord) -> None:
    total = max(run.counts.get("fetch_failed", 0), len(run.failures))
    out.print(f"{escape(name)}: last run {run.status}, {total} failed:")
    for failure in run.failures[:SHOWN_FAILURES]:
        out.print(f"  {escape(failure.get('message', failure.get('url', '?')))}")
    if total > SHOWN_FAILURES:
        out.print(f"  … and {total - SHOWN_FAILURES} more (`newswatch status --json`)")
