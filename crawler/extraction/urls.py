"""Canonical URLs: one spelling per article, so dedup and the URL id agree.

The same Korean article reaches us as a feed link, a search-portal link, a
mobile link and a page's own rel=canonical. `canonicalize_url` folds these
into one string: a sane declared canonical is preferred, then the URL is
normalized (w3lib), tracking parameters are dropped, and mobile hosts are
mapped to their desktop twins. Pure functions; no network.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from functools import lru_cache
from urllib.parse import parse_qsl, urlencode, urljoin, urlsplit, urlunsplit

from tld import get_fld
from w3lib.url import canonicalize_url as w3lib_canonicalize

__all__ = [
    "MOBILE_TO_DESKTOP",
    "TRACKING_PARAMS",
    "TRACKING_PREFIXES",
    "canonicalize_url",
    "is_same_site",
    "matches_patterns",
    "normalize_url",
    "site_key",
]

# Query parameters that identify a campaign, a referrer or a share click, never
# the document. Sources: the utm/fbclid/gclid family every analytics vendor
# uses, Mailchimp (mc_*), Naver search ads (NaPm, n_*), Daum's click logging
# (t__nil_*), and the `ref`/`from` markers Korean outlets append to links
# shared from their own apps. Compared case-insensitively. Generic names that
# boards use as article ids (`id`, `uid`, `no`, `idx`, `cid`) are NOT here:
# dropping one would merge different articles.
TRACKING_PARAMS = frozenset(
    {
        "fbclid", "gclid", "dclid", "gbraid", "wbraid", "msclkid", "yclid", "twclid",
        "igshid", "igsh", "mc_cid", "mc_eid", "_ga", "_gl", "ref", "ref_src", "ref_url",
        "referrer", "from", "share", "spm", "ocid", "cmpid", "napm",
        "n_media", "n_query", "n_rank", "n_ad", "n_ad_group", "n_ad_group_type",
        "n_campaign_type", "n_contract", "n_keyword", "n_keyword_id",
    }
)  # fmt: skip
TRACKING_PREFIXES = ("utm_", "mc_", "pk_", "mtm_", "hsa_", "itm_", "t__nil_")

# Hosts where only these parameters identify the document; everything else
# (sid, mode, mid, office_id, trackingCode, ...) is navigation state.
_KEEP_ONLY_PARAMS: dict[str, frozenset[str]] = {
    "news.naver.com": frozenset({"oid", "aid"}),
    "n.news.naver.com": frozenset({"oid", "aid"}),
    "blog.naver.com": frozenset({"blogid", "logno"}),
}

# Mobile host → desktop host, for sites whose mobile pages use the same path
# and query as the desktop ones (so only the host changes). n.news.naver.com
# is Naver's current article host for both and stays as it is. Add an outlet
# here only after checking that its mobile paths match its desktop paths.
MOBILE_TO_DESKTOP: dict[str, str] = {
    "m.blog.naver.com": "blog.naver.com",
    "m.news.naver.com": "news.naver.com",
    "m.yna.co.kr": "www.yna.co.kr",
    "m.hani.co.kr": "www.hani.co.kr",
    "m.khan.co.kr": "www.khan.co.kr",
    "m.etnews.com": "www.etnews.com",
    "m.dt.co.kr": "www.dt.co.kr",
    "m.newsis.com": "www.newsis.com",
    "m.naeil.com": "www.naeil.com",
}

# Paths that are a site's front page rather than a document.
_HOME_PATH = re.compile(r"^/?(?:(?:index|main|default|home)\.[a-z]{2,5})?/?$", re.IGNORECASE)
# Characters that betray an unrendered template or a broken attribute value.
_TEMPLATE_DEBRIS = re.compile(r"[{}<>\s]|%%|\$\{")
# w3lib strips these only when the scheme is already lower-case.
_DEFAULT_PORTS = {"http": 80, "https": 443}
_TISTORY_MOBILE = re.compile(r"^/m(?=/|$)")
_NAVER_BLOG_POSTVIEW = re.compile(r"^/PostView\.(?:naver|nhn)$", re.IGNORECASE)


def canonicalize_url(url: str, declared: str | None = None) -> str:
    """The canonical spelling of `url`, preferring a sane `declared` canonical.

    `declared` is the page's rel=canonical or og:url (relative values are
    resolved against `url`). It is ignored when it is not an http(s) URL, looks
    like template debris, or points to a site's home page while `url` is an
    article (a common CMS misconfiguration that would merge every article).
    """
    chosen = _sane_declared(url, declared) or url.strip()
    return normalize_url(chosen)


def normalize_url(url: str) -> str:
    """Normalize without a declared canonical: case, ports, fragment, trackers, mobile hosts."""
    parts = urlsplit(w3lib_canonicalize(url.strip(), keep_fragments=False))
    host = (parts.hostname or "").rstrip(".")
    host = MOBILE_TO_DESKTOP.get(host, host)
    path = parts.path
    if host.endswith(".tistory.com"):
        path = _TISTORY_MOBILE.sub("", path) or "/"
    query = _clean_query(host, parts.query)
    if host == "blog.naver.com" and _NAVER_BLOG_POSTVIEW.match(path):
        path, query = _naver_blog_path(path, query)
    scheme = parts.scheme.lower()
    port = None if _DEFAULT_PORTS.get(scheme) == parts.port else parts.port
    bracketed = f"[{host}]" if ":" in host else host  # IPv6 literal
    netloc = bracketed if port is None else f"{bracketed}:{port}"
    return urlunsplit((scheme, netloc, path, query, ""))


def _clean_query(host: str, query: str) -> str:
    pairs = parse_qsl(query, keep_blank_values=True)
    keep_only = _KEEP_ONLY_PARAMS.get(host)
    if keep_only is not None:
        kept = [(k, v) for k, v in pairs if k.lower() in keep_only]
    else:
        kept = [(k, v) for k, v in pairs if not _is_tracking(k)]
    # w3lib already sorted; sorting again keeps the contract local and explicit.
    return urlencode(sorted(kept))


def _is_tracking(name: str) -> bool:
    lowered = name.lower()
    return lowered in TRACKING_PARAMS or lowered.startswith(TRACKING_PREFIXES)


def _naver_blog_path(path: str, query: str) -> tuple[str, str]:
    """PostView.naver?blogId=a&logNo=1 → /a/1, the form Naver's search API returns."""
    params = {k.lower(): v for k, v in parse_qsl(query)}
    blog_id, log_no = params.get("blogid"), params.get("logno")
    if blog_id and log_no and log_no.isdigit():
        return f"/{blog_id}/{log_no}", ""
    return path, query


def _sane_declared(url: str, declared: str | None) -> str | None:
    if not declared or _TEMPLATE_DEBRIS.search(declared.strip()):
        return None
    candidate = urljoin(url, declared.strip())
    parts = urlsplit(candidate)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        return None
    if not _is_article_like(url) or _is_article_like(candidate):
        return candidate
    return None  # an article declaring a home page as its canonical


def _is_article_like(url: str) -> bool:
    parts = urlsplit(url)
    return bool(parts.query) or not _HOME_PATH.match(parts.path)


def site_key(url: str) -> str:
    """What "one site" means for `url`: the registrable domain, except on
    multi-tenant blog hosts, where each blog is its own site."""
    parts = urlsplit(normalize_url(url))
    host = parts.hostname or ""
    if host.endswith(".tistory.com"):
        return host
    if host == "blog.naver.com":
        blog_id = parts.path.strip("/").split("/", 1)[0]
        return f"{host}/{blog_id.lower()}" if blog_id else host
    # tld's bundled suffix list (no network); IPs and single labels fall back to the host.
    return get_fld(f"http://{host}", fail_silently=True) or host


def is_same_site(a: str, b: str) -> bool:
    """True when both URLs belong to one site (see `site_key`)."""
    return site_key(a) == site_key(b)


def matches_patterns(url: str, allow: Iterable[str], deny: Iterable[str]) -> bool:
    """Scrapy LinkExtractor semantics: allowed when some `allow` regex is found
    in the URL (or `allow` is empty) and no `deny` regex is."""
    allow_list, deny_list = list(allow), list(deny)
    if any(_compiled(pattern).search(url) for pattern in deny_list):
        return False
    return not allow_list or any(_compiled(pattern).search(url) for pattern in allow_list)


# Site sources reuse a handful of patterns for thousands of links.
@lru_cache(maxsize=512)
def _compiled(pattern: str) -> re.Pattern[str]:
    return re.compile(pattern)
