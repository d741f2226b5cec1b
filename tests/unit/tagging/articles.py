"""Article builders and sample texts for the tagging tests."""

from __future__ import annotations

from datetime import datetime

from crawler.models import Article
from crawler.vocabulary import SEOUL
from tests.conftest import SEED_FILE

SEED_TITLE = "권영진 대구시장 한국전자통신연구원 중국 항저우 알리바바 본사 방문"
FETCHED = datetime(2018, 12, 20, 12, 0, tzinfo=SEOUL)

BASEBALL = (
    "두산 베어스가 26일 서울 잠실야구장에서 열린 KBO리그 LG 트윈스와의 경기에서 5-3으로 "
    "이겼다. 선발 투수 곽빈은 6이닝 동안 삼진 8개를 잡으며 시즌 10승을 거뒀다. 방문 팀 LG는 "
    '9회 초 2점을 따라붙으며 선전했지만 역전에는 실패했다. 이승엽 감독은 경기 후 "선수들이 '
    '끝까지 집중했다"고 말했다. 이날 잠실구장에는 2만3750명의 관중이 찾아 응원했다.'
)
RECIPE = (
    "대구탕 끓이는 법. 생대구 한 마리를 손질해 토막 낸다. 냄비에 물 1리터와 무를 넣고 "
    "10분간 끓인 뒤 대구와 콩나물, 두부를 넣는다. 고춧가루 두 큰술, 다진 마늘 한 큰술로 "
    "간을 하고 중불에서 15분 더 끓인다. 마지막에 쑥갓과 대파를 올리면 완성. 유치원생 "
    "아이들도 잘 먹는 순한 맛으로 하려면 고춧가루를 빼면 된다."
)


def make_article(text: str, title: str = "", *, subtitle: str | None = None) -> Article:
    return Article(
        url="https://example.com/a", title=title, text=text, fetched=FETCHED, subtitle=subtitle
    )


def seed_article() -> Article:
    return make_article(SEED_FILE.read_text(encoding="utf-8"), title=SEED_TITLE)
