"""Page layout for the briefing's PDF: paragraphs and grid tables on fpdf2, with lines
wrapped here rather than by fpdf2.

fpdf2's multi_cell (and its tables, which use it) measures the whole paragraph
again for every character it adds: in `make bench-brief` (1,421 stories, ~1,000
event rows) that was 1.4 million width computations and 18 of the PDF's 25 s.
Here each character's width is measured once per font and size and lines are
filled greedily, breaking at the last space, else anywhere (a Korean run without
spaces may break between syllables). Without kerning (fpdf2 applies none unless
text shaping is on) a line's width is the sum of its characters'.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence

from fpdf import FPDF
from fpdf.enums import XPos, YPos

FONT = "NanumGothic"
# Line heights (mm) for 8-10 pt text: about 1.4 times the font size.
LINE_MM = 5.0
CELL_LINE_MM = 4.0
CELL_PAD_MM = 0.8
HEADER_FILL = (235, 235, 235)

Char = tuple[str, float]

# fontTools logs one WARNING per TrueType table it does not subset (NanumGothic's
# hinting tables TSI0-5, which are dropped): expected, and nothing a reader can act on.
logging.getLogger("fontTools.subset").setLevel(logging.ERROR)


class BriefingPDF(FPDF):
    def __init__(self) -> None:
        super().__init__(orientation="portrait", unit="mm", format="A4")
        # No inner cell margin: lines are wrapped to the exact width they are drawn in.
        self.c_margin = 0
        self._widths: dict[tuple[str, str, float, str], float] = {}

    def paragraph(self, text: str, size: float, style: str = "", link: str = "") -> None:
        """Text across the page width; every line links to `link` when given."""
        self.set_font(FONT, style, size)
        for line in self.wrap(text, self.epw) or [""]:
            self.cell(self.epw, LINE_MM, line, link=link, new_x=XPos.LMARGIN, new_y=YPos.NEXT)

    def grid(
        self,
        header: Sequence[str],
        rows: Sequence[Sequence[str]],
        weights: Sequence[float],
        size: float,
        *,
        links: Sequence[str] | None = None,
    ) -> None:
        """A bordered table, columns sized by `weights`; the header repeats on each page.
        `links[i]` makes row i's last cell a link."""
        widths = [self.epw * weight / sum(weights) for weight in weights]
        self._row(header, widths, size, bold=True)
        for index, row in enumerate(rows):
            if self.will_page_break(self._row_height(row, widths, size)):
                self.add_page()
                self._row(header, widths, size, bold=True)
            self._row(row, widths, size, link=links[index] if links else "")

    def wrap(self, text: str, width: float) -> list[str]:
        lines: list[str] = []
        line: list[Char] = []
        used = 0.0
        for char in " ".join(text.split()):
            advance = self._width(char)
            if line and used + advance > width:
                line, used = _break(line, lines)
                if char == " " and not line:
                    continue  # no line starts with the space it broke at
            line.append((char, advance))
            used += advance
        if line:
            lines.append("".join(char for char, _ in line))
        return lines

    def _row(
        self,
        row: Sequence[str],
        widths: list[float],
        size: float,
        *,
        bold: bool = False,
        link: str = "",
    ) -> None:
        height = self._row_height(row, widths, size, bold=bold)
        self.set_fill_color(*HEADER_FILL)
        left, top = self.l_margin, self.y
        for column, (text, width) in enumerate(zip(row, widths, strict=True)):
            self.rect(left, top, width, height, style="DF" if bold else "D")
            cell_link = link if column == len(row) - 1 else ""
            for number, line in enumerate(self.wrap(text, width - 2 * CELL_PAD_MM)):
                self.set_xy(left + CELL_PAD_MM, top + CELL_PAD_MM + number * CELL_LINE_MM)
                self.cell(width - 2 * CELL_PAD_MM, CELL_LINE_MM, line, link=cell_link)
            left += width
        self.set_xy(self.l_margin, top + height)

    def _row_height(
        self, row: Sequence[str], widths: list[float], size: float, *, bold: bool = False
    ) -> float:
        """The row's height; leaves its font set."""
        self.set_font(FONT, "B" if bold else "", size)
        lines = max(
            len(self.wrap(text, width - 2 * CELL_PAD_MM)) or 1
            for text, width in zip(row, widths, strict=True)
        )
        return lines * CELL_LINE_MM + 2 * CELL_PAD_MM

    def _width(self, char: str) -> float:
        key = (self.font_family, self.font_style, self.font_size_pt, char)
        if key not in self._widths:
            self._widths[key] = self.get_string_width(char)
        return self._widths[key]


def _break(line: list[Char], lines: list[str]) -> tuple[list[Char], float]:
    """Move a full line to `lines`; the characters carried to the next line, and their width."""
    spaces = [i for i, (char, _) in enumerate(line) if char == " "]
    cut = spaces[-1] if spaces and spaces[-1] > 0 else len(line)
    lines.append("".join(char for char, _ in line[:cut]))
    rest = line[cut + 1 :] if cut < len(line) else []
    return rest, sum(advance for _, advance in rest)
