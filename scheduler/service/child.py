"""`python -m scheduler.service.child --config FILE --result FILE SOURCE`: one crawl, one process.

Why a child process per crawl: Scrapy runs on Twisted's reactor, which can be
started once per process (a second start raises ReactorNotRestartable), and
`crawler.runner.run_crawl` assumes one crawl per process. A child also gives
what threads cannot: a hung crawl can be killed at its timeout, a crash
(segfault in lxml, out of memory) takes down only that run, and memory held by
one crawl is returned to the system when the child exits, so the service's own
size stays flat however long it runs.

The summary goes to the `--result` file (written atomically), not stdout:
libraries may print to stdout, a file cannot be mixed up with their output.
Exit codes: 0 crawl finished (`ok` or `partial`), 1 the source failed (it
fetched nothing because of errors, or its spider ended abnormally), 3 an
exception.
If the service dies (kill -9) the child notices its parent changed and stops
itself the way SIGTERM would, at a safe point (Scrapy closes the spiders and
the indexer flushes or spools what it holds).
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import signal
import sys
import threading
import time
import traceback
from pathlib import Path
from typing import Any

from crawler.config import load_config
from scheduler.service.logs import configure_logging

log = logging.getLogger(__name__)

EXIT_FAILED, EXIT_EXCEPTION = 1, 3
# How often the child checks that the service is still its parent: 1 s bounds
# how long an orphaned crawl goes on after a kill -9 of the service.
PARENT_CHECK_SECONDS = 1.0


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    configure_logging(args.log_format, verbose=False)
    _watch_parent(os.getppid(), grace=args.stop_timeout)
    result_path: Path = args.result
    try:
        from crawler.runner import run_crawl

        summary = run_crawl(load_config(args.config), [args.source])
        outcome = summary.outcomes[args.source]
    except Exception as exc:
        _write_result(
            result_path,
            {"error": f"{type(exc).__name__}: {exc}", "traceback": traceback.format_exc(limit=20)},
        )
        log.exception("crawl of %s raised", args.source)
        return EXIT_EXCEPTION
    _write_result(
        result_path,
        {
            "ok": summary.ok,
            "status": outcome.status,
            "problem": outcome.describe(),
            "failures": outcome.failures,
            "counts": {**summary.counts, "fetch_failed": outcome.failed},
            "errors_by_kind": dict(summary.errors_by_kind),
            "skipped_by_reason": dict(summary.skipped_by_reason),
            "finish_reasons": summary.finish_reasons,
            "spool_pending": summary.spool_pending,
            "engine": summary.engine,
        },
    )
    return 0 if summary.ok else EXIT_FAILED


def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="python -m scheduler.service.child")
    p.add_argument("--config", type=Path, required=True)
    p.add_argument("--result", type=Path, required=True)
    p.add_argument("--log-format", choices=("text", "json"), default="text")
    p.add_argument("--stop-timeout", type=float, default=30.0)
    p.add_argument("source")
    return p


def _watch_parent(parent: int, grace: float) -> None:
    """Stop ourselves when the service disappears (kill -9 leaves us an orphan)."""

    def watch() -> None:
        while os.getppid() == parent:
            time.sleep(PARENT_CHECK_SECONDS)
        log.warning("the service (pid %d) is gone; stopping this crawl", parent)
        # As the service would (isolation.CrawlChild._stop): a graceful stop, then a
        # forced one that still flushes the indexer, then SIGKILL.
        for signum in (signal.SIGTERM, signal.SIGTERM, signal.SIGKILL):
            os.kill(os.getpid(), signum)
            time.sleep(grace / 2)

    threading.Thread(target=watch, name="parent-watch", daemon=True).start()


def _write_result(path: Path, result: dict[str, Any]) -> None:
    temporary = path.with_name(f".{path.name}.tmp")
    temporary.write_text(json.dumps(result, ensure_ascii=False), encoding="utf-8")
    os.replace(temporary, path)


if __name__ == "__main__":
    sys.exit(main())
