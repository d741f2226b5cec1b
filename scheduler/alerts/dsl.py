"""A watch's stored percolator query and its date window, from the one query language.

The query itself is compiled by crawler.query (the same body `newswatch search`
runs). What is watch-specific: the relevance floor joins the stored query, and
since:/until: stay out of it — they are checked at each sweep against the
article's timeline time (`watch_window`), because a stored percolator query
cannot hold "7 days before now".
"""

from __future__ import annotations

from typing import Any

from crawler.config import WatchConfig
from crawler.query.compile import DateWindow, compile_query, compile_tree

Query = dict[str, Any]


def compile_watch_query(query: str) -> Query:
    return compile_query(query).query


def watch_window(watch: WatchConfig) -> DateWindow:
    return compile_tree(watch.parsed_query).window


def watch_percolator_query(watch: WatchConfig) -> Query:
    """The stored percolator query: the watch's query plus its relevance floor."""
    compiled = compile_tree(watch.parsed_query).query  # parsed once, when the config loaded
    if watch.min_relevance is None:
        return compiled
    floor = {"range": {"relevance": {"gte": watch.min_relevance}}}
    return {"bool": {"must": [compiled], "filter": [floor]}}
