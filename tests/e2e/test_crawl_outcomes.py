"""Run outcomes that mean something: sources that fetch nothing because of errors are
`failed`, with their URLs and reasons, in the crawl summary, the exit code, the run
history and `newswatch status`; a healthy source beside them stays `ok`.

Over loopback only: a 404 on the fixture site, a closed port on 127.0.0.1 (connection
refused), the fixture site's port on 127.0.0.2 (not in crawl.allow_hosts: the guard
refuses it; a server there checks nothing arrives), and a host name that does not
resolve. For the last, `newswatch` runs as `python -m tests.e2e.no_dns`, in which
every host name fails to resolve inside the process: no test queries a DNS server.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from crawler.engine.client import SearchStore
from tests.e2e.conftest import COMMAND_TIMEOUT_SECONDS, Workspace
from tests.e2e.service_process import ServiceProcess, service_config, wait_until
from tests.e2e.test_crawl import closed_port, docs
from tests.e2e.test_service import finished
from tests.fixture_site import FixtureSite, OutsideServer

UNRESOLVABLE_HOST = "news.does-not-resolve.test"


@pytest.fixture()
def outside() -> Iterator[OutsideServer]:
    with OutsideServer("127.0.0.2") as server:
        yield server


def broken_sources(site: FixtureSite) -> dict[str, tuple[str, str, str]]:
    """name → (feed URL, reason slug, words the message must hold)."""
    refused = f"http://127.0.0.1:{closed_port()}/rss.xml"
    return {
        "missing": (f"{site.url}/gone.xml", "http_404", "HTTP 404 Not Found"),
        "refused": (refused, "refused", "connection refused by 127.0.0.1:"),
        # https:// to the fixture site's plain-http port: the TLS handshake fails
        "tls": (
            f"https://127.0.0.1:{site.port}/rss.xml",
            "tls",
            "TLS error with 127.0.0.1:",
        ),
        "outside": (
            f"http://127.0.0.2:{site.port}/rss.xml",
            "blocked:loopback",
            "list the host in crawl.allow_hosts",
        ),
        "nowhere": (
            f"http://{UNRESOLVABLE_HOST}/rss.xml",
            "dns",
            f"could not resolve host {UNRESOLVABLE_HOST}",
        ),
    }


def feed(name: str, url: str) -> dict[str, Any]:
    return {"name": name, "type": "feed", "urls": [url], "schedule": {"interval": "1h"}}


def run_without_dns(workspace: Workspace, *args: str) -> subprocess.CompletedProcess[str]:
    env = dict(os.environ)
    env["NEWSWATCH_SEARCH_URL"] = workspace.engine_url
    env["PYTHONPATH"] = str(Path(__file__).resolve().parents[2])
    return subprocess.run(
        [sys.executable, "-m", "tests.e2e.no_dns", "--config", str(workspace.config_path), *args],
        capture_output=True,
        text=True,
        env=env,
        timeout=COMMAND_TIMEOUT_SECONDS,
        check=False,
        cwd=workspace.root,
    )


def test_failed_sources_are_failed_everywhere_and_a_healthy_one_stays_ok(
    workspace: Workspace, site: FixtureSite, outside: OutsideServer, ready_store: SearchStore
) -> None:
    broken = broken_sources(site)
    workspace.write_config(
        [feed("healthy", f"{site.url}/rss.xml"), *(feed(n, u) for n, (u, _, _) in broken.items())]
    )
    result = run_without_dns(workspace, "crawl")

    # The crawl: exit 1, each source's outcome, each failed URL with its reason.
    assert result.returncode == 1, result.stdout + result.stderr
    assert "healthy: ok" in result.stdout, result.stdout
    # One error per failed URL, by kind (not one per attempt: the refused fetch was tried 3 times).
    assert (
        "errors: blocked:loopback 1, dns 1, download:refused 1, download:tls 1, http_404 1"
        in result.stdout
    ), result.stdout
    for name, (url, _, words) in broken.items():
        assert f"{name}: failed, 0 fetches ok, 1 failed" in result.stdout, result.stdout
        line = next(li for li in result.stdout.splitlines() if url in li)
        assert words in line, line
        # Only the guard's refusal points at crawl.allow_hosts.
        assert ("allow_hosts" in line) == (name == "outside"), line
    # One line per failed URL, no tracebacks (those are for -v).
    assert "Traceback" not in result.stderr, result.stderr
    warnings = [li for li in result.stderr.splitlines() if " WARNING " in li or " ERROR " in li]
    assert len(warnings) == len(broken), result.stderr
    # The healthy source was indexed; nothing reached 127.0.0.2.
    assert len(docs(ready_store)) == 4
    assert outside.requests() == []

    # The run history, as `newswatch status --json` shows it.
    status = workspace.run("status", "--json")
    assert status.returncode == 0, status.stderr
    last = {s["name"]: s["last_run"] for s in json.loads(status.stdout)["sources"]}
    assert last["healthy"]["status"] == "ok" and last["healthy"]["trigger"] == "manual"
    for name, (url, reason, words) in broken.items():
        run = last[name]
        assert run["status"] == "failed" and run["trigger"] == "manual", run
        assert [(f["url"], f["reason"]) for f in run["failures"]] == [(url, reason)], run
        assert words in run["failures"][0]["message"] and words in run["last_error"], run

    # And as a person reads it.
    text = workspace.run("status")
    for name, (url, _, _) in broken.items():
        assert f"{name}: last run failed, 1 failed:" in text.stdout, text.stdout
        assert url in text.stdout, text.stdout

    # A crawl of the healthy source alone succeeds, and is a second run in the history.
    again = run_without_dns(workspace, "crawl", "healthy")
    assert again.returncode == 0, again.stdout + again.stderr
    assert "healthy: ok" in again.stdout


def test_tracebacks_are_shown_with_verbose_only(workspace: Workspace, site: FixtureSite) -> None:
    refused = f"http://127.0.0.1:{closed_port()}/rss.xml"
    workspace.write_config([feed("refused", refused)])
    quiet = workspace.run("crawl", "--dry-run")
    assert quiet.returncode == 1
    assert "Traceback" not in quiet.stderr and quiet.stderr.count(refused) == 1, quiet.stderr
    verbose = workspace.run("-v", "crawl", "--dry-run")
    assert verbose.returncode == 1
    assert "Traceback" in verbose.stderr


def test_dry_run_lists_what_would_be_indexed(workspace: Workspace, site: FixtureSite) -> None:
    workspace.write_config([feed("healthy", f"{site.url}/rss.xml")])
    listed = workspace.run("crawl", "--dry-run", "--json")
    assert listed.returncode == 0, listed.stderr
    report = json.loads(listed.stdout)
    articles = {a["url"].rsplit("/", 1)[-1]: a for a in report["would_index"]}
    assert sorted(articles) == [
        "busan-euckr.html",
        "daegu-hangzhou-copy.html",
        "daegu-hangzhou.html",
        "sejong-barcelona.html",
    ]
    daegu = articles["daegu-hangzhou.html"]
    assert daegu["published"] == "2018-12-19T15:27:00+09:00"
    assert daegu["relevance"] > 0 and "smart_city" in daegu["topics"]
    assert daegu["title"].startswith("권영진 대구시장")
    assert report["sources"][0]["status"] == "ok" and report["dry_run"] is True

    table = workspace.run("crawl", "--dry-run")
    assert table.returncode == 0, table.stderr
    assert "2018-12-19 15:27" in table.stdout and "published (KST)" in table.stdout
    # Nothing recorded: a dry run changes no state.
    status = json.loads(workspace.run("status", "--json").stdout)
    assert status["sources"][0]["last_run"] is None


def test_the_service_records_failed_runs_with_their_urls(
    workspace: Workspace, site: FixtureSite, outside: OutsideServer, ready_store: SearchStore
) -> None:
    broken = {n: v for n, v in broken_sources(site).items() if n != "nowhere"}
    sources = [feed("healthy", f"{site.url}/rss.xml")]
    sources += [feed(n, u) for n, (u, _, _) in broken.items()]
    service_config(workspace, sources)
    service = ServiceProcess(workspace)
    try:
        wait_until(
            lambda: all(finished(workspace, s["name"]) for s in sources),
            90,
            "a finished run of every source",
        )
    finally:
        service.stop()
    assert finished(workspace, "healthy")[0].status == "ok"
    for name, (url, reason, words) in broken.items():
        run = finished(workspace, name)[0]
        assert run.status == "failed" and run.trigger == "schedule", run
        assert [(f["url"], f["reason"]) for f in run.failures] == [(url, reason)], run
        assert words in (run.last_error or ""), run
    assert outside.requests() == []
