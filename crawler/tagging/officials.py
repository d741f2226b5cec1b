"""Named officials: a Korean name followed by an office title ("권영진 대구시장").

The rule: a 2-3 syllable name starting with a common Korean surname, a space,
optionally one organization word ("국토교통부 장관"), then a word ending in an
office title, then nothing or a particle. Known people from the config's
gazetteer are matched separately, like any other entry.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass

# Single-syllable surnames covering ~99% of Koreans (Statistics Korea 2015
# census, top 100), plus common Chinese ones for counterparts (马 → 마, 江 → 강).
_SURNAMES = (
    "김이박최정강조윤장임한오서신권황안송류유전홍고문양손배백허남심노하곽성차주우구"
    "민진나지엄채원천방공현함변염여추도소석선설마길연위표명기반왕금옥육인맹제모탁국어"
    "은편용예경봉사부"
)
# Particles that may follow the title ("대구시장은", "장관께서", "회장님").
_PARTICLES = (
    "께서는",
    "께서",
    "님은",
    "님이",
    "님",
    "은",
    "는",
    "이",
    "가",
    "을",
    "를",
    "의",
    "과",
    "와",
    "도",
    "에게",
    "과의",
    "와의",
    "으로",
    "로",
    "이다",
    "이며",
    "이자",
)
# Two-syllable name + bare 시장 is usually a market ("서문 시장"), not a mayor.
_MARKET_TITLE = "시장"


@dataclass(frozen=True, slots=True)
class OfficialMatch:
    name: str
    office: str  # as written, whitespace-normalized: "대구시장", "국토교통부 장관"
    start: int

    @property
    def label(self) -> str:
        """What Article.officials holds: "권영진 대구시장"."""
        return f"{self.name} {self.office}"


class OfficialFinder:
    """Finds NAME + office-title mentions with one compiled regex."""

    def __init__(self, titles: Iterable[str], not_names: Iterable[str] = ()) -> None:
        titles = sorted({t.strip() for t in titles if t.strip()}, key=len, reverse=True)
        self._regex = _compile(titles) if titles else None
        # Words that look like names before a title but are not ("이번 대구시장").
        self._not_names = frozenset(not_names)

    def finditer(self, text: str) -> Iterator[OfficialMatch]:
        position = 0
        while self._regex is not None and (match := self._regex.search(text, position)):
            name, office = match["name"], " ".join(match["office"].split())
            if name in self._not_names:
                # "이번 권영진 대구시장": retry after the non-name, or the real name is lost.
                position = match.start() + len(name)
                continue
            position = match.end()
            if not (len(name) == 2 and office == _MARKET_TITLE):
                yield OfficialMatch(name=name, office=office, start=match.start())


def _compile(titles: list[str]) -> re.Pattern[str]:
    particles = "|".join(sorted(_PARTICLES, key=len, reverse=True))
    title = "|".join(re.escape(t) for t in titles)
    # The surname class comes first so the engine can skip ahead by it; the
    # "no Hangul before the name" check follows it as a lookbehind.
    return re.compile(
        rf"""
        (?P<name>[{_SURNAMES}](?<![가-힣].)[가-힣]{{1,2}})\s+
        (?P<office>(?:[가-힣A-Za-z]{{2,15}}\s+)?[가-힣A-Za-z]{{0,12}}?(?:{title}))
        (?:{particles})?(?![가-힣])
        """,
        re.VERBOSE,
    )
