"""make bench-index: `newswatch index` against a bare streaming_bulk loop, same run, same engine.

Both sides read the same generated JSONL file and index into fresh indices
built from the same template; runs alternate (ours, bare, ours, bare, ...) so
that noise on a shared machine hits both, and the median of each is compared.
Target: ours / bare >= 0.9 docs/s.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import random
import statistics
import sys
import tempfile
import time
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from crawler.config import SearchConfig  # noqa: E402
from crawler.engine.client import SearchStore  # noqa: E402
from crawler.engine.indices import ARTICLES_ALIAS  # noqa: E402
from crawler.engine.setup import run_setup  # noqa: E402
from crawler.models import Article  # noqa: E402
from scheduler.cli import main as newswatch  # noqa: E402

BARE_INDEX = f"{ARTICLES_ALIAS}-v900"  # matches the articles template, outside the alias
WORDS = [
    "스마트시티",
    "대구시",
    "항저우",
    "알리바바",
    "시티브레인",
    "교통",
    "신호",
    "협력",
    "방문",
    "업무협약",
    "데이터",
    "실증",
    "도시",
    "플랫폼",
    "자율주행",
    "세종",
    "부산",
    "국토교통부",
    "투자",
    "포럼",
    "클라우드",
    "인공지능",
]


def generate(path: Path, n: int) -> None:
    rng = random.Random(42)
    with path.open("w", encoding="utf-8") as handle:
        for i in range(n):
            text = " ".join(rng.choice(WORDS) for _ in range(300))  # ~2 KB, a short article
            article = Article(
                url=f"https://bench.example/{i}",
                title=" ".join(rng.choice(WORDS) for _ in range(8)),
                text=text,
                published=datetime.fromisoformat("2024-03-01T09:00:00+09:00"),
                fetched=datetime.fromisoformat("2024-03-01T10:00:00+09:00"),
                site_name="벤치일보",
                topics=("smart_city",),
                entities=("대구시", "항저우"),
            )
            # Full engine documents, so both sides send exactly the same bodies.
            handle.write(json.dumps(article.to_document(), ensure_ascii=False) + "\n")


def reset(store: SearchStore) -> None:
    store.request("DELETE", "/newswatch-*", params={"expand_wildcards": "all"}, ignore=(404,))
    store.request("DELETE", "/_index_template/newswatch-*", ignore=(404,))
    run_setup(store)
    store.request("PUT", f"/{BARE_INDEX}")


def run_ours(path: Path) -> None:
    code = newswatch(["index", str(path)])
    if code != 0:
        raise SystemExit(f"newswatch index exited {code}")


def run_bare(store: SearchStore, path: Path, chunk_size: int) -> None:
    client: Any = store._client  # the bare library client, on purpose
    helpers: Any
    if store.flavor == "opensearch":
        from opensearchpy import helpers
    else:
        from elasticsearch import helpers

    def actions() -> Iterator[dict[str, Any]]:
        with path.open(encoding="utf-8") as handle:
            for line in handle:
                doc = json.loads(line)
                doc_id = hashlib.sha1(doc["url"].encode()).hexdigest()
                yield {"_index": BARE_INDEX, "_id": doc_id, "_source": doc}

    for ok, item in helpers.streaming_bulk(client, actions(), chunk_size=chunk_size):
        if not ok:
            raise SystemExit(f"bare bulk failed: {item}")


def count(store: SearchStore, index: str) -> int:
    store.request("POST", f"/{index}/_refresh")
    return int(store.request("GET", f"/{index}/_count")["count"])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--url", default="http://127.0.0.1:9250")
    parser.add_argument("--docs", type=int, default=20_000)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    os.environ["NEWSWATCH_SEARCH_URL"] = args.url
    settings = SearchConfig(url=args.url)
    store = SearchStore.connect(settings)
    print(f"engine: {store.info.flavor} {store.info.version} at {args.url}; docs: {args.docs:,}")
    ours: list[float] = []
    bare: list[float] = []
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "bench.jsonl"
        generate(path, args.docs)
        print(f"input: {path.stat().st_size / 1e6:.1f} MB JSONL")
        for round_no in range(1, args.rounds + 1):
            reset(store)
            # Alternate who goes first: a fresh index and the engine's background
            # merges from the previous round should not always favor one side.
            sides = [("ours", ours), ("bare", bare)]
            for side, rates in sides if round_no % 2 else reversed(sides):
                start = time.perf_counter()
                if side == "ours":
                    run_ours(path)
                else:
                    run_bare(store, path, settings.bulk_chunk_size)
                rates.append(args.docs / (time.perf_counter() - start))
            assert count(store, ARTICLES_ALIAS) == args.docs
            assert count(store, BARE_INDEX) == args.docs
            print(
                f"round {round_no}: newswatch index {ours[-1]:,.0f} docs/s, "
                f"bare streaming_bulk {bare[-1]:,.0f} docs/s"
            )
    reset(store)
    store.close()
    ours_median, bare_median = statistics.median(ours), statistics.median(bare)
    ratio = ours_median / bare_median
    print(f"median: newswatch index {ours_median:,.0f} docs/s, bare {bare_median:,.0f} docs/s")
    print(
        f"ratio (newswatch / bare): {ratio:.2f}  target >= 0.90  "
        f"{'MET' if ratio >= 0.9 else 'NOT MET'}"
    )


if __name__ == "__main__":
    main()
