"""The briefing as an A4 PDF with the Korean font embedded (fpdf2 embeds a subset of
the TrueType glyphs used), the charts as images, and each story's link.

`snippet` sources show only their excerpt here too (BriefArticle.lead is clipped
for them in collect.py and their text never reaches this module).
"""

from __future__ import annotations

import io
from datetime import datetime

from scheduler.briefing import labels
from scheduler.briefing.fonts import bold_variant, korean_font
from scheduler.briefing.model import Briefing, Section, Story
from scheduler.briefing.pdf_layout import FONT, BriefingPDF

# Points: 10 reads well on paper; meta lines a step smaller.
BODY_PT, META_PT, H1_PT, H2_PT = 10, 8, 16, 12
MARGIN_MM = 15.0


def render_pdf(briefing: Briefing) -> bytes:
    pdf = _document(briefing.end)
    pdf.add_page()
    _heading(pdf, briefing)
    _summary(pdf, briefing)
    for name in briefing.charts:
        pdf.image(io.BytesIO(briefing.charts[name]), w=pdf.epw)
    for section in briefing.sections:
        if section.stories:
            _section(pdf, section)
    return bytes(pdf.output())


def _document(moment: datetime) -> BriefingPDF:
    pdf = BriefingPDF()
    regular = korean_font()
    pdf.add_font(FONT, "", str(regular))
    pdf.add_font(FONT, "B", str(bold_variant(regular)))
    pdf.set_margins(MARGIN_MM, MARGIN_MM, MARGIN_MM)
    pdf.set_auto_page_break(auto=True, margin=MARGIN_MM)
    pdf.set_creation_date(moment)  # the period's end: the same period, the same file
    pdf.set_creator("newswatch")
    return pdf


def _text(
    pdf: BriefingPDF, text: str, size: float = BODY_PT, style: str = "", link: str = ""
) -> None:
    pdf.paragraph(text, size, style, link)


def _heading(pdf: BriefingPDF, briefing: Briefing) -> None:
    _text(pdf, briefing.heading, H1_PT, "B")
    _text(pdf, briefing.period_label, META_PT)
    pdf.ln(2)


def _summary(pdf: BriefingPDF, briefing: Briefing) -> None:
    _text(pdf, labels.SUMMARY, H2_PT, "B")
    counts = [
        [section.title, str(len(section.stories)), str(section.article_count)]
        for section in briefing.sections
    ]
    pdf.grid([labels.SECTION, labels.STORIES, labels.ARTICLES], counts, (3, 1, 1), META_PT + 1)
    new = ", ".join(briefing.new_counterparts) or labels.NONE
    _text(pdf, f"{labels.NEW_COUNTERPARTS}: {new}")
    pdf.ln(1)
    _text(pdf, labels.EVENTS, BODY_PT + 1, "B")
    if not briefing.events:
        _text(pdf, labels.NONE)
        return
    rows = [
        [e.actor, e.counterpart, labels.event_label(e.event_type), e.day.isoformat(), e.title]
        for e in briefing.events
    ]
    header = [labels.ACTOR, labels.COUNTERPART, labels.TYPE, labels.DATE, labels.LINK]
    links = [event.url for event in briefing.events]
    pdf.grid(header, rows, (2, 2, 1, 1.3, 4), META_PT, links=links)
    pdf.ln(2)


def _section(pdf: BriefingPDF, section: Section) -> None:
    pdf.ln(2)
    _text(pdf, labels.section_heading(section), H2_PT, "B")
    for number, story in enumerate(section.stories, 1):
        _story(pdf, number, story)


def _story(pdf: BriefingPDF, number: int, story: Story) -> None:
    head = story.head
    _text(pdf, f"{number}. {head.title}", BODY_PT, "B", link=head.url)
    meta = f"{head.outlet} · {labels.when(head)} KST"
    if story.copies:
        meta += f" · {story.copies_label}"
    _text(pdf, meta, META_PT)
    if head.lead:
        _text(pdf, head.lead, META_PT + 1)
    facts = labels.story_facts(
        story.union("actors"),
        story.union("counterparts"),
        labels.event_labels(story.union("event_types")),
    )
    if facts:
        _text(pdf, facts, META_PT)
    pdf.ln(1.5)
