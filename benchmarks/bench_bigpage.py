"""make bench-bigpage: the crawl's peak memory on two oversized pages (issue 15).

- /big.html: 8.5 MB of article text in <p> paragraphs (under the default
  crawl.max_page_bytes of 10 MB). It used to take the crawl process to
  895 MB, most of it MinHash signing the whole text (dedup.SIGNATURE_CHARS
  now caps what is signed).
- /bighead.html: an 8.8 MB <head> of inline scripts, then a normal article.
  The 2 MB cut before parsing used to leave nothing of the body
  (extraction.bulk now drops the biggest scripts first).

One `newswatch crawl` (a fresh subprocess, a sitemap source listing both
pages, into the engine at --url) over a loopback server in this process; its
own peak RSS comes from os.wait4. Target: under 400 MB, both pages extracted.
"""

from __future__ import annotations

import argparse
import os
import random
import subprocess
import sys
import tempfile
import threading
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tests.fixture_site import Route  # noqa: E402
from tests.hostile_site import HostileSite, big_head_page, big_text_page, urlset  # noqa: E402

TARGET_BYTES = 400 * 1024 * 1024


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--url", required=True, help="engine URL (a test engine)")
    args = parser.parse_args()
    rng = random.Random(15)
    pages = {"/big.html": big_text_page(rng), "/bighead.html": big_head_page(rng)}

    def route(path: str, site_url: str) -> Route | None:
        if path == "/sitemap.xml":
            return urlset([site_url + p for p in pages])
        if path in pages:
            return Route(200, pages[path], {"content-type": "text/html; charset=utf-8"})
        return None

    with tempfile.TemporaryDirectory() as root, HostileSite(route) as site:
        config = Path(root) / "newswatch.yaml"
        source = {"name": "bigpage", "type": "sitemap", "urls": [f"{site.url}/sitemap.xml"]}
        crawl = {"allow_hosts": ["127.0.0.1"], "state_dir": f"{root}/state"}
        config.write_text(yaml.safe_dump({"crawl": crawl, "sources": [source]}), "utf-8")
        env = {**os.environ, "NEWSWATCH_SEARCH_URL": args.url, "PYTHONPATH": str(ROOT)}
        command = [sys.executable, "-m", "scheduler.cli", "--config", str(config)]
        subprocess.run([*command, "setup"], env=env, check=True, capture_output=True)
        peak, stdout = run_measured([*command, "crawl"], env)
    for path, body in pages.items():
        print(f"{path}: {len(body) / 1e6:.1f} MB")
    print(stdout.strip())
    verdict = "ok" if peak < TARGET_BYTES else "OVER TARGET"
    print(f"peak RSS of the crawl: {peak / 2**20:.0f} MiB (target < 400 MiB: {verdict})")


def run_measured(command: list[str], env: dict[str, str]) -> tuple[int, str]:
    """The command's own peak RSS (bytes, os.wait4) and its stdout; 300 s at most."""
    with tempfile.TemporaryFile() as out:
        proc = subprocess.Popen(command, stdout=out, stderr=subprocess.DEVNULL, env=env)
        timer = threading.Timer(300, proc.kill)
        timer.start()
        try:
            _, _, usage = os.wait4(proc.pid, 0)
        finally:
            timer.cancel()
        out.seek(0)
        return usage.ru_maxrss * 1024, out.read().decode(errors="replace")


if __name__ == "__main__":
    main()
