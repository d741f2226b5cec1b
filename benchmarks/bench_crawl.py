"""make bench-crawl: `newswatch crawl` end to end against a bare Scrapy + trafilatura crawl.

The site. --articles (2,000) generated Korean articles -- most about smart
cities and city diplomacy (so they are relevant and get indexed), about 15 %
sports, weather, food and culture (tagged irrelevant, not indexed) and about
3 % syndicated copies of earlier articles (dedup gives them the original's
story) -- served by tests/fixture_site.py on 127.0.0.1 with a sitemap index
and a urlset carrying lastmod. The server runs as a thread of this process.
While a crawl runs this process does nothing but wait for it (os.wait4), so
the server is in effect a third process: its CPU is charged to neither side's
rusage or wall time more than to the other's, both sides talk to the very
same server, and its request log (FixtureSite.fetched_paths) is at hand for
counting fetches. A separate server process would add only the plumbing to
read that log back. Two socket settings of the server are fixed here (see
serve()): TCP_NODELAY, without which every keep-alive response waits 40 ms for
a delayed ACK, and a listen backlog of 128 instead of 5, without which bursts
of new connections lose SYNs and wait 1 s each; either would make both sides
measure the server instead of themselves.

The two sides, each a fresh subprocess timed from spawn to exit (so both pay
interpreter start-up and their imports):
- ours: `newswatch --config CFG crawl` with one sitemap source over the site,
  into the engine at --url (fresh state directory; newswatch-* indices and
  templates wiped and `newswatch setup` run before each of its rounds; that
  preparation is not timed). Fetch, extraction with site rules, tagging,
  dedup, seen-store and bulk indexing: the whole product.
- baseline: benchmarks/bench_crawl_baseline.py, a bare Scrapy SitemapSpider
  over the same sitemap that downloads the same pages and calls
  `trafilatura.extract` on each, indexing nothing.

Fairness. The baseline gets the Scrapy settings `newswatch crawl` derives
from the same config (crawler.settings.scrapy_settings), minus our own
components: the same CONCURRENT_REQUESTS(_PER_DOMAIN), AutoThrottle on with
the same start/max delay and target concurrency, robots.txt obeyed, same
timeouts, retries, user agent and reactor. Politeness is a requirement of any
crawler we would ship, not something newswatch adds, so it belongs to the
floor both sides pay; turning AutoThrottle off on one side only would measure
the throttle, not our code. On loopback the delay AutoThrottle sets tracks
the measured latency, which is mostly the time the reactor was busy with the
previous page, so it serializes fetching with processing on both sides alike
(measured on the baseline: about the same wall time with it off); a long
blocking step (our bulk request) raises the delay for a few responses after
it, a real cost of ours that the ratio rightly includes. --concurrency
overrides crawl.concurrency_per_domain for both.

Rounds alternate who goes first (ours, base | base, ours | ...) so the
engine's background merges and a noisy neighbour hit both sides; the ratio is
the median of the rounds' own ratios (on a shared machine the load moves more
between rounds than within one), and the ratio of the medians is printed too.
pages/s = article pages fetched (hits on /news/ in the server log during the
run) / wall seconds; both sides must fetch every article page.

CPU and memory are for all of a side's processes together: newswatch crawl
extracts and tags in a pool of worker processes (crawl.extract_workers,
default one per core; --workers sets it, 1 = in the crawl's process), which
are forked by a forkserver, so they are grandchildren that os.wait4 does not
see. CPU = the crawl process's own rusage (os.wait4) + its descendants' CPU
as last sampled (benchmarks/process_tree.py, every 0.1 s, both sides alike);
peak memory = the peak over samples of the summed RSS of the whole tree, and
of the summed PSS (shared pages split between the processes sharing them:
forked workers share their imports), beside the crawl process's own
ru_maxrss.

Re-crawl. Right after each of our crawls, `newswatch crawl` runs again over
the unchanged site; the share of article pages it fetches again is reported
(target <= 5 %: the sitemap's lastmod and the seen-store should skip them).

Targets (issue 16): ours / baseline >= 1.0 pages/s, aiming at 1.2 (we
fetch, extract, tag, dedup and index at least as fast as the single-process
baseline only fetches and extracts, by using every core); re-crawl fetches
<= 5 % of articles.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import yaml

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from benchmarks.process_tree import TreeSampler, TreeUsage  # noqa: E402
from crawler.config import SearchConfig, parse_config  # noqa: E402
from crawler.engine.client import SearchStore  # noqa: E402
from crawler.engine.indices import ARTICLES_ALIAS  # noqa: E402
from crawler.settings import scrapy_settings  # noqa: E402
from tests.fixture_site import FixtureSite, SiteArticle  # noqa: E402

RATIO_TARGET = 1.0
RATIO_AIM = 1.2
RECRAWL_TARGET = 0.05
# Loopback pages take milliseconds; a crawl of 2,000 takes about a minute.
# Anything past this per 1,000 articles means something hangs.
TIMEOUT_SECONDS_PER_1000 = 600.0
LISTEN_BACKLOG = 128
NEWSWATCH = [sys.executable, "-m", "scheduler.cli"]
BASELINE = [sys.executable, str(REPO / "benchmarks" / "bench_crawl_baseline.py")]
# Settings that plug newswatch's own code into Scrapy: not for the baseline.
OWN_COMPONENT_SETTINGS = {
    "ITEM_PIPELINES",
    "DOWNLOADER_MIDDLEWARES",
    "SPIDER_MIDDLEWARES",
    "EXTENSIONS",
    "LOG_FORMATTER",
    "LOG_INSTALL_ROOT_HANDLER",
}

# --- the generated site ---------------------------------------------------------------

CITIES = [
    ("대구시", "daegu"),
    ("부산시", "busan"),
    ("세종시", "sejong"),
    ("서울시", "seoul"),
    ("인천시", "incheon"),
    ("광주시", "gwangju"),
    ("대전시", "daejeon"),
    ("울산시", "ulsan"),
    ("수원시", "suwon"),
    ("성남시", "seongnam"),
    ("창원시", "changwon"),
    ("전주시", "jeonju"),
    ("제주도", "jeju"),
]
PARTNERS = [
    "중국 항저우",
    "스페인 바르셀로나",
    "싱가포르",
    "핀란드 헬싱키",
    "네덜란드 암스테르담",
    "아랍에미리트 두바이",
    "중국 선전",
    "일본 요코하마",
    "오스트리아 빈",
    "덴마크 코펜하겐",
    "호주 멜버른",
    "캐나다 토론토",
    "베트남 다낭",
    "인도네시아 자카르타",
]
TOPICS = [
    "스마트시티",
    "디지털 트윈",
    "자율주행",
    "데이터 허브",
    "스마트 서비스",
    "지능형 교통",
    "국가시범도시",
    "시티브레인",
]
ACTIONS = ["업무협약", "국제 협력", "자매결연", "교류협력", "해외 협력", "양해각서"]
PEOPLE = ["시장", "부시장", "경제부시장", "스마트도시국장", "정책기획관"]
# Sentences are random runs of nouns with particles ending in a predicate, so
# that two generated articles share few character 5-grams (dedup's shingles),
# as two real articles do: only the syndicated copies should join a story.
NOUNS = [
    "시민",
    "주민",
    "공무원",
    "기업",
    "대학",
    "연구원",
    "전문가",
    "관계자",
    "대표단",
    "위원회",
    "의회",
    "정부",
    "부처",
    "기관",
    "예산",
    "사업",
    "계획",
    "정책",
    "제도",
    "조례",
    "협의회",
    "간담회",
    "설명회",
    "토론회",
    "공청회",
    "박람회",
    "전시회",
    "교통",
    "버스",
    "지하철",
    "도로",
    "주차장",
    "신호등",
    "정류장",
    "횡단보도",
    "자전거",
    "보행로",
    "에너지",
    "전력",
    "태양광",
    "수소",
    "배터리",
    "충전소",
    "상수도",
    "하수도",
    "폐기물",
    "재활용",
    "공원",
    "녹지",
    "하천",
    "항만",
    "공항",
    "산업단지",
    "혁신도시",
    "원도심",
    "신도시",
    "주거지",
    "일자리",
    "창업",
    "투자",
    "수출",
    "관광",
    "상권",
    "시장",
    "물류",
    "제조업",
    "서비스업",
    "안전",
    "방범",
    "재난",
    "화재",
    "미세먼지",
    "기후",
    "탄소",
    "환경",
    "보건",
    "복지",
    "교육",
    "학교",
    "도서관",
    "청년",
    "노인",
    "아동",
    "장애인",
    "가족",
    "다문화",
    "외국인",
    "센서",
    "카메라",
    "통신망",
    "서버",
    "앱",
    "누리집",
    "지도",
    "좌표",
    "기록",
    "통계",
    "성과",
    "효과",
    "과제",
    "한계",
    "우려",
    "기대",
    "방안",
    "전략",
    "목표",
    "일정",
]
PARTICLES = ["은", "는", "이", "가", "을", "를", "와", "과", "의", "에", "에서", "으로", "도", "만"]
PREDICATES = [
    "추진한다고 밝혔다",
    "논의했다",
    "점검했다",
    "확대하기로 했다",
    "검토하고 있다",
    "발표했다",
    "공유했다",
    "마련할 계획이다",
    "개선했다고 설명했다",
    "강조했다",
    "협의할 예정이다",
    "주목받고 있다",
    "지적했다",
    "요청했다",
    "완료했다",
    "시작했다",
]
SMART_PHRASES = [
    "{partner}와 {topic} 분야 {action}을 맺었다",
    "{partner}의 {topic} 선진 사례를 벤치마킹했다",
    "{topic} 실증 사업을 {partner}와 함께 추진한다",
    "{partner} 대표단과 {topic} 국제 협력 방안을 논의했다",
]
QUOTES = [
    "{person}은 \u201c{partner}의 경험을 우리 도시 여건에 맞게 적용하겠다\u201d고 말했다.",
    "{person}은 \u201c시민이 체감하는 변화를 만들겠다\u201d고 강조했다.",
]
OTHER_NOUNS: dict[str, str] = {
    "스포츠": "선수 감독 구단 경기 관중 타자 투수 안타 홈런 득점 수비 공격 시즌 순위 연장 "
    "역전승 연패 연승 훈련 부상 복귀 응원 원정 안방 결승 예선 대표팀 코치 계약 이적",
    "날씨": "기온 아침 낮 저녁 구름 비 눈 바람 강수량 습도 한파 폭염 황사 안개 소나기 "
    "장마 태풍 해안 내륙 산간 중부지방 남부지방 주말 평년 예보 특보 기상청 건조 대기",
    "생활": "제철 식재료 요리 반찬 김치 국물 양념 손질 보관 영양 가격 장바구니 "
    "전통시장 마트 할인 손님 상인 농가 수확 산지 과일 채소 생선 고기 조리법 맛집",
    "문화": "공연 배우 무대 관객 연출가 작품 전시 화가 작가 소설 시집 영화 감독 "
    "음악회 오케스트라 합창단 축제 극장 미술관 박물관 관람료 예매 초연 평론가 관람",
}
OTHER_PREDICATES = [
    "기록했다",
    "이어졌다",
    "전망이다",
    "나타났다",
    "소개했다",
    "열린다",
    "밝혔다",
    "인기를 끌었다",
]
REPORTERS = ["김민수 기자", "이서연 기자", "박지훈 기자", "최유진 기자", "정하늘 기자"]


def generate_articles(n: int, seed: int = 7) -> tuple[list[SiteArticle], dict[str, int]]:
    """n varied articles; also returns how many are smart-city, other, syndicated copies."""
    rng = random.Random(seed)
    start = datetime.fromisoformat("2023-01-02T08:00:00+09:00")
    articles: list[SiteArticle] = []
    smart: list[SiteArticle] = []
    mix = {"smart_city": 0, "other": 0, "syndicated": 0}
    for i in range(n):
        published = start + timedelta(minutes=rng.randrange(0, 60 * 24 * 600))
        roll = rng.random()
        if roll < 0.03 and smart:
            original = rng.choice(smart)
            article = SiteArticle(
                slug=f"{i:05d}-copy-{original.slug}",
                title=f"[지역] {original.title}",
                paragraphs=[
                    "(지역=뉴스통신) 다음은 지역 소식입니다.",
                    *original.paragraphs,
                    "지역뉴스통신 제공, 무단 전재 금지.",
                ],
                published=original.published + timedelta(hours=rng.randrange(1, 30)),
                author=rng.choice(REPORTERS),
            )
            mix["syndicated"] += 1
        elif roll < 0.18:
            article = _other_article(rng, i, rng.choice(list(OTHER_NOUNS)), published)
            mix["other"] += 1
        else:
            article = _smart_article(rng, i, published)
            smart.append(article)
            mix["smart_city"] += 1
        articles.append(article)
    return articles, mix


def _sentence(rng: random.Random, nouns: list[str], predicates: list[str], head: str) -> str:
    chunks = [head] if head else []
    chunks += [rng.choice(nouns) + rng.choice(PARTICLES) for _ in range(rng.randrange(3, 8))]
    return " ".join(chunks) + " " + rng.choice(predicates) + "."


def _smart_article(rng: random.Random, i: int, published: datetime) -> SiteArticle:
    city, city_slug = rng.choice(CITIES)
    values = {
        "city": city,
        "partner": rng.choice(PARTNERS),
        "topic": rng.choice(TOPICS),
        "action": rng.choice(ACTIONS),
        "person": f"{city} {rng.choice(PEOPLE)}",
    }
    lead = (
        f"{city}는 {rng.choice(SMART_PHRASES).format(**values)}고 {rng.randrange(1, 29)}일 밝혔다."
    )
    paragraphs = [lead]
    for _ in range(rng.randrange(3, 12)):
        sentences = []
        for _ in range(rng.randrange(2, 5)):
            roll = rng.random()
            if roll < 0.1:
                sentences.append(rng.choice(QUOTES).format(**values))
            else:
                head = rng.choice([city + "는", values["partner"] + "는", ""])
                sentences.append(_sentence(rng, NOUNS, PREDICATES, head))
        paragraphs.append(" ".join(sentences))
    title = f"{city}, {values['partner']}와 {values['topic']} {values['action']}"
    return SiteArticle(
        slug=f"{i:05d}-{city_slug}",
        title=title,
        paragraphs=paragraphs,
        published=published,
        author=rng.choice(REPORTERS),
        section=rng.choice(["지역", "경제", "정치"]),
    )


def _other_article(rng: random.Random, i: int, section: str, published: datetime) -> SiteArticle:
    nouns = OTHER_NOUNS[section].split()
    paragraphs = [
        " ".join(_sentence(rng, nouns, OTHER_PREDICATES, "") for _ in range(rng.randrange(2, 4)))
        for _ in range(rng.randrange(3, 9))
    ]
    title = " ".join(rng.sample(nouns, 4))
    return SiteArticle(
        slug=f"{i:05d}-other",
        title=title,
        paragraphs=paragraphs,
        published=published,
        author=rng.choice(REPORTERS),
        section=section,
    )


# --- running one side ------------------------------------------------------------------


@dataclass
class Run:
    seconds: float
    cpu_seconds: float  # the whole process tree
    peak_rss_kib: int  # the main process's own
    article_fetches: int
    stdout: str
    tree: TreeUsage

    @property
    def tree_rss_kib(self) -> int:
        return max(self.peak_rss_kib, self.tree.peak_rss_bytes // 1024)

    @property
    def tree_pss_kib(self) -> int:
        return self.tree.peak_pss_bytes // 1024


@dataclass
class Side:
    rates: list[float] = field(default_factory=list)
    cpu_per_page: list[float] = field(default_factory=list)
    peaks: list[int] = field(default_factory=list)
    tree_peaks: list[int] = field(default_factory=list)
    tree_pss_peaks: list[int] = field(default_factory=list)
    last: Run | None = None

    def record(self, run: Run) -> None:
        self.rates.append(run.article_fetches / run.seconds)
        self.cpu_per_page.append(run.cpu_seconds / run.article_fetches)
        self.peaks.append(run.peak_rss_kib)
        self.tree_peaks.append(run.tree_rss_kib)
        self.tree_pss_peaks.append(run.tree_pss_kib)
        self.last = run

    def line(self) -> str:
        assert self.last is not None
        return (
            f"{self.rates[-1]:6.1f} pages/s  {self.last.seconds:6.1f} s  "
            f"CPU {self.cpu_per_page[-1] * 1000:5.1f} ms/page  peak RSS: main "
            f"{mib(self.peaks[-1])}, all {self.last.tree.processes_seen} processes "
            f"{mib(self.tree_peaks[-1])} (PSS {mib(self.tree_pss_peaks[-1])})"
        )

    def spread(self) -> str:
        return ", ".join(f"{rate:.1f}" for rate in self.rates)


def run_timed(
    command: list[str], site: FixtureSite, env: dict[str, str], cwd: Path, timeout: float
) -> Run:
    """Run to completion; wall seconds, own peak RSS and /news/ fetches during the run."""
    before = len(site.fetched_paths())
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        start = time.perf_counter()
        proc = subprocess.Popen(command, stdout=out, stderr=err, env=env, cwd=cwd)
        sampler = TreeSampler(proc.pid).start()
        timer = threading.Timer(timeout, proc.kill)
        timer.start()
        try:
            # wait4 instead of proc.wait(): it returns this child's own rusage.
            _, status, usage = os.wait4(proc.pid, 0)
        finally:
            timer.cancel()
            tree = sampler.stop()
        seconds = time.perf_counter() - start
        proc.returncode = os.waitstatus_to_exitcode(status)
        out.seek(0)
        err.seek(0)
        stdout, stderr = out.read().decode(errors="replace"), err.read().decode(errors="replace")
    if proc.returncode != 0:
        raise SystemExit(
            f"{' '.join(command[-2:])} exited {proc.returncode}\n{stdout[-3000:]}{stderr[-3000:]}"
        )
    fetches = sum(1 for p in site.fetched_paths()[before:] if p.startswith("/news/"))
    cpu = usage.ru_utime + usage.ru_stime + tree.descendants_cpu_seconds
    return Run(seconds, cpu, int(usage.ru_maxrss), fetches, stdout, tree)


def serve(articles: list[SiteArticle]) -> FixtureSite:
    """The fixture site, with TCP_NODELAY and a real listen backlog.

    FixtureSite's handler writes the headers and the body in two send()s; with
    Nagle's algorithm on, the body waits for the ACK of the headers, which the
    client delays (40 ms on Linux): every keep-alive response would take ~44 ms
    instead of ~0.5 ms and both sides would measure that wait, not their work.
    """
    site = FixtureSite(articles, name="벤치일보")
    # The handler class is made per FixtureSite, so this changes only this site.
    handler: Any = site.httpd.RequestHandlerClass
    handler.disable_nagle_algorithm = True  # StreamRequestHandler sets TCP_NODELAY
    # socketserver listens with a backlog of 5; when a crawler opens connections
    # in a burst the kernel drops SYNs past it, and each retry costs 1 s. Linux
    # takes a second listen() as the new backlog.
    site.httpd.socket.listen(LISTEN_BACKLOG)
    return site


def reset_engine(store: SearchStore) -> None:
    store.request("DELETE", "/newswatch-*", params={"expand_wildcards": "all"}, ignore=(404,))
    store.request("DELETE", "/_index_template/newswatch-*", ignore=(404,))


def indexed_count(store: SearchStore) -> int:
    store.request("POST", f"/{ARTICLES_ALIAS}/_refresh")
    return int(store.request("GET", f"/{ARTICLES_ALIAS}/_count")["count"])


def write_config(
    root: Path, site: FixtureSite, n: int, concurrency: int | None, workers: int | None
) -> Path:
    crawl: dict[str, Any] = {"allow_hosts": ["127.0.0.1"], "state_dir": str(root / "state")}
    if concurrency is not None:
        crawl["concurrency_per_domain"] = concurrency
    if workers is not None:
        crawl["extract_workers"] = workers
    source = {
        "name": "benchilbo",
        "type": "sitemap",
        "urls": [f"{site.url}/sitemap_index.xml"],
        # A sitemap source requests at most max_urls (default 1,000) pages per run.
        "max_urls": n,
    }
    config = {"crawl": crawl, "sources": [source]}
    path = root / "newswatch.yaml"
    path.write_text(yaml.safe_dump(config, allow_unicode=True), encoding="utf-8")
    return path


def baseline_settings(config_path: Path) -> dict[str, Any]:
    """The Scrapy settings `newswatch crawl` runs with, minus newswatch's own components."""
    raw = yaml.safe_load(config_path.read_text(encoding="utf-8"))
    settings = scrapy_settings(parse_config(raw, config_path))
    return {
        key: value
        for key, value in settings.items()
        if key not in OWN_COMPONENT_SETTINGS
        and not key.startswith("NEWSWATCH_")
        and not (isinstance(value, str) and value.startswith("crawler."))
    }


def summary_line(stdout: str) -> str:
    match = re.search(r"fetched \d+.*", stdout)
    return match.group(0).strip() if match else "(no summary)"


def mib(kib: float) -> str:
    return f"{kib / 1024:,.0f} MiB"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--url", default="http://127.0.0.1:9250", help="engine (wiped!)")
    parser.add_argument("--articles", type=int, default=2000)
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument(
        "--concurrency",
        type=int,
        default=None,
        help="crawl.concurrency_per_domain for both sides (default: the config default)",
    )
    parser.add_argument(
        "--workers",
        type=int,
        default=None,
        help="crawl.extract_workers for newswatch (default: the config default, one per core)",
    )
    args = parser.parse_args()
    n = args.articles
    timeout = TIMEOUT_SECONDS_PER_1000 * max(1, n / 1000)
    store = SearchStore.connect(SearchConfig(url=args.url))
    articles, mix = generate_articles(n)
    ours, base = Side(), Side()
    recrawl_shares: list[float] = []
    with (
        tempfile.TemporaryDirectory(prefix="newswatch-bench-crawl-") as tmp,
        serve(articles) as site,
    ):
        root = Path(tmp)
        config = write_config(root, site, n, args.concurrency, args.workers)
        settings = baseline_settings(config)
        env = dict(os.environ, NEWSWATCH_SEARCH_URL=args.url, PYTHONPATH=str(REPO))
        crawl_cmd = [*NEWSWATCH, "--config", str(config), "crawl"]
        base_cmd = [*BASELINE, f"{site.url}/sitemap_index.xml", "--settings", json.dumps(settings)]
        print(
            f"engine: {store.info.flavor} {store.info.version} at {args.url}; site {site.url}: "
            f"{n:,} articles ({mix['smart_city']} smart-city, {mix['other']} other, "
            f"{mix['syndicated']} syndicated copies)"
        )
        print(
            "shared Scrapy settings: "
            + ", ".join(
                f"{k}={settings[k]}"
                for k in sorted(settings)
                if k.startswith(("CONCURRENT", "AUTOTHROTTLE", "DOWNLOAD_DELAY", "ROBOTSTXT"))
            )
        )

        def run_ours(round_no: int) -> None:
            reset_engine(store)
            shutil.rmtree(root / "state", ignore_errors=True)  # a fresh state directory
            subprocess.run(
                [*NEWSWATCH, "--config", str(config), "setup"],
                env=env,
                cwd=root,
                check=True,
                capture_output=True,
            )
            first = run_timed(crawl_cmd, site, env, root, timeout)
            if first.article_fetches < n:
                raise SystemExit(f"newswatch fetched {first.article_fetches} of {n} articles")
            ours.record(first)
            docs = indexed_count(store)
            again = run_timed(crawl_cmd, site, env, root, timeout)
            recrawl_shares.append(again.article_fetches / n)
            print(f"  newswatch crawl {ours.line()}")
            print(f"    [{summary_line(first.stdout)}; {docs} documents in the engine]")
            print(
                f"  re-crawl          {again.article_fetches} of {n} articles fetched "
                f"({recrawl_shares[-1]:.1%})  {again.seconds:6.1f} s  "
                f"peak {mib(again.peak_rss_kib)}"
            )

        def run_base(round_no: int) -> None:
            run = run_timed(base_cmd, site, env, root, timeout)
            totals = json.loads(run.stdout.strip().splitlines()[-1])
            if run.article_fetches < n or totals["pages"] < n:
                raise SystemExit(f"baseline fetched {run.article_fetches} of {n} articles")
            base.record(run)
            print(f"  baseline        {base.line()}")
            print(f"    [{totals['with_text']} pages with text, {totals['chars']:,} characters]")

        for round_no in range(1, args.rounds + 1):
            print(f"round {round_no}:", flush=True)
            # Alternate who goes first (see the module docstring).
            order = [run_ours, run_base] if round_no % 2 else [run_base, run_ours]
            for side in order:
                side(round_no)
                sys.stdout.flush()
    reset_engine(store)
    store.close()

    ours_rate, base_rate = statistics.median(ours.rates), statistics.median(base.rates)
    # Each round's own ratio: on a shared machine the load changes between rounds
    # more than between the two runs of one round, so paired ratios are steadier.
    paired = [o / b for o, b in zip(ours.rates, base.rates, strict=True)]
    ratio = statistics.median(paired)
    share = max(recrawl_shares)
    print(
        f"median: newswatch crawl {ours_rate:.1f} pages/s, baseline {base_rate:.1f} pages/s "
        f"(Scrapy + trafilatura.extract, no indexing)"
    )
    print(f"pages/s by round: newswatch crawl {ours.spread()}; baseline {base.spread()}")
    print(
        f"ratio by round: {', '.join(f'{r:.2f}' for r in paired)}; "
        f"ratio of the medians {ours_rate / base_rate:.2f}"
    )
    print(
        f"CPU per page (median, all processes of a side): newswatch crawl "
        f"{statistics.median(ours.cpu_per_page) * 1000:.1f} ms, baseline "
        f"{statistics.median(base.cpu_per_page) * 1000:.1f} ms"
    )
    print(
        f"peak memory (max over rounds), all processes of a side: newswatch crawl RSS "
        f"{mib(max(ours.tree_peaks))} / PSS {mib(max(ours.tree_pss_peaks))} (main process "
        f"{mib(max(ours.peaks))}), baseline RSS {mib(max(base.tree_peaks))} / PSS "
        f"{mib(max(base.tree_pss_peaks))}"
    )
    print(
        f"ratio (newswatch / baseline, median of the rounds' ratios): {ratio:.2f}  "
        f"target >= {RATIO_TARGET:.2f} (aim {RATIO_AIM:.1f})  "
        f"{'MET' if ratio >= RATIO_TARGET else 'NOT MET'}"
    )
    print(
        f"re-crawl of the unchanged site fetched {share:.1%} of article pages (worst round)  "
        f"target <= {RECRAWL_TARGET:.0%}  {'MET' if share <= RECRAWL_TARGET else 'NOT MET'}"
    )


if __name__ == "__main__":
    main()
