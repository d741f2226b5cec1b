"""Briefings on the real engine (issue 14): stories and sections, the formats, the
same document for the same period, snippet sources, the archive and re-sending."""

from __future__ import annotations

import io
import json
import subprocess
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import openpyxl
import pytest
import yaml

from crawler.config import Config, parse_config
from crawler.engine.bulk import index_articles
from crawler.engine.client import SearchStore
from crawler.engine.indices import ARTICLES_ALIAS
from crawler.vocabulary import SEOUL
from scheduler.briefing import archive
from scheduler.briefing.make import build_briefing, render_formats
from scheduler.briefing.model import OTHER_SECTION, Briefing
from scheduler.cli import main
from tests.briefing_articles import (
    SECTIONS,
    SNIPPET_SECRET,
    SNIPPET_SOURCE,
    STORIES,
    briefing_articles,
)
from tests.conftest import RecordingServer

END = datetime(2026, 12, 2, 7, 0, tzinfo=SEOUL)
START = END - timedelta(days=1)
VISIT = STORIES[0]


def accept(method: str, path: str, body: bytes) -> tuple[int, dict[str, str], Any]:
    return 200, {}, {"ok": True}


def config_dict(tmp_path: Path, **briefing: Any) -> dict[str, Any]:
    return {
        "crawl": {"state_dir": str(tmp_path / "state")},
        "sources": [
            {
                "name": SNIPPET_SOURCE,
                "type": "feed",
                "urls": ["http://127.0.0.1:9/rss.xml"],
                "content_mode": "snippet",
            }
        ],
        "briefings": [{"name": "morning", "sections": SECTIONS, **briefing}],
    }


@pytest.fixture()
def indexed(ready_store: SearchStore) -> SearchStore:
    report = index_articles(ready_store, briefing_articles(END))
    assert report.failed == 0
    ready_store.request("POST", f"/{ARTICLES_ALIAS}/_refresh")
    return ready_store


def brief(store: SearchStore, config: Config) -> Briefing:
    return build_briefing(store, config, config.briefings[0], START, END)


def test_a_story_with_five_copies_is_one_line_under_its_original_with_plus_four(
    indexed: SearchStore, tmp_path: Path
) -> None:
    config = parse_config(config_dict(tmp_path))
    briefing = brief(indexed, config)
    ours = briefing.sections[0]
    assert ours.title == "우리 시"
    visit = ours.stories[0]  # the most relevant story of the section
    assert visit.head.title == VISIT.title and visit.head.is_original
    assert len(visit.copies) == 4 and visit.copies_label.startswith("+4 (")
    titles = [story.head.title for story in briefing.stories]
    assert titles.count(VISIT.title) == 1
    files = render_formats(briefing, ["html", "md"], None, None)
    for fmt in ("html", "md"):
        # The story lists, after the summary (whose events table names the visit too).
        text = files[fmt].decode().split("우리 시 (" if fmt == "html" else "**우리 시**")[1]
        assert text.count(VISIT.title) == 1, fmt
        assert "+4 (" in text.split(VISIT.title)[1].split("\n")[0]


def test_a_story_goes_to_the_first_section_it_matches_and_the_rest_to_other(
    indexed: SearchStore, tmp_path: Path
) -> None:
    briefing = brief(indexed, parse_config(config_dict(tmp_path)))
    by_section = {s.title: [story.head.title for story in s.stories] for s in briefing.sections}
    # The Singapore MOU names 부산 too; the foreign section comes first in the config.
    assert "싱가포르 정부, 부산시와 스마트시티 업무협약 체결" in by_section["해외 도시·기업"]
    assert "부산 스마트시티 국제 포럼 개막" in by_section["다른 도시"]
    assert by_section[OTHER_SECTION] == ["서울시, 인공지능 민원 상담 서비스 도입"]
    kinds = {(event.event_type, event.counterpart) for event in briefing.events}
    assert ("mou", "싱가포르") in kinds and ("visit", "항저우, 알리바바") in kinds
    assert briefing.new_counterparts == ("싱가포르", "알리바바", "항저우")


def test_the_same_period_briefed_twice_gives_identical_xlsx_and_story_order(
    indexed: SearchStore, tmp_path: Path
) -> None:
    path = tmp_path / "newswatch.yaml"
    path.write_text(yaml.safe_dump(config_dict(tmp_path), allow_unicode=True), "utf-8")
    outputs = []
    for run in (1, 2):
        for fmt in ("xlsx", "md"):
            out = tmp_path / f"run{run}.{fmt}"
            period = ["--start", START.isoformat(), "--end", END.isoformat()]
            assert (
                main(["--config", str(path), "brief", "morning", *period, "--out", str(out)]) == 0
            )
        outputs.append(
            ((tmp_path / f"run{run}.xlsx").read_bytes(), (tmp_path / f"run{run}.md").read_text())
        )
    assert outputs[0][0] == outputs[1][0]
    assert outputs[0][1] == outputs[1][1]
    rows = list(
        openpyxl.load_workbook(io.BytesIO(outputs[0][0])).active.iter_rows(values_only=True)
    )  # type: ignore[union-attr]
    assert len(rows) - 1 == len(briefing_articles(END))


def test_a_snippet_source_never_puts_its_text_into_the_xlsx_or_the_pdf(
    indexed: SearchStore, tmp_path: Path
) -> None:
    briefing = brief(indexed, parse_config(config_dict(tmp_path)))
    files = render_formats(briefing, ["pdf", "xlsx"], None, None)
    rows = list(
        openpyxl.load_workbook(io.BytesIO(files["xlsx"])).active.iter_rows(values_only=True)
    )  # type: ignore[union-attr]
    cells = " ".join(str(cell) for row in rows for cell in row if cell)
    assert SNIPPET_SECRET not in cells
    assert "대구시 교통 포털 요약입니다" in cells  # its excerpt is there
    pdf = tmp_path / "b.pdf"
    pdf.write_bytes(files["pdf"])
    text = subprocess.run(["pdftotext", str(pdf), "-"], capture_output=True, text=True, check=True)
    assert "대구시 교통 포털 요약입니다" in text.stdout
    assert SNIPPET_SECRET not in text.stdout.replace("\n", " ")
    # A full-text source's whole text is in its row.
    assert STORIES[1].body in cells


def test_briefings_are_archived_resent_and_the_next_one_starts_where_the_last_ended(
    indexed: SearchStore, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    with RecordingServer(accept) as hook:
        raw = config_dict(
            tmp_path, notify=["team"], period="since_last", formats=["html", "xlsx", "md"]
        )
        raw["notifiers"] = {"team": {"type": "webhook", "url": f"{hook.url}/b"}}
        path = tmp_path / "newswatch.yaml"
        path.write_text(yaml.safe_dump(raw, allow_unicode=True), "utf-8")
        base = ["--config", str(path), "brief", "morning"]
        made = main([*base, "--start", START.isoformat(), "--end", END.isoformat()])
        assert made == 0 and not hook.requests  # archived, not sent without --send
        state = tmp_path / "state"
        found = archive.archived(state, "morning")
        assert [a.stamp for a in found] == ["20261202-0700"]
        for fmt in ("html", "xlsx", "md"):
            assert found[0].file(fmt).stat().st_size > 0
        assert main([*base, "--resend", "last"]) == 0
        assert len(hook.requests) == 1
        payload = json.loads(hook.requests[0]["body"])
        assert payload["id"] == "briefing-morning-20261202-0700" and payload["articles"] == 14
        record = json.loads((found[0].folder / archive.RECORD_FILE).read_text())
        assert record["deliveries"] == {"team": "sent"}
    indexed.request("POST", f"/{archive.BRIEFINGS_ALIAS}/_refresh")
    stored = indexed.request("GET", f"/{archive.BRIEFINGS_ALIAS}/_doc/morning-20261202-0700")
    assert stored["_source"]["stories"] == len(STORIES)
    assert archive.last_end(tmp_path / "elsewhere", indexed, "morning") == END
    capsys.readouterr()
    assert main([*base, "--list"]) == 0
    assert "20261202-0700" in capsys.readouterr().out
    # since_last: the next briefing starts at the last one's end (nothing new since: empty).
    later = END + timedelta(hours=3)
    assert main([*base, "--end", later.isoformat()]) == 0
    newest = archive.archived(state, "morning")[-1]
    assert newest.start == END and newest.record["articles"] == 0


def test_unknown_briefing_and_bad_extension_are_usage_errors(
    indexed: SearchStore, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "newswatch.yaml"
    path.write_text(yaml.safe_dump(config_dict(tmp_path), allow_unicode=True), "utf-8")
    assert main(["--config", str(path), "brief", "evening"]) == 2
    assert "no briefing named 'evening'" in capsys.readouterr().err
    assert main(["--config", str(path), "brief", "morning", "--out", str(tmp_path / "x.doc")]) == 2
    assert ".html .pdf .xlsx .md" in capsys.readouterr().err


def test_the_out_file_s_extension_picks_the_format(indexed: SearchStore, tmp_path: Path) -> None:
    path = tmp_path / "newswatch.yaml"
    path.write_text(yaml.safe_dump(config_dict(tmp_path), allow_unicode=True), "utf-8")
    period = ["--start", START.isoformat(), "--end", END.isoformat()]
    starts = {".html": b"<!doctype html>", ".pdf": b"%PDF-", ".xlsx": b"PK", ".md": b"**morning"}
    for suffix, magic in starts.items():
        out = tmp_path / f"today{suffix.upper()}"
        assert main(["--config", str(path), "brief", "morning", *period, "--out", str(out)]) == 0
        assert out.read_bytes().startswith(magic), suffix
    assert not (tmp_path / "state" / "briefings").exists()  # --out archives nothing


def test_since_in_a_section_query_counts_back_from_the_briefing_s_end(
    indexed: SearchStore, tmp_path: Path
) -> None:
    raw = config_dict(tmp_path)
    raw["briefings"][0]["sections"] = [{"title": "최근 대구", "query": "대구 since:17h"}]
    briefing = brief(indexed, parse_config(raw))
    recent, other = briefing.sections
    # The visit's last copies are 17 and 16 hours before the end; the data hub's
    # original and copy are 19 and 18 hours before it.
    assert VISIT.title in [story.head.title for story in recent.stories]
    assert STORIES[1].title in [story.head.title for story in other.stories]
