"""The spool without an engine: a stand-in store answers bulk calls item by item.

The real engine's behaviour (mapping errors, idempotent re-sends) is covered
by tests/integration/test_indexer.py.
"""

from __future__ import annotations

import fcntl
import json
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any, cast

import pytest

from crawler.engine.bulk import send_actions
from crawler.engine.client import EngineError, EngineUnreachable, SearchStore
from crawler.engine.indexer import BufferedIndexer
from crawler.engine.spool import Spool


def action(doc_id: str, op: str = "index") -> dict[str, Any]:
    if op == "update":
        return {"_op_type": "update", "_index": "a", "_id": doc_id, "doc": {"is_original": False}}
    return {"_op_type": op, "_index": "a", "_id": doc_id, "_source": {"title": doc_id}}


class StubStore:
    """Answers `bulk` from a table of per-id statuses; may go unreachable after N items."""

    def __init__(
        self,
        statuses: dict[str, int] | None = None,
        *,
        unreachable_after: int | None = None,
        refuse_request: bool = False,
        kinds: dict[str, str] | None = None,
    ) -> None:
        self.statuses = statuses or {}
        self.kinds = kinds or {}
        self.unreachable_after = unreachable_after
        self.refuse_request = refuse_request
        self.sent: list[str] = []

    def bulk(
        self, actions: Iterable[dict[str, Any]], *, chunk_size: int | None = None
    ) -> Iterator[tuple[bool, dict[str, Any]]]:
        if self.refuse_request:
            raise EngineError("POST /_bulk failed (HTTP 401)", status=401)
        for n, item in enumerate(actions):
            if self.unreachable_after is not None and n >= self.unreachable_after:
                raise EngineUnreachable("search engine at http://127.0.0.1:1 is unreachable")
            doc_id = item["_id"]
            op = item.get("_op_type", "index")
            self.sent.append(doc_id)
            status = self.statuses.get(doc_id, 201)
            result: dict[str, Any] = {"_id": doc_id, "status": status}
            if status < 300:
                result["result"] = "created"
            else:
                kind = "mapper_parsing_exception" if status == 400 else "es_rejected_execution"
                kind = self.kinds.get(doc_id, kind)
                result["error"] = {"type": kind, "reason": f"refused {doc_id}"}
            yield status < 300, {op: result}


def as_store(stub: StubStore) -> SearchStore:
    return cast(SearchStore, stub)


def test_append_writes_one_complete_segment_per_call(tmp_path: Path) -> None:
    spool = Spool(tmp_path / "spool")
    first = spool.append([action("a"), action("b")])
    second = spool.append([action("c")])
    assert spool.append([]) is None
    assert spool.segments() == [first, second]
    assert spool.pending() == 3
    assert first is not None
    lines = first.read_text(encoding="utf-8").splitlines()
    assert [json.loads(line)["_id"] for line in lines] == ["a", "b"]
    assert not [p for p in (tmp_path / "spool").iterdir() if p.name.endswith(".tmp")]


def test_actions_without_an_id_are_refused(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="_id"):
        Spool(tmp_path).append([{"_op_type": "index", "_source": {}}])


def test_half_written_temporary_files_are_not_segments(tmp_path: Path) -> None:
    spool = Spool(tmp_path)
    (tmp_path / ".seg-00000000000000000001-1-000000.jsonl.tmp").write_text('{"_id": "x"', "utf-8")
    assert spool.segments() == []
    assert spool.pending() == 0


def test_replay_sends_oldest_first_and_deletes_finished_segments(tmp_path: Path) -> None:
    spool = Spool(tmp_path)
    spool.append([action("a"), action("b")])
    spool.append([action("c"), action("c", "update")])
    stub = StubStore()
    result = spool.replay(as_store(stub))
    assert stub.sent == ["a", "b", "c", "c"]
    assert (result.replayed, result.segments_done, result.remaining) == (4, 2, 0)
    assert result.stopped is None
    assert spool.segments() == []


def test_unreachable_engine_stops_replay_and_keeps_everything(tmp_path: Path) -> None:
    spool = Spool(tmp_path)
    spool.append([action("a"), action("b")])
    spool.append([action("c")])
    result = spool.replay(as_store(StubStore(unreachable_after=0)))
    assert result.stopped is not None and "unreachable" in result.stopped
    assert (result.replayed, result.remaining, len(spool.segments())) == (0, 3, 2)


def test_unreachable_mid_segment_keeps_only_the_unanswered(tmp_path: Path) -> None:
    spool = Spool(tmp_path)
    spool.append([action("a"), action("b"), action("c")])
    result = spool.replay(as_store(StubStore(unreachable_after=1)))
    assert (result.replayed, result.remaining) == (1, 2)
    stub = StubStore()
    assert spool.replay(as_store(stub)).replayed == 2
    assert stub.sent == ["b", "c"]


def test_request_refused_as_a_whole_keeps_the_segment(tmp_path: Path) -> None:
    spool = Spool(tmp_path)
    spool.append([action("a")])
    result = spool.replay(as_store(StubStore(refuse_request=True)))
    assert result.stopped is not None and "refused" in result.stopped
    assert spool.pending() == 1


def test_permanent_errors_go_to_rejected_with_their_reason(tmp_path: Path) -> None:
    spool = Spool(tmp_path)
    spool.append([action("good"), action("bad"), action("good2")])
    result = spool.replay(as_store(StubStore({"bad": 400})))
    assert (result.replayed, result.rejected, result.remaining) == (2, 1, 0)
    assert result.rejected_by_kind == {"mapper_parsing_exception": 1}
    assert spool.segments() == []
    [rejected] = spool.rejected_files()
    [record] = [json.loads(line) for line in rejected.read_text("utf-8").splitlines()]
    assert record["action"]["_id"] == "bad"
    assert record["status"] == 400
    assert record["kind"] == "mapper_parsing_exception"
    assert record["reason"] == "refused bad"


def test_retryable_item_failures_stay_spooled_in_order(tmp_path: Path) -> None:
    spool = Spool(tmp_path)
    path = spool.append([action("a"), action("busy"), action("b"), action("busy", "update")])
    result = spool.replay(as_store(StubStore({"busy": 429})))
    assert (result.replayed, result.rejected, result.remaining) == (2, 0, 2)
    assert result.stopped is not None and "retryable" in result.stopped
    assert spool.segments() == [path]  # same name, same place in the order
    assert path is not None
    kept = [json.loads(line) for line in path.read_text("utf-8").splitlines()]
    assert [(a["_op_type"], a["_id"]) for a in kept] == [("index", "busy"), ("update", "busy")]


def test_a_later_segment_waits_behind_a_stuck_one(tmp_path: Path) -> None:
    spool = Spool(tmp_path)
    spool.append([action("busy")])
    spool.append([action("later")])
    stub = StubStore({"busy": 503})
    spool.replay(as_store(stub))
    assert stub.sent == ["busy"]
    assert spool.pending() == 2


def test_only_one_replay_at_a_time(tmp_path: Path) -> None:
    spool = Spool(tmp_path)
    spool.append([action("a")])
    with open(tmp_path / ".replay.lock", "a") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        result = spool.replay(as_store(StubStore()))
    assert result.stopped == "another process is replaying this spool"
    assert result.remaining == 1


def test_send_actions_matches_results_to_actions_by_operation_and_id() -> None:
    actions = [action("x"), action("x", "update"), action("y")]
    outcome = send_actions(as_store(StubStore({"y": 500})), actions)
    assert [a for a, _ in outcome.succeeded] == actions[:2]
    assert [a for a, _ in outcome.retryable] == [actions[2]]
    assert outcome.rejected == [] and outcome.unsent == [] and outcome.error is None


def test_refusals_the_engine_lifts_stay_in_the_spool_and_say_what_to_do(tmp_path: Path) -> None:
    spool = Spool(tmp_path)
    spool.append([action("blocked"), action("no-alias"), action("gone", "update"), action("ok")])
    stub = StubStore(
        {"blocked": 403, "no-alias": 404, "gone": 404},
        kinds={
            "blocked": "cluster_block_exception",
            "no-alias": "index_not_found_exception",
            "gone": "document_missing_exception",  # an update of a missing document: for good
        },
    )
    result = spool.replay(as_store(stub))
    assert (result.replayed, result.rejected, result.remaining) == (1, 1, 2)
    assert result.refused == {
        ("index", "blocked"): "cluster_block_exception",
        ("index", "no-alias"): "index_not_found_exception",
    }
    assert result.stopped is not None and "refused for now" in result.stopped
    assert "lift the block" in result.stopped
    # Lifted: everything left goes through, nothing was lost on the way.
    assert spool.replay(as_store(StubStore())).replayed == 2
    assert spool.pending() == 0


def test_a_corrupt_line_is_set_aside_named_and_the_rest_replayed(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    spool = Spool(tmp_path)
    first = spool.append([action("a"), action("b"), action("c")])
    spool.append([action("d")])
    assert first is not None
    lines = first.read_bytes().splitlines(keepends=True)
    first.write_bytes(
        lines[0] + b'{"_op_type": "index", "_id": "b", "_sou\n' + b"\xff\n" + lines[2]
    )
    stub = StubStore()
    result = spool.replay(as_store(stub))
    assert stub.sent == ["a", "c", "d"]
    assert (result.replayed, result.quarantined, result.remaining) == (3, 2, 0)
    corrupt = first.with_name(first.name + ".corrupt")
    assert corrupt.read_bytes() == b'{"_op_type": "index", "_id": "b", "_sou\n\xff\n'
    assert f"{first} line 2 is not a bulk action (not JSON" in caplog.text
    assert f"{first} line 3 is not a bulk action (not UTF-8" in caplog.text
    assert str(corrupt) in caplog.text
    assert spool.segments() == [] and spool.pending() == 0  # the .corrupt file is no segment


def test_rejected_actions_are_counted_and_put_back_in_line(tmp_path: Path) -> None:
    spool = Spool(tmp_path)
    spool.append([action("bad1"), action("bad2"), action("good")])
    spool.replay(as_store(StubStore({"bad1": 400, "bad2": 400})))
    assert (spool.rejected(), spool.pending()) == (2, 0)
    assert spool.requeue_rejected() == 2
    assert (spool.rejected(), spool.pending(), spool.rejected_files()) == (0, 2, [])
    stub = StubStore()  # the cause was fixed (e.g. the mapping)
    assert spool.replay(as_store(stub)).replayed == 2
    assert stub.sent == ["bad1", "bad2"]


def test_a_request_refused_as_a_whole_is_kept_and_counted_once(tmp_path: Path) -> None:
    spool = Spool(tmp_path)
    with BufferedIndexer(as_store(StubStore(refuse_request=True)), spool, batch_size=2) as indexer:
        for doc_id in ("a", "b", "c"):
            indexer.add(action(doc_id))
    assert indexer.stats.spooled == 3 and spool.pending() == 3
    # The first batch was refused; the rest waited behind it unsent.
    assert indexer.stats.errors_by_kind() == {"index:request_http_401": 2}
