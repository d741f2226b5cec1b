"""The `newswatch` command line: one entry point, exit codes 0 ok / 1 run-time failure / 2 usage.

It lives in `scheduler` because it is the top of the dependency graph: it may
import everything, and nothing imports it.
"""

from __future__ import annotations

import argparse
import logging
import sys
from collections.abc import Callable, Iterator, Sequence
from importlib import metadata

from crawler.config import ConfigError
from crawler.engine.client import EngineError, EngineUnreachable
from crawler.engine.setup import SetupError
from crawler.engine.templates import TemplateError
from crawler.reporting.loglines import bound_log_lines
from crawler.state.sqlite import StateError
from scheduler.cli.commands import (
    alerts,
    common,
    completion,
    crawl,
    engine,
    extract,
    kibana,
    search,
    service,
    spool,
    urltest,
)

EXIT_OK, EXIT_FAILURE, EXIT_USAGE = 0, 1, 2

Handler = Callable[[argparse.Namespace], int]


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="newswatch",
        description="Crawl, index and search Korean coverage of smart-city diplomacy.",
    )
    parser.add_argument("--version", action="version", version=f"%(prog)s {_version()}")
    _add_global_options(parser, anywhere=False)
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    engine.register(sub)
    search.register(sub)
    extract.register(sub)
    crawl.register(sub)
    alerts.register(sub)
    service.register(sub)
    kibana.register(sub)
    spool.register(sub)
    completion.register(sub, parser)
    urltest.register(sub)
    for command in _subcommands(parser):
        _add_global_options(command, anywhere=True)
    return parser


def _add_global_options(parser: argparse.ArgumentParser, *, anywhere: bool) -> None:
    """--config and -v, before the subcommand (with the defaults) and after it.

    After it they default to argparse.SUPPRESS: argparse copies a subcommand's
    values over the top parser's, so only a value actually given may be copied.
    """
    unset: object = argparse.SUPPRESS if anywhere else None
    parser.add_argument(
        "--config",
        metavar="FILE",
        default=unset,
        help="config file (default: $NEWSWATCH_CONFIG or ./newswatch.yaml)",
    )
    parser.add_argument(
        "-v",
        "--verbose",
        action="store_true",
        default=argparse.SUPPRESS if anywhere else False,
        help="log debug details (and tracebacks)",
    )


def _subcommands(parser: argparse.ArgumentParser) -> Iterator[argparse.ArgumentParser]:
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            for command in dict.fromkeys(action.choices.values()):  # aliases share a parser
                yield command
                yield from _subcommands(command)


def _version() -> str:
    try:
        return metadata.version("newswatch")
    except metadata.PackageNotFoundError:
        return "(not installed)"


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    level = logging.DEBUG if args.verbose else logging.WARNING
    logging.basicConfig(
        level=level, format="%(asctime)s %(levelname)s %(name)s: %(message)s", stream=sys.stderr
    )
    # On the handler too: Scrapy resets logger levels while it starts a crawl.
    for handler_ in logging.root.handlers:
        handler_.setLevel(level)
    bound_log_lines()  # no record longer than a screenful (crawler.reporting.loglines)
    # Our own retry messages say what failed; urllib3's per-attempt warnings only repeat it.
    # The clients log every non-2xx answer, expected 404s included; the adapter
    # raises or reports the ones that matter.
    for noisy in ("urllib3", "opensearch", "elastic_transport"):
        logging.getLogger(noisy).setLevel(logging.ERROR)
    handler: Handler = args.handler
    try:
        return handler(args)
    except (ConfigError, common.UsageError) as exc:
        common.error(str(exc))
        return EXIT_USAGE
    except (EngineError, TemplateError, SetupError, StateError) as exc:
        common.error(str(exc))
        if isinstance(exc, EngineUnreachable):
            common.engine_hint(args)
        return EXIT_FAILURE
    except KeyboardInterrupt:
        common.error("interrupted")
        return 130
