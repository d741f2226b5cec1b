"""Rollover policies: ILM on Elasticsearch, ISM on OpenSearch, read from index_mappings/.

A family with policy files (`<family>.ilm.json`, `<family>.ism.json`) gets
rollover: its backing indices are named `<alias>-v<N>-000001` (rollover
counts up the trailing number, and both engines refuse to roll an index whose
name does not end in `-<digits>`), its template names the write alias, and
`newswatch setup` installs the policy for the flavor it finds. The files are
the request bodies as sent (`PUT _ilm/policy/<id>`,
`PUT _plugins/_ism/policies/<id>`); a hash of each, kept in the policy
(ILM `_meta`, ISM `description`), tells setup whether the installed one is
current.

OpenSearch needs the Index State Management plugin (opensearch-index-management)
for ISM. It is not published to Maven Central, so the local node assembled
from there has none: setup then says which policy it skipped, and the indices
stay rollover-ready (write alias, numbered names) for an engine that has it.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # templates.py reads policy files without the engine adapter
    from crawler.engine.client import Flavor, SearchStore

# Which policy file each flavor reads.
POLICY_KINDS: dict[Flavor, str] = {"elasticsearch": "ilm", "opensearch": "ism"}
POLICY_HASH_KEY = "newswatch_policy_hash"
ISM_HASH_MARK = " [newswatch_policy_hash "
ISM_PLUGIN = "opensearch-index-management"


# Conditions each engine's rollover action accepts (ILM: Elasticsearch 8/9; ISM:
# OpenSearch 2.x); the engine refuses a policy with any other key when it is put.
ILM_ROLLOVER_KEYS = frozenset(
    f"{bound}_{what}"
    for bound in ("max", "min")
    for what in ("age", "docs", "size", "primary_shard_size", "primary_shard_docs")
)
ISM_ROLLOVER_KEYS = frozenset(
    {"min_size", "min_primary_shard_size", "min_doc_count", "min_index_age", "copy_alias"}
)


class PolicyFileError(Exception):
    """A policy file in index_mappings/ is malformed; the message names the file and field."""


def policy_id(alias: str) -> str:
    return f"{alias}-rollover"


def read_policies(directory: Path, family: str, index_patterns: list[str]) -> dict[str, Any]:
    """The family's policy bodies by kind ("ilm", "ism"), checked; {} when it has none."""
    policies: dict[str, Any] = {}
    for kind in POLICY_KINDS.values():
        path = directory / f"{family}.{kind}.json"
        if not path.exists():
            continue
        try:
            body = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError) as exc:
            raise PolicyFileError(f"{path}: cannot read as JSON: {exc}") from None
        _CHECKS[kind](path, body, index_patterns)
        policies[kind] = body
    if len(policies) == 1:
        raise PolicyFileError(
            f"{directory}: {family} has only a {next(iter(policies))} policy; rollover needs "
            f"both {family}.ilm.json (Elasticsearch) and {family}.ism.json (OpenSearch)"
        )
    return policies


def _check_ilm(path: Path, body: Any, index_patterns: list[str]) -> None:
    try:
        rollover = body["policy"]["phases"]["hot"]["actions"]["rollover"]
    except (KeyError, TypeError):
        raise PolicyFileError(f"{path}: needs policy.phases.hot.actions.rollover") from None
    _check_keys(path, "policy.phases.hot.actions.rollover", rollover, ILM_ROLLOVER_KEYS)
    if not any(key.startswith("max_") for key in rollover):
        raise PolicyFileError(
            f"{path}: policy.phases.hot.actions.rollover needs a max_* condition "
            f"(max_age, max_primary_shard_size, max_docs, ...), got {sorted(rollover)}"
        )


def _check_ism(path: Path, body: Any, index_patterns: list[str]) -> None:
    try:
        policy = body["policy"]
        states = {state["name"]: state for state in policy["states"]}
        default = states[policy["default_state"]]
        templates = policy["ism_template"]
    except (KeyError, TypeError):
        raise PolicyFileError(
            f"{path}: needs policy.states (each with a name), policy.default_state naming "
            f"one of them, and policy.ism_template"
        ) from None
    rollovers = [a["rollover"] for a in default.get("actions", []) if "rollover" in a]
    if not rollovers:
        raise PolicyFileError(f"{path}: the default state {default['name']!r} has no rollover")
    where = f"policy.states[{default['name']}].rollover"
    _check_keys(path, where, rollovers[0], ISM_ROLLOVER_KEYS)
    for state in states.values():
        for transition in state.get("transitions", []):
            if transition.get("state_name") not in states:
                raise PolicyFileError(
                    f"{path}: state {state['name']!r} moves to unknown state "
                    f"{transition.get('state_name')!r}"
                )
    patterns = [p for t in templates for p in t.get("index_patterns", [])]
    if patterns != index_patterns:
        raise PolicyFileError(
            f"{path}: policy.ism_template index_patterns {patterns} must equal the "
            f"template's index_patterns {index_patterns}"
        )


def _check_keys(path: Path, where: str, given: Any, allowed: frozenset[str]) -> None:
    unknown = sorted(set(given) - allowed) if isinstance(given, dict) else [repr(given)]
    if unknown:
        raise PolicyFileError(f"{path}: {where}: unknown condition {unknown[0]}")


_CHECKS = {"ilm": _check_ilm, "ism": _check_ism}


@dataclass(frozen=True, slots=True)
class Lifecycle:
    """What the connected engine can do about rollover, and the requests for it."""

    flavor: Flavor
    available: bool

    @classmethod
    def detect(cls, store: SearchStore) -> Lifecycle:
        path = "/_ilm/status" if store.flavor == "elasticsearch" else "/_plugins/_ism/policies"
        # An engine without the API answers 400 ("no handler found") or 404.
        answer = store.request("GET", path, ignore=(400, 404, 405))
        return cls(store.flavor, answer is not None)

    @property
    def kind(self) -> str:
        return POLICY_KINDS[self.flavor]

    def missing_reason(self, url: str) -> str:
        if self.flavor == "elasticsearch":
            return f"the engine at {url} has no index lifecycle management (GET /_ilm/status)"
        return (
            f"the engine at {url} has no Index State Management plugin ({ISM_PLUGIN}; "
            f"GET /_plugins/_ism/policies is unknown)"
        )

    def index_settings(self, alias: str) -> dict[str, str]:
        """Template settings that tie new backing indices to the policy and the alias."""
        if self.flavor == "elasticsearch":
            return {
                "index.lifecycle.name": policy_id(alias),
                "index.lifecycle.rollover_alias": alias,
            }
        # ISM attaches the policy itself (its ism_template); it needs the alias to roll.
        return {"plugins.index_state_management.rollover_alias": alias}

    def install_policy(self, store: SearchStore, alias: str, body: dict[str, Any]) -> str | None:
        """Create or update the policy; a message when something changed, else None."""
        pid = policy_id(alias)
        wanted = _with_hash(self.kind, body)
        if self.flavor == "elasticsearch":
            current = store.request("GET", f"/_ilm/policy/{pid}", ignore=(404,))
            installed = (current or {}).get(pid, {}).get("policy", {}).get("_meta", {})
            if installed.get(POLICY_HASH_KEY) == _hash(body):
                return None
            store.request("PUT", f"/_ilm/policy/{pid}", wanted)
            return f"ILM policy {pid} {'updated' if current else 'installed'}"
        return self._install_ism(store, pid, body, wanted)

    def _install_ism(
        self, store: SearchStore, pid: str, body: dict[str, Any], wanted: dict[str, Any]
    ) -> str | None:
        current = store.request("GET", f"/_plugins/_ism/policies/{pid}", ignore=(404,))
        if current is None:
            store.request("PUT", f"/_plugins/_ism/policies/{pid}", wanted)
            return f"ISM policy {pid} installed"
        installed = current.get("policy", {})
        installed = installed.get("policy", installed)  # some versions nest it once more
        if ISM_HASH_MARK + _hash(body) in str(installed.get("description", "")):
            return None
        # ISM updates only with the sequence number it has (optimistic concurrency).
        params = {"if_seq_no": current["_seq_no"], "if_primary_term": current["_primary_term"]}
        store.request("PUT", f"/_plugins/_ism/policies/{pid}", wanted, params=params)
        return f"ISM policy {pid} updated"

    def attach(self, store: SearchStore, index: str, alias: str) -> bool:
        """Put an index created before the policy under it; True when it was not yet."""
        if self.flavor == "elasticsearch":
            settings = store.request("GET", f"/{index}/_settings/index.lifecycle.name")
            if settings.get(index, {}).get("settings", {}).get("index", {}).get("lifecycle"):
                return False
            store.request("PUT", f"/{index}/_settings", self.index_settings(alias))
            return True
        explain = store.request("GET", f"/_plugins/_ism/explain/{index}")
        if explain.get(index, {}).get("index.plugins.index_state_management.policy_id"):
            return False
        store.request("PUT", f"/{index}/_settings", self.index_settings(alias))
        store.request("POST", f"/_plugins/_ism/add/{index}", {"policy_id": policy_id(alias)})
        return True

    def detach(self, store: SearchStore, indices: list[str]) -> None:
        """Take indices that left the alias (an upgrade) out of rollover; best effort."""
        from crawler.engine.client import EngineError

        for index in indices:
            path = (
                f"/{index}/_ilm/remove"
                if self.flavor == "elasticsearch"
                else f"/_plugins/_ism/remove/{index}"
            )
            with contextlib.suppress(EngineError):  # it never had a policy: nothing to remove
                store.request("POST", path)


def _hash(body: dict[str, Any]) -> str:
    digest = hashlib.sha256(json.dumps(body, sort_keys=True, ensure_ascii=False).encode())
    return digest.hexdigest()[:16]


def _with_hash(kind: str, body: dict[str, Any]) -> dict[str, Any]:
    """The body with its hash where the engine keeps it: ILM `_meta`, ISM `description`."""
    policy = dict(body["policy"])
    if kind == "ilm":
        policy["_meta"] = {**policy.get("_meta", {}), POLICY_HASH_KEY: _hash(body)}
    else:
        description = str(policy.get("description", ""))
        policy["description"] = f"{description}{ISM_HASH_MARK}{_hash(body)}]"
    return {"policy": policy}
