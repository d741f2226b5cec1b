"""Every briefing is kept: its files under `state_dir/briefings/<name>/<stamp>/` and a
record (period, counts, deliveries) there and in the engine's `newswatch-briefings`
index, so last week's can be found (`newswatch brief NAME --list`) and a missed
one re-sent (`--resend STAMP`). The record on disk is the one that counts; the
engine's copy is written with `require_alias` and a failure there is a warning.
"""

from __future__ import annotations

import json
import logging
import os
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from crawler.engine.client import EngineError, SearchStore
from crawler.engine.indices import BRIEFINGS_ALIAS
from scheduler.briefing.model import Briefing

log = logging.getLogger(__name__)


RECORD_FILE = "record.json"


@dataclass(frozen=True, slots=True)
class ArchivedBriefing:
    name: str
    stamp: str
    start: datetime
    end: datetime
    folder: Path
    record: dict[str, Any]

    def file(self, fmt: str) -> Path:
        return self.folder / f"{self.name}-{self.stamp}.{fmt}"


def folder_of(state_dir: Path, name: str, stamp: str) -> Path:
    return state_dir / "briefings" / name / stamp


def save_files(state_dir: Path, briefing: Briefing, files: Mapping[str, bytes]) -> Path:
    folder = folder_of(state_dir, briefing.name, briefing.stamp)
    folder.mkdir(parents=True, exist_ok=True)
    for fmt, data in files.items():
        _write_atomic(folder / f"{briefing.name}-{briefing.stamp}.{fmt}", data)
    return folder


def save_record(
    state_dir: Path,
    store: SearchStore | None,
    briefing: Briefing,
    formats: list[str],
    deliveries: Mapping[str, str],
    created: datetime,
) -> dict[str, Any]:
    folder = folder_of(state_dir, briefing.name, briefing.stamp)
    record: dict[str, Any] = {
        "name": briefing.name,
        "stamp": briefing.stamp,
        "heading": briefing.heading,
        "start": briefing.start.isoformat(),
        "end": briefing.end.isoformat(),
        "created": created.isoformat(),
        "stories": len(briefing.stories),
        "articles": len(briefing.articles),
        "formats": list(formats),
        "folder": str(folder),
        "deliveries": dict(deliveries),
    }
    folder.mkdir(parents=True, exist_ok=True)
    text = json.dumps(record, ensure_ascii=False, indent=2)
    _write_atomic(folder / RECORD_FILE, text.encode())
    if store is not None:
        _index_record(store, record)
    return record


def _index_record(store: SearchStore, record: dict[str, Any]) -> None:
    doc_id = f"{record['name']}-{record['stamp']}"
    try:
        store.request(
            "PUT", f"/{BRIEFINGS_ALIAS}/_doc/{doc_id}", record, params={"require_alias": "true"}
        )
    except EngineError as exc:
        log.warning("briefing %s: archived on disk, not in the engine: %s", doc_id, exc)


def archived(state_dir: Path, name: str) -> list[ArchivedBriefing]:
    """The briefings of this name on disk, oldest first."""
    root = state_dir / "briefings" / name
    found = []
    for path in sorted(root.glob(f"*/{RECORD_FILE}")) if root.is_dir() else []:
        try:
            record = json.loads(path.read_text(encoding="utf-8"))
            found.append(
                ArchivedBriefing(
                    name=name,
                    stamp=str(record["stamp"]),
                    start=datetime.fromisoformat(record["start"]),
                    end=datetime.fromisoformat(record["end"]),
                    folder=path.parent,
                    record=record,
                )
            )
        except (OSError, ValueError, KeyError) as exc:
            log.warning("%s: unreadable briefing record, skipped: %s", path, exc)
    return sorted(found, key=lambda a: a.end)


def last_end(state_dir: Path, store: SearchStore | None, name: str) -> datetime | None:
    """The end of the previous briefing: from disk, else from the engine's archive."""
    on_disk = archived(state_dir, name)
    if on_disk:
        return on_disk[-1].end
    if store is None:
        return None
    body = {"size": 1, "query": {"term": {"name": name}}, "sort": [{"end": "desc"}]}
    response = store.request("POST", f"/{BRIEFINGS_ALIAS}/_search", body, ignore=(404,))
    hits = (response or {}).get("hits", {}).get("hits", [])
    return datetime.fromisoformat(hits[0]["_source"]["end"]) if hits else None


def _write_atomic(path: Path, data: bytes) -> None:
    temporary = path.with_name(f".{path.name}.tmp")
    temporary.write_bytes(data)
    os.replace(temporary, path)
