"""`newswatch spool retry`: send again what the engine refused, once its cause is fixed.

The spool (crawler.engine.spool) keeps what the engine could not take: pending
segments (an outage, a write block, a missing alias) are replayed by every
crawl by themselves; actions the engine refused for good (a mapping error)
wait in `rejected/` until a person fixed the cause (e.g. ran `newswatch
setup` with a corrected template) and runs this command.
"""

from __future__ import annotations

import argparse

from rich.markup import escape

from crawler.engine.spool import Spool
from scheduler.cli.commands.common import config_of, connect, err, out


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = sub.add_parser("spool", help="bulk actions waiting for the engine (see `spool retry`)")
    actions = p.add_subparsers(dest="spool_command", metavar="ACTION", required=True)
    retry = actions.add_parser(
        "retry", help="put the rejected actions back in line and send everything waiting"
    )
    retry.set_defaults(handler=cmd_spool_retry)


def cmd_spool_retry(args: argparse.Namespace) -> int:
    config = config_of(args)
    store = connect(config)  # first: with the engine down nothing is moved
    spool = Spool(config.crawl.state_dir / "spool")
    try:
        requeued = spool.requeue_rejected()
        result = spool.replay(store)
    finally:
        store.close()
    out.print(
        f"spool {spool.directory}: {requeued} rejected actions put back in line; "
        f"indexed {result.replayed}, rejected again {result.rejected}, "
        f"still waiting {result.remaining}"
    )
    if result.quarantined:
        err.print(f"[yellow]{result.quarantined} corrupt lines set aside (see the warnings)[/]")
    if result.stopped:
        err.print(f"[yellow]stopped: {escape(result.stopped)}[/]")
    return 1 if result.rejected or result.remaining else 0
