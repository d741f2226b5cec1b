"""The morning briefing end to end (issue 14): three fixture news sites crawled by
`newswatch crawl`, then `newswatch run` with a briefing scheduled for the next minute.
The briefing must arrive once by e-mail (aiosmtpd on loopback: HTML body, inline
charts, PDF and XLSX attachments) and once as the short version on a webhook."""

from __future__ import annotations

import email
import email.policy
import io
import json
import subprocess
import time
from collections.abc import Callable, Iterator
from contextlib import ExitStack
from datetime import datetime, timedelta
from email.message import EmailMessage
from pathlib import Path
from typing import Any

import openpyxl
import pytest
import yaml
from PIL import Image

from crawler.vocabulary import SEOUL
from scheduler.briefing.render_xlsx import BIGKINDS_COLUMNS, DUPLICATE_MARK
from tests.conftest import RecordingServer
from tests.e2e.briefing_site import (
    MOU_TITLE,
    OUTLETS,
    SECTIONS,
    SINGLES,
    VISIT_TITLE,
    article_count,
    briefing_sites_articles,
)
from tests.e2e.conftest import Workspace
from tests.e2e.service_process import ServiceProcess, service_config, wait_until
from tests.fixture_site import FixtureSite
from tests.integration.alerts.test_alerts import LoopbackSMTP

# The briefing fires at the next whole minute at least this far ahead: time for the
# service to start (< 2 s) with a margin.
LEAD_SECONDS = 15
# The minute's wait, the briefing (a few seconds) and a margin.
DELIVERY_SECONDS = 120.0
# A page is "not blank" when this share of its pixels is not white (a page of text
# and charts is ~3-10 %; a blank one 0).
MIN_INK_SHARE = 0.005


class Inbox:
    def __init__(self) -> None:
        self.messages: list[EmailMessage] = []

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        parsed = email.message_from_bytes(envelope.content, policy=email.policy.default)
        assert isinstance(parsed, EmailMessage)
        self.messages.append(parsed)
        return "250 OK"


def accept(method: str, path: str, body: bytes) -> tuple[int, dict[str, str], Any]:
    return 200, {}, {"ok": True}


@pytest.fixture()
def sites() -> Iterator[list[FixtureSite]]:
    now = datetime.now(SEOUL)
    with ExitStack() as stack:
        yield [
            stack.enter_context(FixtureSite(articles, name=name))
            for articles, name in zip(briefing_sites_articles(now), OUTLETS, strict=True)
        ]


def next_minute_cron(now: datetime) -> str:
    fire = (now + timedelta(seconds=LEAD_SECONDS + 60)).replace(second=0, microsecond=0)
    return f"{fire.minute} {fire.hour} * * *"


def write_config(workspace: Workspace, sites: list[FixtureSite], smtp_port: int, hook: str) -> None:
    sources = [
        {
            "name": f"site{n}",
            "type": "feed",
            "urls": [f"{site.url}/rss.xml"],
            "schedule": "0 3 * * *",
        }
        for n, site in enumerate(sites)
    ]
    service_config(workspace, sources)
    config = yaml.safe_load(workspace.config_path.read_text(encoding="utf-8"))
    config["notifiers"] = {
        "press-office-mail": {
            "type": "email",
            "host": "127.0.0.1",
            "port": smtp_port,
            "starttls": False,
            "sender": "newswatch@127.0.0.1",
            "to": ["press@127.0.0.1"],
        },
        "team-hook": {"type": "webhook", "url": f"{hook}/briefing"},
    }
    config["briefings"] = [
        {
            "name": "morning",
            "schedule": next_minute_cron(datetime.now(SEOUL)),
            "period": "24h",
            "sections": SECTIONS,
            "notify": ["press-office-mail", "team-hook"],
            "formats": ["html", "pdf", "xlsx"],
            "link": "http://127.0.0.1:9/briefings",
        }
    ]
    workspace.config_path.write_text(yaml.safe_dump(config, allow_unicode=True), "utf-8")


def test_scheduled_briefing_is_mailed_with_charts_pdf_xlsx_and_posted_short(
    workspace: Workspace,
    sites: list[FixtureSite],
    service_factory: Callable[[], ServiceProcess],
    tmp_path: Path,
) -> None:
    inbox = Inbox()
    smtp = LoopbackSMTP(inbox, hostname="127.0.0.1", port=0)
    smtp.start()
    try:
        with RecordingServer(accept) as hook:
            write_config(workspace, sites, smtp.port, hook.url)
            assert workspace.run("setup").returncode == 0
            crawled = workspace.run("crawl")
            assert crawled.returncode == 0, crawled.stdout + crawled.stderr
            service = service_factory()
            wait_until(lambda: inbox.messages and hook.requests, DELIVERY_SECONDS, "the briefing")
            time.sleep(1)  # nothing more may follow
            code, _ = service.stop()
    finally:
        smtp.stop()
    assert code == 0, service.log()
    assert len(inbox.messages) == 1 and len(hook.requests) == 1, service.log()
    mail = inbox.messages[0]
    html = _html_body(mail)
    _check_inline_charts(mail, html)
    _check_visit_story_once(html)
    pdf, xlsx = _attachments(mail)
    _check_pdf(pdf, tmp_path)
    _check_xlsx(xlsx)
    short = json.loads(hook.requests[0]["body"])
    assert short["briefing"] == "morning" and short["articles"] == article_count()
    assert "**우리 시**" in short["text"] and VISIT_TITLE in short["text"]
    assert "http://127.0.0.1:9/briefings/morning/" in short["text"]


def _html_body(mail: EmailMessage) -> str:
    body = mail.get_body(preferencelist=("html",))
    assert body is not None
    return str(body.get_content())


def _check_inline_charts(mail: EmailMessage, html: str) -> None:
    images = {
        str(part["Content-ID"]).strip("<>"): part.get_content()
        for part in mail.walk()
        if part.get_content_type() == "image/png"
    }
    assert set(images) == {"coverage", "counterparts"}
    for cid, png in images.items():
        assert f"src='cid:{cid}'" in html
        assert png.startswith(b"\x89PNG") and len(png) > 5000


def _check_visit_story_once(html: str) -> None:
    """The five copies of the visit: one line under the original's title, with "+4"."""
    section = html.split("<h2>우리 시")[1].split("<h2>")[0]
    assert section.count(VISIT_TITLE) == 1
    line = section.split(VISIT_TITLE)[1].split("</li>")[0]
    assert "+4 (" in line and OUTLETS[1] in line and OUTLETS[2] in line
    assert "대구시장 항저우 알리바바 방문 (" not in html  # no copy listed on its own
    # The MOU (also naming 부산) is in the section its first matching query names.
    foreign = html.split("<h2>해외 도시·기업")[1].split("<h2>")[0]
    assert MOU_TITLE in foreign and "+2" in foreign.split(MOU_TITLE)[1].split("</li>")[0]


def _attachments(mail: EmailMessage) -> tuple[bytes, bytes]:
    found = {
        part.get_filename(): part.get_content()
        for part in mail.iter_attachments()
        if part.get_filename()
    }
    pdf = next(data for name, data in found.items() if name and name.endswith(".pdf"))
    xlsx = next(data for name, data in found.items() if name and name.endswith(".xlsx"))
    return pdf, xlsx


def _check_pdf(pdf: bytes, tmp_path: Path) -> None:
    path = tmp_path / "briefing.pdf"
    path.write_bytes(pdf)
    text = subprocess.run(
        ["pdftotext", "-enc", "UTF-8", str(path), "-"], capture_output=True, check=True, text=True
    ).stdout
    for title in (VISIT_TITLE, MOU_TITLE, *(title for _, title, _ in SINGLES)):
        assert title in text, title
    subprocess.run(["pdftoppm", "-png", "-r", "40", str(path), str(tmp_path / "page")], check=True)
    pages = sorted(tmp_path.glob("page*.png"))
    assert pages
    for page in pages:
        gray = Image.open(page).convert("L")
        histogram = gray.histogram()
        ink = sum(histogram[:200]) / (gray.width * gray.height)
        assert ink > MIN_INK_SHARE, f"{page.name} is blank ({ink:.4f} ink)"


def _check_xlsx(data: bytes) -> None:
    sheet = openpyxl.load_workbook(io.BytesIO(data)).active
    assert sheet is not None
    rows = list(sheet.iter_rows(values_only=True))
    header = list(rows[0])
    assert header[: len(BIGKINDS_COLUMNS)] == list(BIGKINDS_COLUMNS)
    for ours in ("story_id", "is_original", "topics", "counterparts", "event_types", "relevance"):
        assert ours in header
    body = rows[1:]
    assert len(body) == article_count()
    assert len({row[0] for row in body}) == len(body)  # one row per article
    duplicate = header.index("분석제외 여부(중복)")
    marked = [row for row in body if row[duplicate] == DUPLICATE_MARK]
    assert len(marked) == 4 + 2  # the visit's four copies, the MOU's copy and repost
    title = header.index("제목")
    assert VISIT_TITLE in [row[title] for row in body if row[duplicate] != DUPLICATE_MARK]
