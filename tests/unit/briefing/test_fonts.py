"""The Korean font: found from fonts-nanum, or a missing one named with what to install."""

from __future__ import annotations

from pathlib import Path

import pytest

from scheduler.briefing import fonts


def test_the_installed_nanum_font_is_found_with_its_bold_face() -> None:
    regular = fonts.korean_font()
    assert regular.suffix == ".ttf" and regular.is_file()
    assert fonts.bold_variant(regular).name == "NanumGothicBold.ttf"


def test_a_missing_font_says_which_package_or_variable(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv(fonts.FONT_ENV, str(tmp_path / "none.ttf"))
    with pytest.raises(fonts.FontMissing, match=r"NEWSWATCH_BRIEFING_FONT=.*none\.ttf"):
        fonts.korean_font()
    assert fonts.check_font() == (
        False,
        f"{fonts.FONT_ENV}={tmp_path / 'none.ttf'}: no such font file",
    )
    monkeypatch.delenv(fonts.FONT_ENV)
    monkeypatch.setattr(fonts, "FONT_CANDIDATES", (tmp_path / "a.ttf",))
    ok, detail = fonts.check_font()
    assert not ok and "apt-get install fonts-nanum" in detail
