"""The articles of the fixture news site used by end-to-end tests."""

from __future__ import annotations

from datetime import datetime

from tests.conftest import SEED_FILE
from tests.fixture_site import SiteArticle

__all__ = [
    "SiteArticle",
    "all_articles",
    "baseball",
    "busan_euc_kr",
    "daegu_original",
    "daegu_syndicated",
    "daegu_tistory_repost",
    "fault_site_articles",
    "incheon_throttled",
    "sejong_mou",
]


def _seed_paragraphs() -> list[str]:
    lines = [line.strip() for line in SEED_FILE.read_text(encoding="utf-8").splitlines()]
    return [line for line in lines[4:] if len(line) > 40]


def daegu_original() -> SiteArticle:
    return SiteArticle(
        slug="daegu-hangzhou",
        title="권영진 대구시장, 항저우 알리바바 본사 방문…시티브레인 벤치마킹",
        paragraphs=_seed_paragraphs(),
        published=datetime.fromisoformat("2018-12-19T15:27:00+09:00"),
        author="전팀장",
    )


def daegu_syndicated() -> SiteArticle:
    paragraphs = [
        "(대구=지역뉴스) 대구시 소식을 전합니다.",
        *_seed_paragraphs(),
        "지역뉴스 제공, 다른 매체에 전재된 기사입니다.",
    ]
    return SiteArticle(
        slug="daegu-hangzhou-copy",
        title="대구시장 중국 항저우 방문, 스마트시티 협력 논의",
        paragraphs=paragraphs,
        published=datetime.fromisoformat("2018-12-19T18:40:00+09:00"),
        author="이영희 기자",
    )


def sejong_mou() -> SiteArticle:
    return SiteArticle(
        slug="sejong-barcelona",
        title="세종시, 바르셀로나와 스마트시티 업무협약 체결",
        paragraphs=[
            "세종시는 스페인 바르셀로나시와 스마트시티 분야 업무협약(MOU)을 체결했다고 밝혔다.",
            "두 도시는 자율주행 셔틀과 데이터 플랫폼 실증 경험을 공유하고, 시민 참여형 "
            "리빙랩을 공동으로 운영하기로 했다.",
            "시 관계자는 이번 협약이 국가시범도시 사업의 해외 협력 모델이 될 것이라고 말했다.",
        ],
        published=datetime.fromisoformat("2024-03-05T10:12:00+09:00"),
    )


def baseball() -> SiteArticle:
    return SiteArticle(
        slug="baseball",
        title="삼성 라이온즈, 연장 끝에 역전승",
        paragraphs=[
            "삼성 라이온즈가 안방에서 열린 경기에서 연장 11회 끝내기 안타로 역전승을 거뒀다.",
            "선발 투수는 7이닝 동안 삼진 9개를 잡으며 호투했고, 불펜도 무실점으로 막았다.",
            "팀은 이번 승리로 3연패에서 벗어나 리그 4위로 올라섰다.",
        ],
        published=datetime.fromisoformat("2024-05-01T21:30:00+09:00"),
        section="스포츠",
    )


def busan_euc_kr() -> SiteArticle:
    return SiteArticle(
        slug="busan-euckr",
        title="부산시, 싱가포르와 스마트시티 해외 협력 강화",
        paragraphs=[
            "부산시는 싱가포르 정부 대표단이 에코델타 스마트시티를 방문해 협력 방안을 논의했다고 "
            "밝혔다.",
            "양측은 디지털 트윈과 수자원 관리 기술을 중심으로 공동 실증 사업을 추진하기로 했다.",
        ],
        published=datetime.fromisoformat("2024-04-11T14:05:00+09:00"),
        charset="euc-kr",
    )


def all_articles() -> list[SiteArticle]:
    return [daegu_original(), daegu_syndicated(), sejong_mou(), baseball(), busan_euc_kr()]


def daegu_tistory_repost() -> SiteArticle:
    """A Tistory blog post quoting the Daegu article with its own intro and outro (the seed's
    shape): the same story as the original and its syndicated copy."""
    return SiteArticle(
        slug="245",
        title="권영진 대구시장 중국 항저우 알리바바 본사 방문",
        paragraphs=[
            "오늘은 스마트시티 관련해서 인상 깊게 읽은 기사를 옮겨 둡니다.",
            *_seed_paragraphs(),
            "대구도 시티브레인 같은 교통 데이터 플랫폼을 빨리 도입했으면 좋겠네요.",
        ],
        published=datetime.fromisoformat("2018-12-20T09:10:00+09:00"),
        author="스마트시티 다이어리",
        layout="tistory",
    )


def incheon_throttled() -> SiteArticle:
    """An article whose first request the fault site answers with 429 (Retry-After: 1)."""
    return SiteArticle(
        slug="incheon-dubai",
        title="인천시, 두바이와 스마트시티 협력 양해각서 체결",
        paragraphs=[
            "인천시는 아랍에미리트 두바이 정부와 스마트시티 분야 협력을 위한 양해각서(MOU)를 "
            "체결했다고 밝혔다.",
            "두 도시는 송도국제도시의 스마트 교통 운영 경험과 두바이의 블록체인 행정 서비스를 "
            "서로 공유하고, 공동 실증 사업을 추진하기로 했다.",
        ],
        published=datetime.fromisoformat("2024-02-20T11:00:00+09:00"),
    )


def fault_site_articles() -> list[SiteArticle]:
    """The fault site's articles: the usual five, a Tistory repost and a rate-limited page."""
    return [*all_articles(), daegu_tistory_repost(), incheon_throttled()]
