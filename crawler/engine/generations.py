"""Writes through a rolled-over alias reach the backing index that holds the document.

After a rollover (crawler/engine/lifecycle.py) the articles alias reads
`...-v<N>-000001` and `...-000002` but writes only to the newest. Our ids are
stable (a re-crawled page has the id it had), so a re-crawled article from an
older generation would be written a second time into the newest index, and an
update (`is_original: false`) of it would fail as not found. Before a chunk
is sent, the ids are looked up in the alias's older generations of the same
mapping version (one real-time `_mget` per older generation), and the actions for ids found there
are sent to that index instead.

An alias with one backing index costs one `GET _alias` per chunk and nothing
else. Older *versions* (an upgrade copying into `-v<N+1>`) are left alone:
their documents are being copied into the new version, where writes belong.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # store.py calls this module; the type only
    from crawler.engine.client import SearchStore

Action = dict[str, Any]

# `<alias>-v<N>-<generation>`: only rollover names have generations.
_GENERATION = re.compile(r"^(?P<version>.+-v\d+)-(?P<generation>\d+)$")


def split_by_home(store: SearchStore, actions: list[Action]) -> tuple[list[Action], list[Action]]:
    """(actions for the alias as they are, copies of actions sent to an older generation)."""
    homes: dict[tuple[str, str], str] = {}
    for alias in {str(a.get("_index", "")) for a in actions}:
        older = older_generations(store, alias)
        if older:
            ids = sorted({str(a["_id"]) for a in actions if a.get("_index") == alias})
            homes.update(((alias, doc_id), index) for doc_id, index in _find(store, older, ids))
    through_alias: list[Action] = []
    to_index: list[Action] = []
    for action in actions:
        home = homes.get((str(action.get("_index", "")), str(action.get("_id"))))
        if home is None:
            through_alias.append(action)
        else:
            to_index.append({**action, "_index": home})
    return through_alias, to_index


def older_generations(store: SearchStore, alias: str) -> list[str]:
    """Non-write backing indices of the write index's version; [] for a plain alias."""
    if not alias or alias.startswith("_"):
        return []
    aliases = store.request("GET", f"/_alias/{alias}", ignore=(404,)) or {}
    if len(aliases) < 2:
        return []
    writers = [
        index
        for index, spec in aliases.items()
        if isinstance(spec, dict) and spec.get("aliases", {}).get(alias, {}).get("is_write_index")
    ]
    match = _GENERATION.match(writers[0]) if len(writers) == 1 else None
    if match is None:
        return []
    prefix = match["version"] + "-"
    return sorted(i for i in aliases if i != writers[0] and i.startswith(prefix))


def _find(store: SearchStore, indices: list[str], ids: list[str]) -> list[tuple[str, str]]:
    """(id, index) for each id present in one of `indices` (the newest when in several).

    `_mget` rather than a search: it is real-time, so a document indexed a moment
    ago, not yet refreshed into search, is found too.
    """
    found: list[tuple[str, str]] = []
    for index in sorted(indices):  # oldest first: a newer home overrides it
        answer = store.request("POST", f"/{index}/_mget", {"ids": ids}, params={"_source": "false"})
        found += [(str(d["_id"]), index) for d in answer["docs"] if d.get("found")]
    return found
