"""Three fixture news sites for the briefing end-to-end test: 40 articles from the last
day, in three sections' worth plus "other", with copies and a blog repost.

- the Daegu–Alibaba visit (the seed article): an original and four copies on
  other outlets, each with its own header and footer: one story, "+4";
- a Busan–Singapore MOU: an original, one syndicated copy and a Tistory repost;
- the visit and the MOU are the two diplomacy events; the other articles avoid
  every event trigger word (gazetteer.yaml event_types);
- the rest are short single articles (under dedup's 200 characters: a story of
  their own), each naming 스마트시티 so that it is relevant and indexed.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from tests.conftest import SEED_FILE
from tests.fixture_site import SiteArticle

OUTLETS = ("한빛일보", "새벽뉴스", "푸른신문")
SECTIONS = [
    {"title": "우리 시", "query": "대구"},
    {"title": "해외 도시·기업", "query": "항저우 OR 싱가포르 OR 알리바바"},
    {"title": "다른 도시", "query": "부산 OR 세종"},
]
VISIT_TITLE = "권영진 대구시장, 항저우 알리바바 본사 방문"
MOU_TITLE = "부산시, 싱가포르와 스마트시티 업무협약 체결"
MOU_PARAGRAPHS = [
    "부산시는 싱가포르 정부와 스마트시티 분야 협력을 위한 업무협약(MOU)을 체결했다고 밝혔다.",
    "두 도시는 에코델타 스마트시티의 물 관리 경험과 싱가포르의 도시 계획 데이터를 서로 "
    "공유하고, 디지털 트윈 기반의 도시 운영 모델을 함께 만들기로 했다.",
    "부산시 관계자는 이번 협약으로 아시아 스마트시티 협력의 중심이 될 것이라고 말했다.",
    "양측은 내년 상반기 실무 협의체를 꾸리고 구체적인 협력 과제를 확정할 예정이다.",
]
# Short single articles: (section hint, title, body). Bodies stay under 200 characters.
SINGLES = [
    (
        "대구",
        "대구시, 스마트시티 통합 관제센터 새 단장",
        "대구시가 스마트시티 통합 관제센터의 화면과 장비를 새로 바꿨다. "
        "관제 요원은 24시간 근무한다.",
    ),
    (
        "대구",
        "대구 수성구, 스마트 가로등 1천 개 설치",
        "대구 수성구는 스마트시티 사업으로 스마트 가로등 1천 개를 설치했다고 밝혔다.",
    ),
    (
        "대구",
        "대구시 스마트시티 시민 아이디어 공모 결과 발표",
        "대구시는 스마트시티 시민 아이디어 공모에서 12건을 뽑았다. 우수작은 내년 사업에 반영된다.",
    ),
    (
        "대구",
        "대구 도심 주차 정보 앱 이용자 10만 명",
        "대구시의 스마트시티 주차 정보 앱 이용자가 10만 명을 넘었다고 시가 전했다.",
    ),
    (
        "대구",
        "대구시의회, 스마트시티 조례 개정안 통과",
        "대구시의회가 스마트시티 조성 조례 개정안을 본회의에서 통과시켰다.",
    ),
    (
        "대구",
        "대구 달서구 스마트 버스정류장 20곳 운영",
        "대구 달서구는 냉난방과 공기청정기를 갖춘 스마트시티형 버스정류장 20곳을 운영한다.",
    ),
    (
        "해외",
        "알리바바클라우드, 한국 스마트시티 시장 공략 강화",
        "알리바바클라우드가 한국 스마트시티 시장에서 공공 고객을 늘리겠다고 밝혔다.",
    ),
    (
        "해외",
        "항저우 시티브레인, 교통 신호 제어 범위 넓혀",
        "중국 항저우의 시티브레인이 교통 신호 제어 범위를 도시 외곽까지 넓혔다. "
        "스마트시티 교통 관리의 사례로 꼽힌다.",
    ),
    (
        "해외",
        "싱가포르 버추얼 싱가포르 3차원 지도 공개",
        "싱가포르가 스마트시티 사업의 하나로 도시 전체의 3차원 지도를 시민에게 공개했다.",
    ),
    (
        "해외",
        "싱가포르 자율주행 버스 노선 두 배로",
        "싱가포르 교통 당국이 스마트시티 전략에 따라 자율주행 버스 노선을 두 배로 늘린다.",
    ),
    (
        "해외",
        "항저우 스마트시티 데이터 개방 지침 발표",
        "항저우시가 스마트시티 데이터 개방 지침을 내놓았다. 교통과 환경 데이터가 대상이다.",
    ),
    (
        "해외",
        "알리바바 도시 인공지능 연구소 새 책임자 선임",
        "알리바바가 스마트시티 인공지능 연구소의 새 책임자를 선임했다고 현지 매체가 전했다.",
    ),
    (
        "다른",
        "부산 에코델타시티 첫 입주 시작",
        "부산 에코델타시티 스마트시티 단지에 첫 입주가 시작됐다. 입주민은 로봇 배송을 이용한다.",
    ),
    (
        "다른",
        "부산시 스마트시티 통합 플랫폼 구축 완료",
        "부산시가 스마트시티 통합 플랫폼 구축을 마쳤다고 밝혔다. 교통과 안전 정보를 한곳에서 본다.",
    ),
    (
        "다른",
        "세종시 스마트시티 국가시범도시 공정률 40%",
        "세종시 스마트시티 국가시범도시 5-1 생활권 공사의 공정률이 40%를 넘었다.",
    ),
    (
        "다른",
        "세종 스마트 횡단보도 전 지역 확대",
        "세종시가 보행자를 감지하는 스마트시티형 횡단보도를 전 지역으로 넓힌다.",
    ),
    (
        "다른",
        "부산 해운대 스마트 해변 안전 시스템 가동",
        "부산 해운대구가 스마트시티 기술로 해변 안전 감시 시스템을 가동했다.",
    ),
    (
        "다른",
        "세종시, 스마트시티 시민 참여단 200명 모집",
        "세종시가 스마트시티 서비스를 함께 설계할 시민 참여단 200명을 모집한다.",
    ),
    (
        "기타",
        "서울시 스마트시티 지수 세계 3위",
        "서울시가 한 국제 평가에서 스마트시티 지수 세계 3위에 올랐다고 밝혔다.",
    ),
    (
        "기타",
        "인천 송도 스마트시티 통합 센터 개편",
        "인천 송도국제도시의 스마트시티 통합 센터가 조직을 개편했다.",
    ),
    (
        "기타",
        "광주시 스마트시티 에너지 절감 효과 발표",
        "광주광역시는 스마트시티 에너지 관리로 공공건물 전기 사용량을 12% 줄였다고 밝혔다.",
    ),
    (
        "기타",
        "수원시 스마트시티 안전 귀갓길 서비스 호응",
        "수원시의 스마트시티 안전 귀갓길 서비스 이용이 늘고 있다.",
    ),
    (
        "기타",
        "고양시 스마트시티 주차 공유 서비스 확대",
        "고양시가 스마트시티 주차 공유 서비스를 아파트 단지로 넓힌다.",
    ),
    (
        "기타",
        "전주시 스마트시티 전통시장 안내 서비스 개시",
        "전주시가 스마트시티 사업으로 전통시장 안내 서비스를 시작했다.",
    ),
    (
        "기타",
        "울산시 스마트시티 공단 안전 관리 고도화",
        "울산시는 스마트시티 기술로 산업단지 안전 관리를 고도화한다고 밝혔다.",
    ),
    (
        "기타",
        "창원시 스마트시티 하수도 관리 체계 개선",
        "창원시가 스마트시티 센서로 하수도 관리 체계를 바꾼다.",
    ),
    (
        "기타",
        "성남시 스마트시티 공유 자전거 이용 증가",
        "성남시의 스마트시티 공유 자전거 이용 건수가 1년 새 두 배가 됐다.",
    ),
    (
        "대구",
        "대구 동구 스마트시티 공원 조명 교체",
        "대구 동구가 스마트시티 조명으로 공원 가로등을 바꿨다. 밤길이 밝아졌다는 반응이다.",
    ),
    (
        "해외",
        "싱가포르 스마트시티 물 재이용 시설 공개",
        "싱가포르가 스마트시티 물 재이용 시설을 시민에게 공개했다.",
    ),
    (
        "다른",
        "부산 북구 스마트시티 경로당 돌봄 서비스",
        "부산 북구가 스마트시티 센서로 경로당 어르신 돌봄 서비스를 시작했다.",
    ),
    (
        "기타",
        "시흥시 스마트시티 배곧 지구 교통 개선",
        "시흥시는 스마트시티 배곧 지구의 교통 흐름을 개선했다고 밝혔다.",
    ),
    (
        "기타",
        "제주도 스마트시티 관광 안내 로봇 배치",
        "제주도가 스마트시티 관광 안내 로봇을 공항과 항구에 배치했다.",
    ),
]


def seed_paragraphs() -> list[str]:
    lines = [line.strip() for line in SEED_FILE.read_text(encoding="utf-8").splitlines()]
    return [line for line in lines[4:] if len(line) > 40]


def briefing_sites_articles(now: datetime) -> list[list[SiteArticle]]:
    """The articles of each of the three sites (OUTLETS), published in the last day."""
    sites: list[list[SiteArticle]] = [[], [], []]
    start = now - timedelta(hours=20)
    seed = seed_paragraphs()
    # The visit: original on site 0, four copies (sites 1, 2, 1, 2), an hour apart.
    sites[0].append(SiteArticle("visit", VISIT_TITLE, seed, start, author="전팀장"))
    for n in range(1, 5):
        copy = SiteArticle(
            f"visit-copy-{n}",
            f"대구시장 항저우 알리바바 방문 ({n})",
            [f"({OUTLETS[1 + n % 2]}) 대구시 소식 {n}보입니다.", *seed, f"전재 기사 {n}."],
            start + timedelta(hours=n),
            author=f"기자{n}",
        )
        sites[1 + (n + 1) % 2].append(copy)
    # The MOU: original on site 1, a syndicated copy on site 2, a blog repost on site 0.
    mou_time = start + timedelta(hours=1, minutes=30)
    sites[1].append(SiteArticle("mou", MOU_TITLE, MOU_PARAGRAPHS, mou_time))
    sites[2].append(
        SiteArticle(
            "mou-copy",
            "부산-싱가포르 스마트시티 협약",
            ["(부산=푸른신문) 부산시 소식입니다.", *MOU_PARAGRAPHS],
            mou_time + timedelta(hours=2),
        )
    )
    sites[0].append(
        SiteArticle(
            "mou-repost",
            "부산 싱가포르 스마트시티 협약 기사 스크랩",
            ["오늘 읽은 기사를 옮겨 둡니다.", *MOU_PARAGRAPHS, "좋은 협력이 되길 바랍니다."],
            mou_time + timedelta(hours=5),
            author="스마트시티 다이어리",
            layout="tistory",
        )
    )
    for index, (_, title, body) in enumerate(SINGLES):
        moment = start + timedelta(hours=6, minutes=25 * index)
        sites[index % 3].append(SiteArticle(f"single-{index}", title, [body], moment))
    return sites


def article_count() -> int:
    return 5 + 3 + len(SINGLES)
