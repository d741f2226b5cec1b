"""The Korean font that charts and the PDF use: NanumGothic from Debian's fonts-nanum.

A TrueType (.ttf) file, because the PDF embeds it (a subset of the glyphs used);
`NEWSWATCH_BRIEFING_FONT` names another .ttf. A missing font is an error that
says which package to install, never a PDF of empty boxes.
"""

from __future__ import annotations

import os
from pathlib import Path

FONT_ENV = "NEWSWATCH_BRIEFING_FONT"
# Debian/Ubuntu fonts-nanum; the Dockerfile and .ci/run install it.
FONT_CANDIDATES = (
    Path("/usr/share/fonts/truetype/nanum/NanumGothic.ttf"),
    Path("/usr/share/fonts/nanum/NanumGothic.ttf"),
)
BOLD_SUFFIX = "Bold"


class FontMissing(Exception):
    """No Korean TrueType font is installed; the message names the package."""


def korean_font() -> Path:
    named = os.environ.get(FONT_ENV)
    if named:
        path = Path(named)
        if not path.is_file():
            raise FontMissing(f"{FONT_ENV}={named}: no such font file")
        return path
    for path in FONT_CANDIDATES:
        if path.is_file():
            return path
    raise FontMissing(
        "no Korean font found for briefings: install the Debian package fonts-nanum "
        f"(apt-get install fonts-nanum) or set {FONT_ENV} to a .ttf file"
    )


def bold_variant(regular: Path) -> Path:
    """NanumGothicBold.ttf beside NanumGothic.ttf, else the regular face."""
    bold = regular.with_name(f"{regular.stem}{BOLD_SUFFIX}{regular.suffix}")
    return bold if bold.is_file() else regular


def check_font() -> tuple[bool, str]:
    """For `newswatch doctor`: (ok, the font file or what to install)."""
    try:
        return True, str(korean_font())
    except FontMissing as exc:
        return False, str(exc)
