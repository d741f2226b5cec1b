"""Every bulk write to the engine, and the one reading of its per-item answers.

`send` is the only loop over the client's raw bulk results; every caller (the
crawl's buffered indexer, the spool's replay, `newswatch index`, the alert
records, the watches, the run history) gets `ItemOutcome`s from it, or uses
`send_actions` (answers matched to actions and sorted by what to do next) or
`write_all` (all must succeed).
"""

from __future__ import annotations

import logging
from collections import Counter
from collections.abc import Callable, Collection, Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any

from crawler.engine.client import EngineError, SearchStore
from crawler.engine.indices import ARTICLES_ALIAS
from crawler.models import Article

log = logging.getLogger(__name__)

Action = dict[str, Any]


@dataclass(frozen=True, slots=True)
class ItemOutcome:
    """One action's answer in a bulk response."""

    ok: bool
    op: str  # index, create, update or delete
    doc_id: str
    # The engine's per-item answer: status, result ("created", "updated"), error.
    result: dict[str, Any]

    @property
    def status(self) -> int | None:
        status = self.result.get("status")
        return int(status) if status is not None else None


def send(
    store: SearchStore, actions: Iterable[Action], *, chunk_size: int | None = None
) -> Iterator[ItemOutcome]:
    """One outcome per action, in the order the engine answers."""
    for ok, item in store.bulk(actions, chunk_size=chunk_size):
        op, result = next(iter(item.items()))
        yield ItemOutcome(ok=ok, op=op, doc_id=str(result.get("_id")), result=result)


def write_all(
    store: SearchStore,
    actions: Iterable[Action],
    *,
    what: str,
    chunk_size: int | None = None,
    tolerate: Collection[int] = (),
) -> list[ItemOutcome]:
    """Send actions that must all succeed (answers with a status in `tolerate` count as
    expected); raise EngineError naming `what` and the first failures otherwise."""
    outcomes = list(send(store, actions, chunk_size=chunk_size))
    failed = [o.result for o in outcomes if not o.ok and o.status not in tolerate]
    if failed:
        raise EngineError(f"{what}: {len(failed)} not written: {failed[:3]}")
    return outcomes


# Error types an operator or the engine lifts while the document stays the same:
# `index.blocks.write` or a flood-stage disk (cluster_block_exception, HTTP 403
# per item, checked on OpenSearch 2.19), missing privileges (security_exception),
# a closed index (index_closed_exception, HTTP 400) and a missing alias
# (index_not_found_exception, HTTP 404 with `require_alias`). A missing document
# for an update is also a 404 but is refused for good: it is told by its type.
LIFTABLE_ERRORS = frozenset(
    {
        "cluster_block_exception",
        "security_exception",
        "index_closed_exception",
        "index_not_found_exception",
    }
)


def is_retryable(result: dict[str, Any]) -> bool:
    """Overloaded (429), server-side (5xx) and liftable refusals may succeed later."""
    status = result.get("status")
    if status is None or status == 429 or status >= 500 or status in (401, 403):
        return True
    return error_kind(result) in LIFTABLE_ERRORS


def is_liftable(result: dict[str, Any]) -> bool:
    """A refusal that lasts until someone acts (lifts a block, runs setup), not a hiccup."""
    status = result.get("status")
    return status in (401, 403) or error_kind(result) in LIFTABLE_ERRORS


def refusal_hint(result: dict[str, Any]) -> str:
    """What a person does about a liftable refusal, for the log line that reports it."""
    kind = error_kind(result)
    if kind == "index_not_found_exception":
        return "the alias is missing: run `newswatch setup`"
    if kind == "cluster_block_exception":
        return "the index is write-blocked: lift the block (or free disk space on the engine)"
    if kind == "index_closed_exception":
        return "the index is closed: open it"
    return "the credentials lack a privilege: see deploy/ for the crawler's role"


@dataclass
class BulkOutcome:
    """What happened to each action of one bulk call."""

    succeeded: list[tuple[Action, dict[str, Any]]] = field(default_factory=list)
    retryable: list[tuple[Action, dict[str, Any]]] = field(default_factory=list)
    rejected: list[tuple[Action, dict[str, Any]]] = field(default_factory=list)
    # Not answered because the whole request failed (see `error`).
    unsent: list[Action] = field(default_factory=list)
    error: EngineError | None = None


def send_actions(store: SearchStore, actions: list[Action]) -> BulkOutcome:
    """Send actions through `store.bulk` and sort each one by its result.

    Results are matched to actions by (operation, _id): the helper retries 429s
    itself and then reports them out of order.
    """
    outcome = BulkOutcome()
    waiting: dict[tuple[str, str], list[Action]] = {}
    for action in actions:
        waiting.setdefault(action_key(action), []).append(action)
    try:
        for item in send(store, actions):
            matched = waiting.get((item.op, item.doc_id))
            if not matched:
                log.error("bulk result for unknown action %s %s", item.op, item.doc_id)
                continue
            action = matched.pop(0)
            if item.ok:
                outcome.succeeded.append((action, item.result))
            elif is_retryable(item.result):
                outcome.retryable.append((action, item.result))
            else:
                outcome.rejected.append((action, item.result))
    except EngineError as exc:
        outcome.error = exc
    outcome.unsent = [action for group in waiting.values() for action in group]
    return outcome


def action_key(action: Action) -> tuple[str, str]:
    """(operation, _id): how a bulk answer is matched to the action it answers."""
    return str(action.get("_op_type", "index")), str(action.get("_id"))


def error_kind(result: dict[str, Any]) -> str:
    error = result.get("error")
    if isinstance(error, dict):
        return str(error.get("type", "unknown"))
    return "unknown"


def error_reason(result: dict[str, Any]) -> str:
    error = result.get("error")
    if isinstance(error, dict):
        return str(error.get("reason", ""))
    return str(error or "")


@dataclass
class IndexReport:
    created: int = 0
    updated: int = 0
    failed: int = 0
    errors_by_kind: Counter[str] = field(default_factory=Counter)
    first_errors: list[str] = field(default_factory=list)

    @property
    def indexed(self) -> int:
        return self.created + self.updated

    def record(self, item: ItemOutcome) -> None:
        result = item.result
        if item.ok:
            if result.get("result") == "created":
                self.created += 1
            else:
                self.updated += 1
            return
        self.failed += 1
        error = result.get("error") or {}
        kind = error.get("type", "unknown") if isinstance(error, dict) else "unknown"
        self.errors_by_kind[kind] += 1
        # Keep a handful of examples for the user; the counts hold the rest.
        if len(self.first_errors) < 5:
            reason = error.get("reason") if isinstance(error, dict) else error
            self.first_errors.append(f"id {result.get('_id')}: {kind}: {reason}")


def index_articles(
    store: SearchStore,
    articles: Iterable[Article],
    *,
    index: str = ARTICLES_ALIAS,
    chunk_size: int | None = None,
    on_result: Callable[[bool], None] | None = None,
) -> IndexReport:
    return index_actions(
        store, article_actions(articles, index), chunk_size=chunk_size, on_result=on_result
    )


def index_actions(
    store: SearchStore,
    actions: Iterable[dict[str, Any]],
    *,
    chunk_size: int | None = None,
    on_result: Callable[[bool], None] | None = None,
) -> IndexReport:
    """Bulk-index ready actions (e.g. built ahead in another thread by `prefetch`)."""
    report = IndexReport()
    for item in send(store, actions, chunk_size=chunk_size):
        report.record(item)
        if on_result:
            on_result(item.ok)
    if report.failed:
        log.warning("bulk indexing: %d failed %s", report.failed, dict(report.errors_by_kind))
    return report


def article_actions(
    articles: Iterable[Article], index: str = ARTICLES_ALIAS
) -> Iterator[dict[str, Any]]:
    for article in articles:
        yield article.to_action(index)
