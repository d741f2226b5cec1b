"""One briefing, start to finish: collect → summarise → charts → formats → archive → send.

Used by `newswatch brief` and by the service's briefing jobs (scheduler/service/briefings.py).
"""

from __future__ import annotations

import dataclasses
import logging
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime

from crawler.config import Config
from crawler.config.briefings import BriefingConfig
from crawler.engine.client import SearchStore
from crawler.tagging.lexicon import Lexicon, load_lexicon
from scheduler.briefing import archive, collect, summary
from scheduler.briefing.charts import render_charts
from scheduler.briefing.model import Briefing
from scheduler.briefing.render_html import render_html
from scheduler.briefing.render_md import render_md
from scheduler.briefing.render_pdf import render_pdf
from scheduler.briefing.render_xlsx import render_xlsx
from scheduler.briefing.send import SENT, send_briefing

log = logging.getLogger(__name__)

FORMATS = ("html", "pdf", "xlsx", "md")


@dataclass(frozen=True)
class Outcome:
    briefing: Briefing
    files: dict[str, bytes]
    deliveries: dict[str, str]

    @property
    def failed(self) -> list[str]:
        return [name for name, result in self.deliveries.items() if result != SENT]


def build_briefing(
    store: SearchStore,
    config: Config,
    settings: BriefingConfig,
    start: datetime,
    end: datetime,
) -> Briefing:
    articles = collect.fetch_articles(store, config, settings, start, end)
    sections = collect.build_sections(settings, collect.group_stories(articles))
    briefing = Briefing(settings.name, settings.heading, start, end, sections)
    stories = briefing.stories
    briefing = dataclasses.replace(
        briefing,
        new_counterparts=summary.new_counterparts(store, stories, start),
        events=summary.diplomacy_events(stories),
        coverage=summary.coverage_by_day(store, end),
        top_counterparts=summary.top_counterparts(stories),
    )
    return dataclasses.replace(briefing, charts=render_charts(briefing))


def render_formats(
    briefing: Briefing,
    formats: Sequence[str],
    lexicon: Lexicon | None,
    full_link: str | None,
) -> dict[str, bytes]:
    renderers: dict[str, Callable[[], bytes]] = {
        "html": lambda: render_html(briefing).encode("utf-8"),
        "pdf": lambda: render_pdf(briefing),
        "xlsx": lambda: render_xlsx(briefing, lexicon),
        "md": lambda: render_md(briefing, full_link).encode("utf-8"),
    }
    return {fmt: renderers[fmt]() for fmt in formats}


def full_link_of(settings: BriefingConfig, stamp: str) -> str | None:
    """Where the archived document is published (`link`), the HTML when there is one."""
    if not settings.link:
        return None
    fmt = "html" if "html" in settings.formats else settings.formats[0]
    name = settings.name
    return f"{settings.link.rstrip('/')}/{name}/{stamp}/{name}-{stamp}.{fmt}"


def make_and_send(
    store: SearchStore,
    config: Config,
    settings: BriefingConfig,
    start: datetime,
    end: datetime,
    *,
    send: bool = True,
    now: datetime,
    env: Mapping[str, str] | None = None,
) -> Outcome:
    """Build, archive (files, then the record with the deliveries) and send one briefing."""
    briefing = build_briefing(store, config, settings, start, end)
    link = full_link_of(settings, briefing.stamp)
    files = render_formats(briefing, settings.formats, load_lexicon(config), link)
    state_dir = config.crawl.state_dir
    archive.save_files(state_dir, briefing, files)
    deliveries = send_briefing(config, settings.notify, briefing, files, link, env) if send else {}
    archive.save_record(state_dir, store, briefing, list(files), deliveries, now)
    log.info(
        "briefing %s %s: %d stories, %d articles; %s",
        settings.name,
        briefing.stamp,
        len(briefing.stories),
        len(briefing.articles),
        ", ".join(f"{k}: {v}" for k, v in deliveries.items()) or "not sent",
    )
    return Outcome(briefing, files, deliveries)
