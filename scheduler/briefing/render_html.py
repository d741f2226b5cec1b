"""The briefing as HTML: the e-mail body (charts as `cid:` images) or a file (charts inline
as data URIs). Every crawled string is escaped; links only for http(s) URLs."""

from __future__ import annotations

import base64
from collections.abc import Callable

from scheduler.alerts.escape import escape_html as esc
from scheduler.alerts.escape import safe_url
from scheduler.briefing import labels
from scheduler.briefing.model import Briefing, Section, Story

ImageSource = Callable[[str], str]
_STYLE = (
    "body{font-family:'Malgun Gothic','Apple SD Gothic Neo','Nanum Gothic',sans-serif;"
    "max-width:860px;margin:auto;color:#222}"
    "table{border-collapse:collapse;margin:8px 0}td,th{border:1px solid #ccc;padding:3px 8px;"
    "font-size:13px}th{background:#f0f0f0}.meta{color:#555;font-size:12px}"
    ".lead{margin:2px 0 4px 0;font-size:13px}.copies{color:#a33;font-size:12px}"
    "li{margin-bottom:10px}"
)


def cid_source(name: str) -> str:
    return f"cid:{name}"


def data_uri_source(briefing: Briefing) -> ImageSource:
    def source(name: str) -> str:
        return "data:image/png;base64," + base64.b64encode(briefing.charts[name]).decode()

    return source


def render_html(briefing: Briefing, image_source: ImageSource | None = None) -> str:
    images = image_source or data_uri_source(briefing)
    parts = [
        "<!doctype html><html lang='ko'><head><meta charset='utf-8'>",
        f"<title>{esc(briefing.heading)}</title><style>{_STYLE}</style></head><body>",
        f"<h1>{esc(briefing.heading)}</h1><p class='meta'>{esc(briefing.period_label)}</p>",
        _summary(briefing),
        *(f"<p><img src='{esc(images(name))}' alt='{esc(name)}'></p>" for name in briefing.charts),
        *(_section(section) for section in briefing.sections if section.stories),
        "</body></html>",
    ]
    return "\n".join(parts)


def _summary(briefing: Briefing) -> str:
    rows = "".join(
        f"<tr><td>{esc(s.title)}</td><td>{len(s.stories)}</td><td>{s.article_count}</td></tr>"
        for s in briefing.sections
    )
    counts = (
        f"<h2>{labels.SUMMARY}</h2><table><tr><th>{labels.SECTION}</th><th>{labels.STORIES}</th>"
        f"<th>{labels.ARTICLES}</th></tr>{rows}</table>"
    )
    new = ", ".join(briefing.new_counterparts) or labels.NONE
    return f"{counts}<p><b>{labels.NEW_COUNTERPARTS}</b>: {esc(new)}</p>{_events(briefing)}"


def _events(briefing: Briefing) -> str:
    head = "".join(
        f"<th>{h}</th>"
        for h in (labels.ACTOR, labels.COUNTERPART, labels.TYPE, labels.DATE, labels.LINK)
    )
    rows = "".join(
        f"<tr><td>{esc(e.actor)}</td><td>{esc(e.counterpart)}</td>"
        f"<td>{esc(labels.event_label(e.event_type))}</td><td>{e.day.isoformat()}</td>"
        f"<td>{_link(e.url, e.title)}</td></tr>"
        for e in briefing.events
    )
    table = f"<table><tr>{head}</tr>{rows}</table>" if rows else f"<p>{labels.NONE}</p>"
    return f"<h3>{labels.EVENTS}</h3>{table}"


def _section(section: Section) -> str:
    items = "".join(_story(story) for story in section.stories)
    return f"<h2>{esc(labels.section_heading(section))}</h2><ol>{items}</ol>"


def _story(story: Story) -> str:
    head = story.head
    copies = f" <span class='copies'>{esc(story.copies_label)}</span>" if story.copies else ""
    facts = labels.story_facts(
        story.union("actors"),
        story.union("counterparts"),
        labels.event_labels(story.union("event_types")),
    )
    return (
        f"<li><span class='meta'>{esc(head.outlet)} · {labels.when(head)}</span> "
        f"{_link(head.url, head.title)}{copies}"
        f"<div class='lead'>{esc(head.lead)}</div>"
        + (f"<div class='meta'>{esc(facts)}</div>" if facts else "")
        + "</li>"
    )


def _link(url: str, title: str) -> str:
    safe = safe_url(url)
    return f"<a href='{esc(safe)}'>{esc(title)}</a>" if safe else esc(title)
