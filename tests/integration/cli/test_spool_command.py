"""`newswatch status` shows rejected actions; `newswatch spool retry` sends them again."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

import pytest
import yaml

from crawler.engine.client import SearchStore
from crawler.engine.spool import Spool
from crawler.models import Article
from scheduler.cli import main


def test_rejected_actions_are_shown_and_sent_again_by_one_command(
    ready_store: SearchStore, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    config = tmp_path / "newswatch.yaml"
    state = tmp_path / "state"
    config.write_text(yaml.safe_dump({"crawl": {"state_dir": str(state)}}), encoding="utf-8")
    # What the template without ignore_above refused: an over-long site_name.
    article = Article(
        url="https://news.example/long",
        title="스마트시티",
        text="본문",
        fetched=datetime(2024, 1, 1, tzinfo=UTC),
        site_name="가" * 12_000,
    )
    spool = Spool(state / "spool")
    record = {"status": 400, "kind": "illegal_argument_exception", "reason": "immense term"}
    line = json.dumps({**record, "action": article.to_action()}, ensure_ascii=False)
    (spool.rejected_dir / "indexer-1.jsonl").write_text(line + "\n", encoding="utf-8")

    assert main(["--config", str(config), "status", "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["spool_rejected"] == 1
    assert main(["--config", str(config), "status"]) == 0
    assert "1 actions refused by the engine" in capsys.readouterr().out

    assert main(["--config", str(config), "spool", "retry"]) == 0
    printed = capsys.readouterr().out
    assert "1 rejected actions put back in line; indexed 1, rejected again 0" in printed
    assert (spool.rejected(), spool.pending()) == (0, 0)
    ready_store.request("POST", "/newswatch-articles/_refresh")
    assert ready_store.request("GET", f"/newswatch-articles/_doc/{article.id}")["found"]
