"""The Excel workbook analysts load like a BigKinds export: one row per article.

The first twelve columns are BigKinds' own names, in its order, so scripts written
for its exports read ours; newswatch's fields follow. Copies carry "중복" in
분석제외 여부(중복) (BigKinds' flag for articles to leave out of counts).
`snippet` sources put no text in 본문, only their excerpt.

Same period, same bytes: the workbook's created/modified times are the period's
end, and the zip entries' times are fixed, because openpyxl stamps both with now.
"""

from __future__ import annotations

import io
import re
import zipfile
from datetime import UTC

from openpyxl import Workbook
from openpyxl.styles import Font

from crawler.tagging.lexicon import Lexicon
from scheduler.briefing.model import BriefArticle, Briefing, Story

BIGKINDS_COLUMNS = (
    "뉴스 식별자",  # news id
    "일자",  # date (YYYYMMDD)
    "언론사",  # outlet
    "기고자",  # byline
    "제목",  # title
    "인물",  # people
    "위치",  # places
    "기관",  # organizations
    "키워드",  # keywords
    "본문",  # body text
    "URL",
    "분석제외 여부(중복)",  # excluded from analysis (duplicate)
)
OUR_COLUMNS = (
    "story_id",
    "is_original",
    "section",
    "topics",
    "counterparts",
    "event_types",
    "relevance",
)
COLUMNS = BIGKINDS_COLUMNS + OUR_COLUMNS
DUPLICATE_MARK = "중복"  # "duplicate"
# Excel refuses cells over 32,767 characters; longer texts are cut (rare: ~0.1 % of pages).
CELL_CHARS = 32_000
SHEET_TITLE = "기사"  # "articles"
# Zip entry time of every part: the zip format's own epoch (1980-01-01).
ZIP_EPOCH = (1980, 1, 1, 0, 0, 0)
CORE_PART = "docProps/core.xml"
_MODIFIED = re.compile(rb"(<dcterms:modified[^>]*>)[^<]*(</dcterms:modified>)")


def render_xlsx(briefing: Briefing, lexicon: Lexicon | None = None) -> bytes:
    workbook = Workbook()
    sheet = workbook.active
    assert sheet is not None
    sheet.title = SHEET_TITLE
    sheet.append(list(COLUMNS))
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    kinds = _entity_kinds(lexicon)
    for section in briefing.sections:
        for story in section.stories:
            for article in story.articles:
                sheet.append(_row(article, story, section.title, kinds))
    sheet.freeze_panes = "A2"
    # openpyxl writes naive times as UTC ("Z").
    moment = briefing.end.astimezone(UTC).replace(tzinfo=None, microsecond=0)
    workbook.properties.created = moment
    workbook.properties.modified = moment
    workbook.properties.creator = "newswatch"
    buffer = io.BytesIO()
    workbook.save(buffer)
    return _fixed_zip(buffer.getvalue(), moment.strftime("%Y-%m-%dT%H:%M:%SZ"))


def _row(
    article: BriefArticle, story: Story, section: str, kinds: dict[str, str]
) -> list[str | float]:
    places = [e for e in article.entities if kinds.get(e) in ("korean_bodies", "cities")]
    organizations = [e for e in article.entities if kinds.get(e) == "organizations"]
    return [
        article.id,
        article.local_time.strftime("%Y%m%d"),
        article.outlet,
        article.author,
        article.title,
        ",".join(article.officials),
        ",".join(places),
        ",".join(organizations),
        ",".join(article.keywords),
        (article.lead if article.snippet_only else article.text)[:CELL_CHARS],
        article.url,
        "" if article is story.head else DUPLICATE_MARK,
        story.story_id,
        "Y" if article is story.head and article.is_original else "N",
        section,
        ",".join(article.topics),
        ",".join(article.counterparts),
        ",".join(article.event_types),
        round(article.relevance, 3),
    ]


def _entity_kinds(lexicon: Lexicon | None) -> dict[str, str]:
    if lexicon is None:
        return {}
    return {entry.name: entry.kind for entry in lexicon.entries}


def _fixed_zip(data: bytes, moment: str) -> bytes:
    """The same parts in the same order, each stamped ZIP_EPOCH; the core properties'
    `modified` (which openpyxl sets to now on save) set to `moment`."""
    source = zipfile.ZipFile(io.BytesIO(data))
    output = io.BytesIO()
    with zipfile.ZipFile(output, "w", zipfile.ZIP_DEFLATED) as target:
        for info in source.infolist():
            payload = source.read(info.filename)
            if info.filename == CORE_PART:
                payload = _MODIFIED.sub(rb"\g<1>" + moment.encode() + rb"\g<2>", payload)
            fixed = zipfile.ZipInfo(info.filename, date_time=ZIP_EPOCH)
            fixed.compress_type = zipfile.ZIP_DEFLATED
            target.writestr(fixed, payload)
    return output.getvalue()
