"""`newswatch setup`: install or upgrade templates, indices and aliases, idempotently.

Each family (articles, runs, watches) lives in versioned indices
`<alias>-v<N>` behind one alias. When the rendered template changes, the next
version is created and the alias moved to it *before* the old documents are
copied, so writes made during the upgrade land in the new index and are not
overwritten by older copies (`op_type: create`). The old index leaves the
alias only after its documents are all accounted for, and is kept (not
deleted) so an upgrade can always be undone by hand.

Setup also repairs the two states a deleted alias leaves behind: versioned
indices with no alias (the alias is put back on the newest), and a concrete
index squatting on the alias's name, auto-created by a write while the alias
was missing (dynamic mappings, no Korean analysis): its documents are moved
into the versioned index, then the squatter is deleted and the alias created
in one atomic `_aliases` call. Bulk writes say `require_alias` now, so no
write of ours creates such an index any more; older versions did.

A copy runs as an engine task (`wait_for_completion=false`) polled every
REINDEX_POLL_SECONDS; each poll, the last included, is reported to the
caller's `progress` callback as documents done of total (`newswatch setup`
draws it).
"""

from __future__ import annotations

import logging
import re
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from crawler.engine.client import SearchStore
from crawler.engine.templates import HASH_KEY, IndexFamily, load_families

log = logging.getLogger(__name__)

# A reindex of a large index can take long; poll its task rather than hold one request open.
REINDEX_POLL_SECONDS = 1.0


class SetupError(Exception):
    """The engine's state does not allow a safe setup; the message says what to do."""


@dataclass(frozen=True)
class ReindexProgress:
    """One poll of a running copy: documents done (created, updated, or skipped as
    already there) of the total the engine counted (0 until it has)."""

    source: str
    dest: str
    done: int
    total: int
    completed: bool


ProgressCallback = Callable[[ReindexProgress], None]


@dataclass
class SetupReport:
    actions: list[str] = field(default_factory=list)

    def add(self, message: str) -> None:
        log.info("%s", message)
        self.actions.append(message)


def run_setup(
    store: SearchStore,
    families: dict[str, IndexFamily] | None = None,
    progress: ProgressCallback | None = None,
) -> SetupReport:
    report = SetupReport()
    for family in (families or load_families()).values():
        ensure_family(store, family, report, progress)
    return report


def ensure_family(
    store: SearchStore,
    family: IndexFamily,
    report: SetupReport,
    progress: ProgressCallback | None = None,
) -> None:
    _put_template(store, family, report)
    _evict_squatter(store, family, report, progress)
    current = current_write_index(store, family.alias) or _restore_alias(store, family, report)
    if current is None:
        index = family.index_name(1)
        store.request("PUT", f"/{index}", {"aliases": {family.alias: {"is_write_index": True}}})
        report.add(f"{family.alias}: created {index}")
        return
    live_hash = _index_template_hash(store, current)
    if live_hash == family.template_hash:
        report.add(f"{family.alias}: {current} is up to date")
        return
    migrate(store, family, current, report, progress)


def current_write_index(store: SearchStore, alias: str) -> str | None:
    """The index the alias writes to, or None when the alias does not exist yet."""
    aliases = store.request("GET", f"/_alias/{alias}", ignore=(404,))
    if not aliases:
        if store.request("GET", f"/{alias}", ignore=(404,)) is None:
            return None
        raise SetupError(
            f"{alias} exists as a concrete index, not an alias (a write created it while the "
            f"alias was missing); run `newswatch setup` to move its documents and repair it"
        )
    writers = [
        name
        for name, spec in aliases.items()
        if spec.get("aliases", {}).get(alias, {}).get("is_write_index")
    ]
    if len(writers) == 1:
        return str(writers[0])
    if len(aliases) == 1:
        return str(next(iter(aliases)))
    return str(max(aliases, key=_version_of))


def _evict_squatter(
    store: SearchStore,
    family: IndexFamily,
    report: SetupReport,
    progress: ProgressCallback | None = None,
) -> None:
    """Turn a concrete index named like the alias back into the alias, keeping its documents."""
    alias = family.alias
    if store.request("GET", f"/_alias/{alias}", ignore=(404,)):
        return  # the name is an alias
    if store.request("GET", f"/{alias}", ignore=(404,)) is None:
        return  # nothing by that name
    target = _latest_index(store, family)
    if target is None:
        target = family.index_name(1)
        store.request("PUT", f"/{target}")
    # Blocked first: a writer still on an older version would otherwise add documents
    # after the copy; with the block it is refused and keeps them in its spool.
    store.request("PUT", f"/{alias}/_settings", {"index.blocks.write": True})
    store.request("POST", f"/{alias}/_refresh")
    count = int(store.request("GET", f"/{alias}/_count")["count"])
    # Written after the alias went missing, so newer than anything in `target`: they overwrite.
    copied = _reindex(store, alias, target, family.reindex_script, progress, op_type="index")
    store.request("POST", f"/{target}/_refresh")
    missing = _count_missing(store, alias, target, count)
    if missing:
        raise SetupError(
            f"{alias}: {missing} documents of the concrete index {alias} are not in {target} "
            f"after reindexing; nothing was deleted; run setup again"
        )
    store.request(
        "POST",
        "/_aliases",
        {
            "actions": [
                {"remove_index": {"index": alias}},
                {"add": {"index": target, "alias": alias, "is_write_index": True}},
            ]
        },
    )
    report.add(
        f"{alias}: was a concrete index (dynamic mappings); moved its {copied} of {count} "
        f"documents into {target}, deleted it and restored the alias"
    )


def _restore_alias(store: SearchStore, family: IndexFamily, report: SetupReport) -> str | None:
    """Put a deleted alias back on the newest versioned index; None when there is none."""
    latest = _latest_index(store, family)
    if latest is None:
        return None
    store.request(
        "POST",
        "/_aliases",
        {"actions": [{"add": {"index": latest, "alias": family.alias, "is_write_index": True}}]},
    )
    report.add(f"{family.alias}: alias was missing; restored on {latest}")
    return latest


def migrate(
    store: SearchStore,
    family: IndexFamily,
    old: str,
    report: SetupReport,
    progress: ProgressCallback | None = None,
) -> None:
    new = family.index_name(_next_version(store, family))
    store.request("PUT", f"/{new}")
    store.request(
        "POST",
        "/_aliases",
        {
            "actions": [
                {"add": {"index": new, "alias": family.alias, "is_write_index": True}},
                {"add": {"index": old, "alias": family.alias, "is_write_index": False}},
            ]
        },
    )
    # Reindex reads through search, which sees only refreshed documents; once the
    # alias has moved no more writes reach `old`, so this refresh makes it complete.
    store.request("POST", f"/{old}/_refresh")
    copied = _reindex(store, old, new, family.reindex_script, progress)
    store.request("POST", f"/{new},{old}/_refresh")
    old_count = store.request("GET", f"/{old}/_count")["count"]
    missing = _count_missing(store, old, new, old_count)
    if missing:
        raise SetupError(
            f"{family.alias}: {missing} documents of {old} are not in {new} after reindexing; "
            f"both indices stay in the alias, nothing was deleted; run setup again"
        )
    store.request(
        "POST", "/_aliases", {"actions": [{"remove": {"index": old, "alias": family.alias}}]}
    )
    report.add(
        f"{family.alias}: mapping changed; created {new}, reindexed {copied} of {old_count} "
        f"documents from {old} (newer writes kept), alias moved; {old} kept for rollback"
    )


def _put_template(store: SearchStore, family: IndexFamily, report: SetupReport) -> None:
    existing = store.request("GET", f"/_index_template/{family.alias}", ignore=(404,))
    installed = _installed_template_hash(existing)
    if installed == family.template_hash:
        return
    store.request("PUT", f"/_index_template/{family.alias}", family.body)
    verb = "installed" if installed is None else "updated"
    report.add(f"{family.alias}: template {verb} ({family.template_hash})")


def _installed_template_hash(response: Any) -> str | None:
    for item in (response or {}).get("index_templates", []):
        meta = item["index_template"].get("template", {}).get("mappings", {}).get("_meta", {})
        value = meta.get(HASH_KEY)
        return None if value is None else str(value)
    return None


def _index_template_hash(store: SearchStore, index: str) -> str | None:
    mapping = store.request("GET", f"/{index}/_mapping")
    meta = mapping.get(index, {}).get("mappings", {}).get("_meta", {})
    value = meta.get(HASH_KEY)
    return str(value) if value is not None else None


def _next_version(store: SearchStore, family: IndexFamily) -> int:
    latest = _latest_index(store, family)
    return (_version_of(latest) if latest else 0) + 1


def _latest_index(store: SearchStore, family: IndexFamily) -> str | None:
    """The highest `<alias>-v<N>` that exists, or None."""
    indices = store.request("GET", f"/{family.alias}-v*", params={"expand_wildcards": "all"})
    return max(indices or {}, key=_version_of, default=None)


def _version_of(index: str) -> int:
    match = re.search(r"-v(\d+)$", index)
    return int(match.group(1)) if match else 0


def _reindex(
    store: SearchStore,
    old: str,
    new: str,
    script: dict[str, Any] | None,
    progress: ProgressCallback | None = None,
    *,
    op_type: str = "create",
) -> int:
    """Copy `old` into `new`: `create` keeps documents already in `new`, `index` overwrites."""
    body: dict[str, Any] = {
        "conflicts": "proceed",
        "source": {"index": old},
        "dest": {"index": new, "op_type": op_type},
    }
    if script is not None:  # fills fields that documents written before them lack
        body["script"] = script
    task = store.request(
        "POST", "/_reindex", body, params={"wait_for_completion": "false", "refresh": "true"}
    )["task"]
    while True:
        status = store.request("GET", f"/_tasks/{task}")
        if progress is not None:
            progress(_progress_of(status, old, new))
        if status.get("completed"):
            response = status.get("response", {})
            failures = [f for f in response.get("failures", []) if f.get("status") != 409]
            if failures or status.get("error"):
                raise SetupError(f"reindex {old} → {new} failed: {failures or status['error']}")
            return int(response.get("created", 0)) + int(response.get("updated", 0))
        time.sleep(REINDEX_POLL_SECONDS)


def _progress_of(status: dict[str, Any], old: str, new: str) -> ReindexProgress:
    """The task's own counters (`task.status`; the same in the final `response`)."""
    counts = status.get("response") or status.get("task", {}).get("status", {})
    done = sum(int(counts.get(k, 0)) for k in ("created", "updated", "version_conflicts", "noops"))
    total = int(counts.get("total", 0))
    return ReindexProgress(old, new, done, total, bool(status.get("completed")))


def _count_missing(store: SearchStore, old: str, new: str, old_count: int) -> int:
    """Documents of `old` whose id is absent from `new` (checked by id, not by count).

    A scroll is used because it is the one paging API both engines share.
    """
    if old_count == 0:
        return 0
    missing = 0
    page = store.request(
        "POST",
        f"/{old}/_search",
        {"size": 1000, "_source": False, "sort": ["_doc"]},
        params={"scroll": "2m"},
    )
    try:
        while hits := page["hits"]["hits"]:
            ids = [h["_id"] for h in hits]
            found = store.request(
                "POST", f"/{new}/_search", {"size": 0, "query": {"ids": {"values": ids}}}
            )
            missing += len(ids) - int(found["hits"]["total"]["value"])
            page = store.request(
                "POST", "/_search/scroll", {"scroll": "2m", "scroll_id": page["_scroll_id"]}
            )
    finally:
        store.request("DELETE", "/_search/scroll", {"scroll_id": page["_scroll_id"]}, ignore=(404,))
    return missing
