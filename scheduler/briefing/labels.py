"""Words the briefing shows in every format, each defined once (Korean, as the readers read)."""

from __future__ import annotations

from crawler.vocabulary import SEOUL
from scheduler.briefing.model import BriefArticle, Section

# Event types (crawler/data/gazetteer.yaml event_types) as a press office names them.
EVENT_LABELS = {
    "visit": "방문",
    "mou": "업무협약",
    "forum": "포럼·행사",
    "pilot": "실증",
    "investment": "투자",
    "benchmarking": "벤치마킹",
}
SUMMARY = "요약"  # summary
SECTION = "구분"  # section
STORIES = "기사 묶음"  # stories
ARTICLES = "기사"  # articles
NEW_COUNTERPARTS = "새 상대 도시·기업"  # new counterparts
EVENTS = "외교 일정·성과"  # diplomacy events
ACTOR = "주체"  # actor
COUNTERPART = "상대"  # counterpart
TYPE = "유형"  # type
DATE = "일자"  # date
LINK = "링크"  # link
NONE = "없음"  # none
COPIES = "건 전재"  # "(N) copies"
FULL_BRIEFING = "전체 보고서"  # the full briefing


def event_label(kind: str) -> str:
    return EVENT_LABELS.get(kind, kind)


def event_labels(kinds: tuple[str, ...]) -> str:
    return ", ".join(event_label(kind) for kind in kinds)


def when(article: BriefArticle) -> str:
    """KST time of the article, "12-02 07:10"."""
    return article.timeline_time.astimezone(SEOUL).strftime("%m-%d %H:%M")


def story_facts(actors: tuple[str, ...], counterparts: tuple[str, ...], events: str) -> str:
    parts = [
        f"{ACTOR}: {', '.join(actors)}" if actors else "",
        f"{COUNTERPART}: {', '.join(counterparts)}" if counterparts else "",
        f"{TYPE}: {events}" if events else "",
    ]
    return " · ".join(part for part in parts if part)


def section_heading(section: Section) -> str:
    """ "우리 시 (기사 묶음 3 · 기사 8)": stories, then articles with their copies."""
    return (
        f"{section.title} ({STORIES} {len(section.stories)} · {ARTICLES} {section.article_count})"
    )
