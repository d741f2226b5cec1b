"""The least-privilege role in deploy/ allows exactly what newswatch sends.

A recording HTTP proxy on 127.0.0.1 sits in front of the real local engine;
the real `newswatch` commands (setup, an upgrade with reindex, crawl, alert
sweep, index, search, alerts list/history) and the real service (`newswatch
run`, which also ships crawl runs) talk to the engine through it. Every
(method, path, body) they send is mapped to the Elasticsearch privilege that
request needs, per Elasticsearch's security documentation; the role must
grant every one of them and nothing that no request needs.
"""

from __future__ import annotations

import fnmatch
import json
import os
import re
import shutil
import signal
import subprocess
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from http.server import ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
import urllib3
import yaml

from crawler.engine.client import SearchStore
from tests.conftest import REPO, RecordingServer
from tests.e2e.conftest import NEWSWATCH, Workspace
from tests.fixture_site import FixtureSite
from tests.quiet_http import QuietHandler

ROLE_FILE = REPO / "deploy" / "elasticsearch" / "newswatch-role.json"
# Every command here finishes in seconds; a service run of the fixture feed in ~3 s.
COMMAND_TIMEOUT_SECONDS = 120
SERVICE_SECONDS = 60
# A name no other test uses, so the runs this test waits for are its own.
SOURCE = "deploy-privileges-feed"


@dataclass(frozen=True)
class Sent:
    method: str
    path: str
    body: bytes


@dataclass(frozen=True)
class Need:
    scope: str  # "cluster" or "index"
    privilege: str
    index: str | None = None  # for index privileges: the name the request targets


class RecordingProxy:
    """Forwards every request to the engine and records it."""

    def __init__(self, upstream: str) -> None:
        self.sent: list[Sent] = []
        self._lock = threading.Lock()
        pool = urllib3.PoolManager(retries=False, timeout=urllib3.Timeout(total=60))
        proxy = self

        class Handler(QuietHandler):
            protocol_version = "HTTP/1.1"

            def _forward(self) -> None:
                length = int(self.headers.get("content-length") or 0)
                body = self.rfile.read(length) if length else b""
                with proxy._lock:
                    proxy.sent.append(Sent(self.command, self.path, body))
                headers = {
                    k: v
                    for k, v in self.headers.items()
                    if k.lower() not in ("host", "content-length", "connection")
                }
                answer = pool.request(
                    self.command,
                    upstream + self.path,
                    body=body or None,
                    headers=headers,
                    redirect=False,
                    decode_content=False,
                )
                self.send_response(answer.status)
                for key, value in answer.headers.items():
                    if key.lower() not in ("content-length", "transfer-encoding", "connection"):
                        self.send_header(key, value)
                self.send_header("content-length", str(len(answer.data)))
                self.end_headers()
                if self.command != "HEAD":
                    self.wfile.write(answer.data)

            do_GET = do_POST = do_PUT = do_DELETE = do_HEAD = _forward

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}"
        self._thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)

    def __enter__(self) -> RecordingProxy:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()


# --- what each request needs, per Elasticsearch's documentation ----------------------
# Each rule: (method pattern, path pattern, needs(match, body)). First match wins.


def _json(body: bytes) -> Any:
    return json.loads(body) if body else {}


def _bulk_needs(body: bytes) -> list[Need]:
    """Bulk: each action needs its own privilege on its target (create → create_doc)."""
    needs = []
    lines = [json.loads(line) for line in body.decode().splitlines() if line.strip()]
    index_ops = {"index": "index", "create": "create_doc", "update": "index", "delete": "delete"}
    i = 0
    while i < len(lines):
        ((op, meta),) = lines[i].items()
        needs.append(Need("index", index_ops[op], meta["_index"]))
        i += 1 if op == "delete" else 2
    return needs


def _alias_actions(body: bytes) -> list[Need]:
    needs = []
    for action in _json(body)["actions"]:
        ((_, spec),) = action.items()
        needs += [Need("index", "manage", spec["index"]), Need("index", "manage", spec["alias"])]
    return needs


def _create_index(m: re.Match[str], body: bytes) -> list[Need]:
    # Creating an index needs create_index; adding it to an alias on creation
    # needs manage on the alias.
    aliases = list(_json(body).get("aliases", {}))
    return [Need("index", "create_index", m["index"])] + [
        Need("index", "manage", alias) for alias in aliases
    ]


def _targets(m: re.Match[str]) -> list[str]:
    return m["index"].split(",")


Rule = tuple[str, str, Callable[[re.Match[str], bytes], list[Need]]]
RULES: list[Rule] = [
    ("GET", r"/", lambda m, b: [Need("cluster", "monitor")]),  # root info API
    ("GET", r"/_tasks/[^/]+", lambda m, b: [Need("cluster", "monitor")]),
    (
        "GET|PUT",
        r"/_index_template/[^/]+",
        lambda m, b: [Need("cluster", "manage_index_templates")],
    ),
    ("POST", r"/_analyze", lambda m, b: [Need("cluster", "manage")]),  # cluster:admin/analyze
    (
        "POST",
        r"/_reindex",
        lambda m, b: [
            Need("index", "read", _json(b)["source"]["index"]),
            Need("index", "write", _json(b)["dest"]["index"]),
        ],
    ),
    # A scroll continues a search the same user started with `read`.
    ("POST|DELETE", r"/_search/scroll", lambda m, b: [Need("index", "read")]),
    ("POST|PUT", r"/(?:(?P<index>[^_/][^/]*)/)?_bulk", lambda m, b: _bulk_needs(b)),
    ("POST", r"/_aliases", lambda m, b: _alias_actions(b)),
    (
        "GET|HEAD",
        r"/_alias/(?P<index>[^/]+)",
        lambda m, b: [Need("index", "view_index_metadata", i) for i in _targets(m)],
    ),
    (
        "GET",
        r"/(?P<index>[^_/][^/]*)/_mapping",
        lambda m, b: [Need("index", "view_index_metadata", i) for i in _targets(m)],
    ),
    (
        "POST",
        r"/(?P<index>[^_/][^/]*)/_refresh",
        lambda m, b: [Need("index", "maintenance", i) for i in _targets(m)],
    ),
    (
        "GET|POST",
        r"/(?P<index>[^_/][^/]*)/(?:_search|_count|_mget)",
        lambda m, b: [Need("index", "read", i) for i in _targets(m)],
    ),
    ("PUT", r"/(?P<index>[^_/][^/]*)", _create_index),
    (
        "GET|HEAD",
        r"/(?P<index>[^_/][^/]*)",
        lambda m, b: [Need("index", "view_index_metadata", i) for i in _targets(m)],
    ),
    ("DELETE", r"/(?P<index>[^_/][^/]*)", lambda m, b: [Need("index", "delete_index", m["index"])]),
]

# A privilege that includes another (Elasticsearch's built-in privilege definitions).
IMPLIES = {
    ("cluster", "all"): {"manage", "monitor", "manage_index_templates"},
    ("cluster", "manage"): {"monitor", "manage_index_templates"},
    ("index", "all"): {
        "manage",
        "read",
        "write",
        "create_index",
        "view_index_metadata",
        "maintenance",
        "monitor",
        "index",
        "create",
        "create_doc",
        "delete",
        "delete_index",
    },
    ("index", "manage"): {
        "create_index",
        "view_index_metadata",
        "maintenance",
        "monitor",
        "delete_index",
    },
    ("index", "write"): {"index", "create", "create_doc", "delete"},
    ("index", "index"): {"create", "create_doc"},
    ("index", "create"): {"create_doc"},
}


def needs_of(sent: Sent) -> list[Need]:
    path = urlsplit(sent.path).path
    for methods, pattern, needs in RULES:
        match = re.fullmatch(pattern, path)
        if match and re.fullmatch(methods, sent.method):
            return needs(match, sent.body)
    raise AssertionError(f"no privilege rule for {sent.method} {path}: add one to RULES")


def minimal(scope: str, privileges: set[str]) -> set[str]:
    """Drop every privilege that another one in the set already includes."""
    return {
        p
        for p in privileges
        if not any(p in IMPLIES.get((scope, q), set()) for q in privileges if q != p)
    }


# --- the real commands and service, through the proxy -------------------------------


def run(workspace: Workspace, *args: str, env: dict[str, str] | None = None) -> str:
    full_env = {**os.environ, "NEWSWATCH_SEARCH_URL": workspace.engine_url, **(env or {})}
    full_env["PYTHONPATH"] = str(REPO)
    result = subprocess.run(
        [*NEWSWATCH, "--config", str(workspace.config_path), *args],
        capture_output=True,
        text=True,
        env=full_env,
        timeout=COMMAND_TIMEOUT_SECONDS,
        check=False,
        cwd=workspace.root,
    )
    assert result.returncode == 0, f"newswatch {' '.join(args)}: {result.stderr}"
    return result.stdout


def ok(method: str, path: str, body: bytes) -> tuple[int, dict[str, str], Any]:
    return 200, {}, {"ok": True}


def changed_mappings(tmp_path: Path) -> Path:
    """index_mappings/ with one more synonym: a new template hash, so setup upgrades."""
    copy = tmp_path / "mappings"
    shutil.copytree(REPO / "index_mappings", copy)
    with open(copy / "synonyms.txt", "a", encoding="utf-8") as synonyms:
        synonyms.write("\n스마트도시, 스마트 시티\n")
    return copy


def run_service_until_shipped(workspace: Workspace, store: SearchStore) -> None:
    env = {**os.environ, "NEWSWATCH_SEARCH_URL": workspace.engine_url, "PYTHONPATH": str(REPO)}
    log = workspace.root / "service.log"
    with open(log, "w", encoding="utf-8") as out:
        proc = subprocess.Popen(
            [*NEWSWATCH, "--config", str(workspace.config_path), "run"],
            stdout=out,
            stderr=subprocess.STDOUT,
            env=env,
            cwd=workspace.root,
        )
        try:
            deadline = time.monotonic() + SERVICE_SECONDS
            while not _runs_shipped(store):
                assert proc.poll() is None, log.read_text()
                assert time.monotonic() < deadline, "no run shipped: " + log.read_text()
                time.sleep(0.5)
            proc.send_signal(signal.SIGTERM)
            assert proc.wait(COMMAND_TIMEOUT_SECONDS) == 0, log.read_text()
        finally:
            if proc.poll() is None:
                proc.kill()
                proc.wait(10)


def _runs_shipped(store: SearchStore) -> bool:
    """A run of the service's timetable is in the runs index (not one of `newswatch crawl`)."""
    store.request("POST", "/newswatch-runs/_refresh")
    terms = [{"term": {"trigger": "schedule"}}, {"term": {"source": SOURCE}}]
    query = {"query": {"bool": {"filter": terms}}}
    return int(store.request("POST", "/newswatch-runs/_count", query)["count"]) > 0


@pytest.fixture()
def recorded(store: SearchStore, tmp_path: Path) -> Iterator[list[Sent]]:
    from tests.e2e.site_articles import all_articles

    with (
        RecordingProxy(store.url) as proxy,
        FixtureSite(all_articles()) as site,
        RecordingServer(ok) as hook,
    ):
        workspace = Workspace(root=tmp_path, engine_url=proxy.url)
        workspace.write_config(
            [{"name": SOURCE, "type": "feed", "urls": [f"{site.url}/rss.xml"]}],
            notifiers={"team": {"type": "webhook", "url": hook.url, "timeout": 5}},
            watches=[{"name": "daegu", "query": "대구 시티브레인", "notify": ["team"]}],
        )
        run(workspace, "setup")
        run(workspace, "setup")  # idempotent: reads templates and aliases only
        run(workspace, "crawl")
        run(workspace, "alerts", "sweep")
        run(workspace, "alerts", "list")
        run(workspace, "alerts", "history")
        articles = tmp_path / "articles.jsonl"
        articles.write_text(
            json.dumps(
                {
                    "url": "https://example.org/1",
                    "title": "세종시, 바르셀로나와 스마트시티 협력",
                    "text": "세종시는 바르셀로나와 스마트시티 업무협약을 맺었다.",
                    "fetched": "2024-01-01T00:00:00+09:00",
                },
                ensure_ascii=False,
            )
            + "\n",
            encoding="utf-8",
        )
        run(workspace, "index", str(articles))
        run(workspace, "search", "스마트시티")
        # An upgrade: new versioned indices, alias moves, reindex with task polling, scroll.
        run(workspace, "setup", env={"NEWSWATCH_MAPPINGS_DIR": str(changed_mappings(tmp_path))})
        config = yaml.safe_load(workspace.config_path.read_text(encoding="utf-8"))
        config["sources"][0]["schedule"] = {"interval": "5s"}
        config["crawl"].update({"jitter": 0, "metrics_port": 0, "stop_timeout": 6})
        workspace.config_path.write_text(yaml.safe_dump(config, allow_unicode=True), "utf-8")
        run_service_until_shipped(workspace, store)
        yield list(proxy.sent)


def test_role_grants_exactly_what_the_recorded_requests_need(recorded: list[Sent]) -> None:
    role = json.loads(ROLE_FILE.read_text(encoding="utf-8"))
    (grant,) = role["indices"]
    needs = [need for sent in recorded for need in needs_of(sent)]
    sent_kinds = {(s.method, urlsplit(s.path).path) for s in recorded}
    print(f"{len(recorded)} requests, {len(sent_kinds)} distinct (method, path)")
    for need in sorted(set(needs), key=str):
        print(f"  {need.scope:7} {need.privilege:22} {need.index or ''}")

    # The flows really ran: setup, upgrade, bulk, search, alerts, run shipping.
    paths = {p for _m, p in sent_kinds}
    assert {"/_reindex", "/_aliases", "/_bulk", "/_search/scroll"} <= paths, paths
    assert any(p.startswith("/_tasks/") for p in paths)
    assert any(n.index == "newswatch-runs" for n in needs)

    # Every index the service touches is inside the role's index patterns.
    outside = {
        n.index
        for n in needs
        if n.index and not any(fnmatch.fnmatchcase(n.index, p) for p in grant["names"])
    }
    assert outside == set()

    cluster_needed = minimal("cluster", {n.privilege for n in needs if n.scope == "cluster"})
    index_needed = minimal("index", {n.privilege for n in needs if n.scope == "index"})
    assert set(role["cluster"]) == cluster_needed
    assert set(grant["privileges"]) == index_needed
    assert grant.get("allow_restricted_indices") is False
    assert set(role) <= {"description", "cluster", "indices", "metadata"}  # no run_as, no apps


def test_privilege_reduction_keeps_only_what_is_not_implied() -> None:
    assert minimal("index", {"read", "create_doc", "write", "maintenance", "manage"}) == {
        "read",
        "write",
        "manage",
    }
    assert minimal("cluster", {"monitor", "manage_index_templates"}) == {
        "monitor",
        "manage_index_templates",
    }
