"""`newswatch kibana import --url URL [--space S] [--overwrite] [--flavor F] [--file NDJSON]`."""

from __future__ import annotations

import argparse
from pathlib import Path

from rich.markup import escape

from scheduler.cli.commands.common import UsageError, err, error, out
from scheduler.cli.kibana import (
    DEFAULT_FILES,
    FLAVORS,
    Flavor,
    ImportReport,
    KibanaError,
    describe_failure,
    import_saved_objects,
)


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = sub.add_parser("kibana", help="Kibana / OpenSearch Dashboards saved objects")
    actions = p.add_subparsers(dest="kibana_command", metavar="ACTION", required=True)
    q = actions.add_parser(
        "import",
        help="load newswatch's data views, searches and dashboard",
        description="Auth from NEWSWATCH_KIBANA_API_KEY or NEWSWATCH_KIBANA_USER/PASSWORD; "
        "CA bundle from NEWSWATCH_KIBANA_CA.",
    )
    q.add_argument("--url", required=True, help="Kibana base URL, e.g. http://127.0.0.1:5601")
    q.add_argument("--space", help="Kibana space id (default: the default space)")
    q.add_argument("--overwrite", action="store_true", help="replace objects that already exist")
    q.add_argument("--flavor", choices=FLAVORS, default="kibana", help="default: kibana")
    q.add_argument(
        "--file", type=Path, help="ndjson to import (default: the one in deploy/ for the flavor)"
    )
    q.set_defaults(handler=cmd_import)


def cmd_import(args: argparse.Namespace) -> int:
    flavor: Flavor = args.flavor
    if not args.url.startswith(("http://", "https://")):
        raise UsageError(f"--url must be an http(s) URL, got {args.url!r}")
    if args.space and flavor == "opensearch-dashboards":
        raise UsageError("OpenSearch Dashboards has no spaces (its tenants are not supported)")
    path: Path = args.file or DEFAULT_FILES[flavor]
    try:
        ndjson = path.read_bytes()
    except OSError as exc:
        raise UsageError(f"{path}: cannot read: {exc.strerror}") from None
    try:
        report = import_saved_objects(
            args.url, ndjson, flavor=flavor, space=args.space, overwrite=args.overwrite
        )
    except KibanaError as exc:
        error(str(exc))
        return 1
    where = args.url + (f" (space {args.space})" if args.space else "")
    out.print(f"{escape(path.name)} → {escape(where)}: {report.success_count} objects imported")
    for item in report.imported:
        verb = "overwrote" if item.overwritten else "created"
        out.print(f"  {verb} {escape(item.type)} {escape(item.id)} [dim]{escape(item.title)}[/]")
    for failure in report.failed:
        err.print(f"  [red]FAILED[/] {escape(describe_failure(failure))}")
    if not report.ok:
        error(f"{len(report.failed)} objects not imported: {', '.join(_names(report))}")
        return 1
    return 0


def _names(report: ImportReport) -> list[str]:
    return [f"{f.type} {f.id}" for f in report.failed] or ["(Kibana reported success: false)"]
