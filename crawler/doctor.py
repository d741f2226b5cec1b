"""`newswatch doctor`: check the installation end to end and say what is wrong."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

from crawler.config import Config, ConfigError, load_config
from crawler.store import EngineError, SearchStore
from crawler.templates import TemplateError, load_families


@dataclass(frozen=True, slots=True)
class Check:
    name: str
    ok: bool
    detail: str


def run_checks(
    config_file: str | Path | None, connect: Callable[[Config], SearchStore] | None = None
) -> Iterator[Check]:
    try:
        config = load_config(config_file)
    except ConfigError as exc:
        yield Check("config", False, str(exc))
        return
    yield Check("config", True, f"{len(config.sources)} sources, {len(config.watches)} watches")
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
        yield _check_nori(store)
        for family in families.values():
            yield _check_family(store, family.alias, family.template_hash)
    finally:
        store.close()


def _check_nori(store: SearchStore) -> Check:
    body = {"tokenizer": "nori_tokenizer", "text": "스마트시티를"}
    try:
        # Through the articles alias when it exists: the crawler's least-privilege
        # role may analyze on its own indices, not cluster-wide.
        result = store.request("POST", "/newswatch-articles/_analyze", body, ignore=(404,))
        if result is None:
            result = store.request("POST", "/_analyze", body)
    except EngineError as exc:
        return Check("Korean analysis (Nori)", False, f"nori_tokenizer unavailable: {exc}")
    tokens = [t["token"] for t in result.get("tokens", [])]
    return Check("Korean analysis (Nori)", bool(tokens), f"스마트시티를 → {' '.join(tokens)}")


def _check_family(store: SearchStore, alias: str, expected_hash: str) -> Check:
    from crawler.index_setup import current_write_index
    from crawler.templates import HASH_KEY

    index = current_write_index(store, alias)
    if index is None:
        return Check(alias, False, "missing: run `newswatch setup`")
    mapping = store.request("GET", f"/{index}/_mapping")
    live = mapping.get(index, {}).get("mappings", {}).get("_meta", {}).get(HASH_KEY)
    if live != expected_hash:
        return Check(alias, False, f"{index} has an older mapping: run `newswatch setup`")
    count = store.request("GET", f"/{alias}/_count")["count"]
    return Check(alias, True, f"{index}, {count} documents")
