"""`newswatch doctor`: check the installation end to end and say what is wrong.

In order: the config; what the service needs from this machine (every
notifier's environment variables, a free metrics port); the engine, its Korean
analysis and the indices; then each source's first URL, fetched once through
the crawl's guard (crawler/fetch/probe.py). A failed check does not stop the others.
"""

from __future__ import annotations

import errno
import os
import socket
import urllib.request
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from crawler.config import Config, ConfigError, CrawlConfig, NotifierConfig, load_config
from crawler.config.alerts import UrlChannelSettings
from crawler.engine.client import EngineError, SearchStore
from crawler.engine.templates import IndexFamily, TemplateError, load_families
from crawler.fetch.netguard import Resolver
from crawler.fetch.probe import probe_sources

# The Korean check: a compound noun with a particle; the articles' analyzer
# keeps 스마트 and 시티 and drops the object particle 를 (POS tag J).
KOREAN_SAMPLE, KOREAN_PARTICLE = "스마트시티를", "를"
# Seconds to ask whoever holds the metrics port whether it is a newswatch service.
METRICS_PROBE_SECONDS = 2.0


@dataclass(frozen=True, slots=True)
class Check:
    name: str
    ok: bool
    detail: str


def run_checks(
    config_file: str | Path | None,
    connect: Callable[[Config], SearchStore] | None = None,
    *,
    resolve: Resolver | None = None,
    env: Mapping[str, str] | None = None,
) -> Iterator[Check]:
    """`resolve` is the guard's DNS hook and `env` the environment (tests pass their own)."""
    try:
        config = load_config(config_file)
    except ConfigError as exc:
        yield Check("config", False, str(exc))
        return
    yield Check("config", True, f"{len(config.sources)} sources, {len(config.watches)} watches")
    for name, settings in sorted(config.notifiers.items()):
        yield check_notifier(name, settings, os.environ if env is None else env)
    yield check_metrics_port(config.crawl)
    yield from _engine_checks(config, connect)
    crawl = config.crawl
    for probe in probe_sources(
        config.sources, crawl.allow_hosts, crawl.user_agent, resolve=resolve
    ):
        yield Check(f"source {probe.source}", probe.ok, probe.detail)


def _engine_checks(
    config: Config, connect: Callable[[Config], SearchStore] | None
) -> Iterator[Check]:
    try:
        families = load_families()
    except TemplateError as exc:
        yield Check("index templates (files)", False, str(exc))
        return
    yield Check("index templates (files)", True, ", ".join(sorted(families)))
    try:
        store = (connect or (lambda c: SearchStore.connect(c.search)))(config)
    except EngineError as exc:
        yield Check("engine", False, f"{exc}; {config.search.engine_hint()}")
        return
    yield Check("engine", True, f"{store.info.flavor} {store.info.version} at {store.url}")
    try:
        yield _check_korean(store, families["articles"])
        for family in families.values():
            yield _check_family(store, family.alias, family.template_hash)
    finally:
        store.close()


def check_notifier(name: str, settings: NotifierConfig, env: Mapping[str, str]) -> Check:
    """Every environment variable the notifier reads is set (else its deliveries fail)."""
    wanted = settings.secret_variables()
    missing = [f"{variable} ({what})" for variable, what in wanted if not env.get(variable)]
    if missing:
        return Check(
            f"notifier {name}",
            False,
            f"{settings.type}: not set: {', '.join(missing)}; export"
            f" {'it' if len(missing) == 1 else 'them'} where `newswatch run` runs, or alerts"
            " to this notifier fail and stay queued",
        )
    if isinstance(settings, UrlChannelSettings) and settings.url is None:
        url = env.get(settings.url_env or "", "")
        if url and not url.startswith(("http://", "https://")):
            return Check(f"notifier {name}", False, f"{settings.url_env} is not an http(s) URL")
    if not wanted:
        return Check(f"notifier {name}", True, f"{settings.type}: reads no secret")
    names = ", ".join(variable for variable, _ in wanted)
    return Check(f"notifier {name}", True, f"{settings.type}: {names} set")


def check_metrics_port(crawl: CrawlConfig) -> Check:
    """`newswatch run` can listen on crawl.metrics_host:crawl.metrics_port."""
    host, port = crawl.metrics_host, crawl.metrics_port
    name = "metrics port"
    if port is None:
        return Check(name, True, "off (crawl.metrics_port: null)")
    if port == 0:
        return Check(name, True, "any free port, chosen when the service starts")
    problem = port_problem(host, port)
    if problem is None:
        return Check(name, True, f"{host}:{port} is free")
    if problem == "in use" and _answers_like_newswatch(host, port):
        return Check(name, True, f"{host}:{port} is in use by a running newswatch service")
    return Check(name, False, f"crawl.metrics_port {port} on {host}: {problem}")


def port_problem(host: str, port: int) -> str | None:
    """None when a server could listen on host:port; else why not, in words."""
    try:
        family = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)[0][0]
        with socket.socket(family, socket.SOCK_STREAM) as sock:
            # As http.server does: a port in TIME_WAIT is free, a listening one is not.
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            sock.bind((host, port))
    except OSError as exc:
        return describe_listen_error(exc)
    return None


def describe_listen_error(exc: OSError) -> str:
    """Why a server cannot listen, and what to set instead (doctor and `newswatch run`)."""
    if exc.errno == errno.EADDRINUSE:
        return "in use by another program; choose another port (0: any free one, null: no /metrics)"
    return f"cannot listen there ({exc.strerror or exc}); check crawl.metrics_host"


def _answers_like_newswatch(host: str, port: int) -> bool:
    target = "127.0.0.1" if host in ("0.0.0.0", "") else host
    try:
        url = f"http://{target}:{port}/metrics"
        with urllib.request.urlopen(url, timeout=METRICS_PROBE_SECONDS) as response:
            return b"newswatch_runs" in response.read(1 << 20)
    except (OSError, ValueError):
        return False


def _check_korean(store: SearchStore, articles: IndexFamily) -> Check:
    """Analyze a sample as the articles' `text` field is analyzed (not the bare tokenizer)."""
    name = "Korean analysis (Nori)"
    try:
        # Through the articles alias when it exists: the crawler's least-privilege
        # role may analyze on its own indices, not cluster-wide.
        body: dict[str, Any] = {"field": "text", "text": KOREAN_SAMPLE}
        result = store.request("POST", f"/{articles.alias}/_analyze", body, ignore=(404,))
        how = f"{articles.alias} analyzer of `text`"
        if result is None:
            body = {**_inline_analyzer(articles.body, "text"), "text": KOREAN_SAMPLE}
            result = store.request("POST", "/_analyze", body)
            how = "the template's analyzer of `text`; no index yet"
    except EngineError as exc:
        return Check(name, False, f"the articles analyzer is unavailable: {exc}")
    tokens = [str(t["token"]) for t in result.get("tokens", [])]
    ok = bool(tokens) and KOREAN_PARTICLE not in tokens
    return Check(name, ok, f"{KOREAN_SAMPLE} → {' '.join(tokens)} ({how})")


def _inline_analyzer(template: dict[str, Any], field: str) -> dict[str, Any]:
    """The field's index analyzer with its tokenizer and filters written out, for `_analyze`."""
    settings = template["template"]
    analysis = settings.get("settings", {}).get("analysis", {})
    analyzer = analysis["analyzer"][settings["mappings"]["properties"][field]["analyzer"]]
    tokenizer = analyzer["tokenizer"]
    return {
        "tokenizer": analysis.get("tokenizer", {}).get(tokenizer, tokenizer),
        "filter": [analysis.get("filter", {}).get(f, f) for f in analyzer.get("filter", [])],
        "char_filter": [
            analysis.get("char_filter", {}).get(f, f) for f in analyzer.get("char_filter", [])
        ],
    }


def _check_family(store: SearchStore, alias: str, expected_hash: str) -> Check:
    from crawler.engine.setup import current_write_index
    from crawler.engine.templates import HASH_KEY

    index = current_write_index(store, alias)
    if index is None:
        return Check(alias, False, "missing: run `newswatch setup`")
    mapping = store.request("GET", f"/{index}/_mapping")
    live = mapping.get(index, {}).get("mappings", {}).get("_meta", {}).get(HASH_KEY)
    if live != expected_hash:
        return Check(alias, False, f"{index} has an older mapping: run `newswatch setup`")
    count = store.request("GET", f"/{alias}/_count")["count"]
    return Check(alias, True, f"{index}, {count} documents")
