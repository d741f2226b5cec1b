"""The PDF's own line wrapping: no line wider than asked, no text lost, spaces preferred."""

from __future__ import annotations

from scheduler.briefing.fonts import korean_font
from scheduler.briefing.pdf_layout import FONT, BriefingPDF

TEXT = (
    "대구시는 권영진 시장이 중국 항저우의 알리바바 본사를 방문해 시티브레인 교통 플랫폼을 "
    "살펴봤다고 밝혔다. 띄어쓰기없이아주길게이어지는한국어문장도줄을바꿔야한다고합니다 끝."
)


def pdf_with_font() -> BriefingPDF:
    pdf = BriefingPDF()
    pdf.add_font(FONT, "", str(korean_font()))
    pdf.set_font(FONT, "", 9)
    return pdf


def test_lines_fit_the_width_and_keep_every_character() -> None:
    pdf = pdf_with_font()
    for width in (20.0, 45.0, 180.0):
        lines = pdf.wrap(TEXT, width)
        assert all(pdf.get_string_width(line) <= width + 1e-6 for line in lines), width
        assert "".join(lines).replace(" ", "") == TEXT.replace(" ", "")
        assert not any(line.startswith(" ") or line.endswith(" ") for line in lines)


def test_lines_break_at_spaces_when_there_are_any() -> None:
    pdf = pdf_with_font()
    lines = pdf.wrap("가나다 라마바 사아자 차카타 파하", pdf.get_string_width("가나다 라마바 사"))
    assert lines == ["가나다 라마바", "사아자 차카타", "파하"]
