"""The briefing's pictures as PNG bytes: coverage per day by topic, top counterparts.

matplotlib's object API (a `Figure` drawn by the Agg canvas: no display, no pyplot
state shared between threads of the service) and the Korean font from
fonts.py. PNG metadata carries no software version or time, so the same data
gives the same bytes.
"""

from __future__ import annotations

import io
import threading
from collections import defaultdict
from datetime import date

from matplotlib import font_manager, rc_context
from matplotlib.figure import Figure
from matplotlib.ticker import MaxNLocator

from scheduler.briefing.fonts import korean_font
from scheduler.briefing.model import Briefing

COVERAGE_CHART = "coverage"
COUNTERPARTS_CHART = "counterparts"
# 16 x 6.5 cm at 150 dpi: fits the A4 text width and a mail window unscaled.
FIGURE_INCHES = (6.3, 2.6)
DPI = 150
# rc_context changes matplotlib's process-wide settings: one chart set at a time.
_DRAWING = threading.Lock()


def render_charts(briefing: Briefing) -> dict[str, bytes]:
    family = _font_family()
    with _DRAWING, rc_context({"font.family": family, "axes.unicode_minus": False}):
        return {
            COVERAGE_CHART: _png(_coverage_figure(briefing)),
            COUNTERPARTS_CHART: _png(_counterparts_figure(briefing)),
        }


def _font_family() -> str:
    path = korean_font()
    font_manager.fontManager.addfont(str(path))
    return str(font_manager.FontProperties(fname=str(path)).get_name())


def _coverage_figure(briefing: Briefing) -> Figure:
    days = sorted({day for day, _, _ in briefing.coverage})
    per_topic: dict[str, dict[date, int]] = defaultdict(dict)
    for day, topic, count in briefing.coverage:
        if topic:
            per_topic[topic][day] = count
    figure = Figure(figsize=FIGURE_INCHES, dpi=DPI)
    axes = figure.subplots()
    bottom = [0] * len(days)
    labels = [day.strftime("%m-%d") for day in days]
    for topic in sorted(per_topic):
        heights = [per_topic[topic].get(day, 0) for day in days]
        axes.bar(labels, heights, bottom=bottom, label=topic)
        bottom = [b + h for b, h in zip(bottom, heights, strict=True)]
    axes.yaxis.set_major_locator(MaxNLocator(integer=True))
    axes.set_title("최근 14일 주제별 기사 수 (coverage per day by topic)", fontsize=9)
    axes.tick_params(axis="x", labelsize=6, rotation=45)
    axes.tick_params(axis="y", labelsize=7)
    if per_topic:
        axes.legend(fontsize=6, loc="upper left")
    figure.tight_layout()
    return figure


def _counterparts_figure(briefing: Briefing) -> Figure:
    names = [name for name, _ in briefing.top_counterparts][::-1]
    counts = [count for _, count in briefing.top_counterparts][::-1]
    figure = Figure(figsize=FIGURE_INCHES, dpi=DPI)
    axes = figure.subplots()
    axes.barh(names, counts, color="#3b6ea5")
    axes.xaxis.set_major_locator(MaxNLocator(integer=True))
    axes.set_title("주요 상대 도시·기업 (top counterparts, stories)", fontsize=9)
    axes.tick_params(labelsize=7)
    if not names:
        axes.text(0.5, 0.5, "없음 (none)", ha="center", va="center", transform=axes.transAxes)
    figure.tight_layout()
    return figure


def _png(figure: Figure) -> bytes:
    buffer = io.BytesIO()
    # No Software/time metadata: identical data gives identical bytes.
    figure.savefig(buffer, format="png", metadata={"Software": None})
    return buffer.getvalue()
