"""`newswatch index` end to end on the real engine, through the console script's main()."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from crawler.engine.client import SearchStore
from crawler.models import document_id
from scheduler.cli import main


def write_jsonl(path: Path, n: int, bad_lines: dict[int, str] | None = None) -> None:
    bad_lines = bad_lines or {}
    with path.open("w", encoding="utf-8") as handle:
        for i in range(1, n + 1):
            if i in bad_lines:
                handle.write(bad_lines[i] + "\n")
                continue
            doc = {
                "url": f"https://news.example/{i}",
                "title": f"스마트시티 협력 기사 {i}",
                "text": f"대구시와 항저우시가 {i}번째 협력 사업을 논의했다.",
                "published": "2024-03-01T09:00:00+09:00",
                "fetched": "2024-03-01T10:00:00+09:00",
                "site_name": "테스트일보",
                "topics": ["smart_city"],
            }
            handle.write(json.dumps(doc, ensure_ascii=False) + "\n")


def count(store: SearchStore) -> int:
    store.request("POST", "/newswatch-articles/_refresh")
    return int(store.request("GET", "/newswatch-articles/_count")["count"])


def test_ten_thousand_articles_indexed_twice_leave_ten_thousand(
    ready_store: SearchStore, tmp_path: Path
) -> None:
    path = tmp_path / "articles.jsonl"
    write_jsonl(path, 10_000)
    assert main(["index", str(path)]) == 0
    assert count(ready_store) == 10_000
    assert main(["index", str(path)]) == 0
    assert count(ready_store) == 10_000


def test_malformed_lines_are_reported_and_the_rest_indexed(
    ready_store: SearchStore, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "mixed.jsonl"
    write_jsonl(path, 50, bad_lines={7: "{not json", 31: '{"url": "x"}'})
    assert main(["index", str(path)]) == 1
    captured = capsys.readouterr()
    assert f"{path}:7: not valid JSON" in captured.err
    assert f"{path}:31:" in captured.err and "title" in captured.err
    assert "indexed 48" in captured.out
    assert count(ready_store) == 48


def test_search_command_prints_ranked_json(
    ready_store: SearchStore, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "few.jsonl"
    write_jsonl(path, 5)
    assert main(["index", str(path)]) == 0
    count(ready_store)
    capsys.readouterr()
    assert main(["search", "항저우", "--json", "--size", "3"]) == 0
    payload = json.loads(capsys.readouterr().out)
    assert payload["total"] == 5 and len(payload["hits"]) == 3
    snippet = payload["hits"][0]["snippet"]  # clean text for machines: no highlight markup
    assert "항저우" in snippet and "<em>" not in snippet


def test_doctor_reports_a_healthy_installation(
    ready_store: SearchStore, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["doctor"]) == 0
    out = capsys.readouterr().out
    assert "FAIL" not in out and "opensearch" in out and "Nori" in out


def test_doctor_fails_before_setup(store: SearchStore, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["doctor"]) == 1
    assert "run `newswatch setup`" in capsys.readouterr().out


def test_extract_jsonl_from_stdin_round_trips_through_index(
    ready_store: SearchStore,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    paragraphs = "".join(
        f"<p>대구시와 항저우시가 {i}번째 스마트시티 협력 사업을 논의했다고 밝혔다.</p>"
        for i in range(6)
    )
    page = f"""<html><head><title>대구·항저우 스마트시티 협력</title>
    <meta property="article:published_time" content="2024-03-01T09:00:00+09:00">
    </head><body><h1>대구·항저우 스마트시티 협력</h1>
    <article>{paragraphs}</article></body></html>"""
    stdin = tmp_path / "page.html"
    stdin.write_bytes(page.encode("utf-8"))
    url = "https://news.example/daegu-hangzhou?utm_source=feed"
    with stdin.open("rb") as handle:
        monkeypatch.setattr("sys.stdin", type("Stdin", (), {"buffer": handle})())
        assert main(["extract", "-", "--url", url, "--jsonl"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert len(lines) == 1  # one article, one line: what `index` reads
    document = json.loads(lines[0])
    assert document["title"] == "대구·항저우 스마트시티 협력"
    path = tmp_path / "extracted.jsonl"
    path.write_text(lines[0] + "\n", encoding="utf-8")
    assert main(["index", str(path)]) == 0
    assert count(ready_store) == 1
    doc_id = document_id(document["canonical_url"])
    indexed = ready_store.request("GET", f"/newswatch-articles/_doc/{doc_id}")
    assert indexed["_source"]["published"] == "2024-03-01T09:00:00+09:00"
