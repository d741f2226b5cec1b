"""Bylines → author names (and the outlet, when a byline names one).

Decisions, since Korean bylines mix names, job titles and outlets:
- "홍길동 기자", "홍길동 특파원", "홍길동 선임기자 hong@x.com" → "홍길동":
  journalist titles and e-mail addresses are dropped after a full name.
- A surname fused with a title, "전팀장" or "김기자", is kept whole: the bare
  surname "전" would identify nobody, and the pair is how the writer signs.
- Positions that are not journalist titles ("홍길동 팀장") are kept.
- A leading outlet, "내일신문 전팀장", splits into outlet "내일신문" and
  author "전팀장"; the outlet feeds repost detection (original_outlet).
- Several writers are joined with ", ".
"""

from __future__ import annotations

import re
from dataclasses import dataclass

__all__ = ["Byline", "parse_byline", "split_outlet"]

# Journalist titles stripped after a full name (longest first so "선임기자" beats "기자").
JOURNALIST_TITLES = (
    "선임기자", "전문기자", "수습기자", "객원기자", "인턴기자", "사진기자", "영상기자",
    "편집위원", "논설위원", "칼럼니스트", "특파원", "통신원", "기자",
)  # fmt: skip

# Outlets often named in bylines; names ending in OUTLET_ENDINGS are recognised too.
KNOWN_OUTLETS = (
    "연합뉴스", "내일신문", "한국일보", "조선일보", "중앙일보", "동아일보", "한겨레", "경향신문",
    "매일경제", "한국경제", "서울신문", "국민일보", "세계일보", "문화일보", "뉴시스", "뉴스1",
    "머니투데이", "이데일리", "아시아경제", "헤럴드경제", "파이낸셜뉴스", "전자신문",
    "디지털타임스", "매일신문", "영남일보", "대구일보", "부산일보", "국제신문", "아주경제",
    "노컷뉴스", "오마이뉴스", "프레시안", "이투데이", "데일리안", "블로터", "ZDNet Korea",
    "KBS", "MBC", "SBS", "YTN", "JTBC", "MBN", "TV조선", "채널A", "연합뉴스TV",
)  # fmt: skip
OUTLET_ENDINGS = ("신문", "일보", "뉴스", "방송", "경제", "타임스", "투데이", "저널", "미디어")

_EMAIL = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+")
# Words that introduce a name: Korean credits, "Posted by" (Tistory, Blogger),
# "by" and its Spanish/Portuguese/German forms on international pages.
_NOISE = re.compile(
    r"^(?:(?:(?:posted|written)\s+)?by\b|por\b|von\b|writer\b|글·사진|글|사진|작성자|기자)\s*[:：]?\s*",
    re.I,
)
# Dateline place before the name: "워싱턴=김철수 특파원", "(서울=연합뉴스)".
_PLACE = re.compile(r"^[가-힣]{1,8}\s*=\s*")
_SEPARATORS = re.compile(r"\s*(?:[,·/|]|\s및\s)\s*")
_HANGUL_NAME = re.compile(r"^[가-힣]{2,4}$")  # Korean full names are 2-4 syllables
# A byline often runs into its dateline: "홍길동 기자 | 기사입력 2012-11-08 15:42".
# English bylines run into dates and handles too: "Steven Musil January 18, 2017 @stevenmusil".
_DATE_TAIL = re.compile(
    r"[\s|]*(?:\d{4}\s*[.\-/년]|(?:기사\s*)?(?:입력|등록|수정|승인|게재)|\d+\s*(?:분|시간|일)\s*전"
    r"|\b(?:Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec)[a-z]*\.?\s+\d{1,2}\b|@\w).*$"
)


@dataclass(frozen=True, slots=True)
class Byline:
    author: str | None
    outlet: str | None = None
    email: str | None = None


def is_outlet(word: str, extra: tuple[str, ...] = ()) -> bool:
    word = word.strip("[]()")
    if word in KNOWN_OUTLETS or word in extra:
        return True
    # Two or more characters before the ending: "신문" alone is not an outlet name.
    return any(word.endswith(e) and len(word) > len(e) + 1 for e in OUTLET_ENDINGS)


def split_outlet(text: str, extra: tuple[str, ...] = ()) -> tuple[str | None, str]:
    """("내일신문", "전팀장") for "내일신문 전팀장"; (None, text) when no outlet leads."""
    first, _, rest = text.strip().partition(" ")
    if rest and is_outlet(first, extra):
        return first.strip("[]()"), rest.strip()
    return None, text.strip()


def clean_name(part: str) -> str:
    """One writer: title removed when what remains is a full name."""
    part = _PLACE.sub("", _NOISE.sub("", part.strip())).strip()
    for title in JOURNALIST_TITLES:
        if part.endswith(title):
            name = part[: -len(title)].strip()
            # A lone surname ("김기자") stays as signed; a full name loses the title.
            if len(name) >= 2:
                return name
            return part
    return part


def parse_byline(raw: str | None, outlets: tuple[str, ...] = ()) -> Byline:
    """Author name(s), outlet and e-mail from a byline string."""
    if not raw:
        return Byline(None)
    text = " ".join(raw.split())
    email_match = _EMAIL.search(text)
    text = _EMAIL.sub(" ", text)
    text = _DATE_TAIL.sub("", text).strip(" =()[]<>-–—|,")
    outlet, text = split_outlet(text, outlets)
    names = [clean_name(p) for p in _SEPARATORS.split(text) if p.strip()]
    names = [n for n in dict.fromkeys(names) if n and not is_outlet(n, outlets)]
    author = ", ".join(names) or None
    return Byline(author, outlet, email_match.group(0) if email_match else None)


def looks_like_person(name: str) -> bool:
    """True for a Korean full name (2-4 syllables) or a Latin-script name."""
    return bool(_HANGUL_NAME.match(name)) or bool(re.match(r"^[A-Za-z][A-Za-z .'-]{1,40}$", name))
