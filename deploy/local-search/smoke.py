#!/usr/bin/env python3
"""Smoke test for the local OpenSearch node (stdlib only).

    bash deploy/local-search/engine.sh start
    python3 deploy/local-search/smoke.py        # port: NEWSWATCH_ENGINE_PORT, default 9200

Checks what newswatch relies on: version, modules, Nori analysis (tokenizer,
user dictionary, part-of-speech filter, search-time synonyms), percolator,
index templates, aliases, _reindex and _update_by_query with painless.
Uses indices named smoke-* and deletes them afterwards. Exits 1 on failure.
"""
import json
import os
import sys
import urllib.error
import urllib.request

BASE = "http://127.0.0.1:%s" % os.environ.get("NEWSWATCH_ENGINE_PORT", "9200")
results = {"passed": 0, "failed": 0}


def call(method, path, body=None):
    data = json.dumps(body).encode("utf-8") if body is not None else None
    req = urllib.request.Request(BASE + path, data=data, method=method)
    req.add_header("Content-Type", "application/json")
    try:
        with urllib.request.urlopen(req, timeout=60) as resp:
            return resp.status, json.loads(resp.read().decode("utf-8") or "null")
    except urllib.error.HTTPError as e:
        return e.code, json.loads(e.read().decode("utf-8") or "null")


def check(name, ok, detail=""):
    results["passed" if ok else "failed"] += 1
    print("%s %s%s" % ("PASS" if ok else "FAIL", name, "" if ok else "  -> %s" % detail))


def tokens(resp):
    return [t["token"] for t in resp.get("tokens", [])]


def main():
    for idx in ("smoke-ko", "smoke-alerts", "smoke-v1", "smoke-v2"):
        call("DELETE", "/" + idx)
    call("DELETE", "/_index_template/smoke-tpl")

    status, root = call("GET", "/")
    version = (root or {}).get("version", {})
    check("GET / is OpenSearch 2.19.x",
          status == 200 and version.get("distribution") == "opensearch"
          and version.get("number", "").startswith("2.19."), root)

    _, plugins = call("GET", "/_cat/plugins?format=json")
    names = " ".join(p.get("component", "") for p in plugins or [])
    for needed in ("Netty4Plugin", "CommonAnalysisPlugin", "PainlessPlugin", "PercolatorPlugin",
                   "MapperExtrasPlugin", "ReindexPlugin", "ParentJoinPlugin", "NoriAnalysisPlugin"):
        check("module %s loaded" % needed, needed in names, names)

    _, r = call("POST", "/_analyze", {"tokenizer": "nori_tokenizer", "text": "스마트시티를 알리바바의"})
    check("nori_tokenizer splits Korean", tokens(r) == ["스마트", "시티", "를", "알리바바", "의"], r)

    _, r = call("POST", "/_analyze", {"analyzer": "nori", "text": "한국 뉴스를 모니터링합니다"})
    check("nori analyzer drops particles/endings", tokens(r) == ["한국", "뉴스", "모니터링"], r)

    _, r = call("POST", "/_analyze", {"tokenizer": "nori_tokenizer", "filter": ["nori_number"],
                                       "text": "십만이천오백 원"})
    check("nori_number normalises numerals", "102500" in tokens(r), r)

    _, r = call("POST", "/_analyze", {"tokenizer": "nori_tokenizer", "filter": ["nori_readingform"],
                                       "text": "鄕歌"})
    check("nori_readingform reads hanja", tokens(r) == ["향가"], r)

    status, r = call("PUT", "/smoke-ko", {
        "settings": {"analysis": {
            "tokenizer": {"ko_tok": {"type": "nori_tokenizer", "decompound_mode": "mixed",
                                     "user_dictionary_rules": ["스마트시티", "시티브레인"]}},
            "filter": {
                "ko_pos": {"type": "nori_part_of_speech",
                           "stoptags": ["E", "IC", "J", "MAG", "MAJ", "MM", "SP", "SSC", "SSO",
                                        "SC", "SE", "XPN", "XSA", "XSN", "XSV", "UNA", "NA", "VSV"]},
                "ko_syn": {"type": "synonym_graph",
                           "synonyms": ["알리바바, alibaba", "스마트시티, smartcity"]}},
            "analyzer": {
                "ko_index": {"type": "custom", "tokenizer": "ko_tok",
                             "filter": ["ko_pos", "nori_readingform", "lowercase"]},
                "ko_search": {"type": "custom", "tokenizer": "ko_tok",
                              "filter": ["ko_pos", "nori_readingform", "lowercase", "ko_syn"]}}}},
        "mappings": {"properties": {"title": {"type": "text", "analyzer": "ko_index",
                                              "search_analyzer": "ko_search"}}}})
    check("index with custom nori analyzer + synonym_graph created", status == 200, r)
    _, r = call("POST", "/smoke-ko/_analyze", {"analyzer": "ko_index",
                                               "text": "스마트시티를 알리바바의 시티브레인이"})
    check("user_dictionary_rules keep compounds whole",
          tokens(r) == ["스마트시티", "알리바바", "시티브레인"], r)
    call("PUT", "/smoke-ko/_doc/1?refresh=true", {"title": "알리바바의 시티브레인이 스마트시티를 만든다"})
    for q in ("ALIBABA", "smartcity", "시티브레인"):
        _, r = call("POST", "/smoke-ko/_search", {"query": {"match": {"title": q}}})
        check("search-time synonyms/user dict: match %r" % q,
              r.get("hits", {}).get("total", {}).get("value") == 1, r)

    status, r = call("PUT", "/smoke-alerts", {"mappings": {"properties": {
        "query": {"type": "percolator"}, "title": {"type": "text", "analyzer": "nori"}}}})
    check("percolator index created", status == 200, r)
    call("PUT", "/smoke-alerts/_doc/alibaba?refresh=true",
         {"query": {"match": {"title": "알리바바"}}})
    _, r = call("POST", "/smoke-alerts/_search", {"query": {"percolate": {
        "field": "query", "document": {"title": "알리바바가 스마트시티 사업을 확대한다"}}}})
    hits = [h["_id"] for h in r.get("hits", {}).get("hits", [])]
    check("percolate matches stored query", hits == ["alibaba"], r)
    _, r = call("POST", "/smoke-alerts/_search", {"query": {"percolate": {
        "field": "query", "document": {"title": "삼성전자 실적 발표"}}}})
    check("percolate ignores non-matching doc", r.get("hits", {}).get("total", {}).get("value") == 0, r)

    status, r = call("PUT", "/_index_template/smoke-tpl", {
        "index_patterns": ["smoke-v*"], "priority": 50,
        "template": {"mappings": {"properties": {"title": {"type": "text", "analyzer": "nori"},
                                                 "views": {"type": "integer"}}},
                     "aliases": {"smoke-read": {}}}})
    check("index template created", status == 200, r)
    for i in (1, 2, 3):
        call("PUT", "/smoke-v1/_doc/%d" % i, {"title": "한국 뉴스 기사 %d" % i, "views": i})
    call("POST", "/smoke-v1/_refresh")
    _, r = call("GET", "/smoke-v1/_mapping")
    check("template applied to auto-created index",
          r.get("smoke-v1", {}).get("mappings", {}).get("properties", {})
          .get("title", {}).get("analyzer") == "nori", r)
    _, r = call("GET", "/_alias/smoke-read")
    check("template alias present", "smoke-v1" in (r or {}), r)

    _, r = call("POST", "/_reindex?refresh=true", {
        "source": {"index": "smoke-v1"}, "dest": {"index": "smoke-v2"},
        "script": {"lang": "painless", "source": "ctx._source.views = ctx._source.views * 10"}})
    check("_reindex with painless script", r.get("created") == 3 and not r.get("failures"), r)
    _, r = call("POST", "/smoke-v2/_search", {"query": {"range": {"views": {"gte": 20}}}})
    check("reindexed docs transformed", r.get("hits", {}).get("total", {}).get("value") == 2, r)
    _, r = call("POST", "/smoke-v2/_update_by_query?refresh=true", {
        "script": {"source": "ctx._source.hot = params.flag", "params": {"flag": True}}})
    check("_update_by_query with painless", r.get("updated") == 3 and not r.get("failures"), r)

    status, r = call("POST", "/_aliases", {"actions": [
        {"remove": {"index": "smoke-v1", "alias": "smoke-read"}},
        {"add": {"index": "smoke-v2", "alias": "smoke-current", "is_write_index": True}}]})
    check("alias swap", status == 200 and r.get("acknowledged") is True, r)
    _, r = call("GET", "/_alias/smoke-current")
    check("alias points at new index", list((r or {}).keys()) == ["smoke-v2"], r)

    for idx in ("smoke-ko", "smoke-alerts", "smoke-v1", "smoke-v2"):
        call("DELETE", "/" + idx)
    call("DELETE", "/_index_template/smoke-tpl")

    print("smoke: %d passed, %d failed" % (results["passed"], results["failed"]))
    return 1 if results["failed"] else 0


if __name__ == "__main__":
    try:
        sys.exit(main())
    except (urllib.error.URLError, ConnectionError) as e:
        print("cannot reach %s: %s (is the engine started?)" % (BASE, e))
        sys.exit(1)
