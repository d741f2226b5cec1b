"""One bulk path: only crawler/engine/bulk.py reads the client's raw bulk answers."""

from __future__ import annotations

import re
from pathlib import Path

REPO = Path(__file__).resolve().parents[3]
ALLOWED = {REPO / "crawler" / "engine" / "bulk.py", REPO / "crawler" / "engine" / "client.py"}


def test_no_caller_loops_over_raw_bulk_results() -> None:
    calls = re.compile(r"\.bulk\(|streaming_bulk\(|parallel_bulk\(")
    found = [
        f"{path.relative_to(REPO)}:{n}: {line.strip()}"
        for folder in ("crawler", "scheduler")
        for path in sorted((REPO / folder).rglob("*.py"))
        if path not in ALLOWED
        for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1)
        if calls.search(line)
    ]
    assert not found, "use crawler.engine.bulk (send, send_actions, write_all):\n" + "\n".join(
        found
    )
