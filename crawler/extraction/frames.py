"""Naver Blog serves an outer frame; the post itself is at PostView.naver."""

from __future__ import annotations

import re
from urllib.parse import parse_qs, urljoin, urlsplit

__all__ = ["is_naver_blog_frame", "naver_blog_frame_url"]

POSTVIEW = "https://blog.naver.com/PostView.naver?blogId={blog_id}&logNo={log_no}"
_BLOG_HOSTS = ("blog.naver.com", "m.blog.naver.com")
# blog.naver.com/{blogId}/{logNo}: blog ids are 4-20 word characters, logNo is numeric.
_PATH_POST = re.compile(r"^/([A-Za-z0-9_-]{2,40})/(\d{5,20})/?$")
_MAIN_FRAME = re.compile(
    r"""<iframe[^>]*\bid\s*=\s*["']mainFrame["'][^>]*>|<iframe[^>]*\bname\s*=\s*["']mainFrame["'][^>]*>""",
    re.I,
)
_SRC = re.compile(r"""\bsrc\s*=\s*["']([^"']+)["']""", re.I)


def is_postview(url: str) -> bool:
    path = urlsplit(url).path.lower()
    return path.startswith(("/postview.naver", "/postview.nhn"))


def postview_from_url(url: str) -> str | None:
    parts = urlsplit(url)
    if (parts.hostname or "").lower() not in _BLOG_HOSTS or is_postview(url):
        return None
    if match := _PATH_POST.match(parts.path):
        return POSTVIEW.format(blog_id=match.group(1), log_no=match.group(2))
    query = parse_qs(parts.query)
    blog_id = query.get("blogId", [None])[0] or parts.path.strip("/") or None
    log_no = query.get("logNo", [None])[0]
    if blog_id and log_no and "/" not in blog_id:
        return POSTVIEW.format(blog_id=blog_id, log_no=log_no)
    return None


def naver_blog_frame_url(body: bytes | str, url: str) -> str | None:
    """PostView URL to fetch for a Naver Blog outer page, or None if `url` is not one.

    The iframe#mainFrame src wins (it carries the exact post); the URL shape
    blog.naver.com/{id}/{logNo} is the fallback when the frame is missing.
    """
    if (urlsplit(url).hostname or "").lower() not in _BLOG_HOSTS or is_postview(url):
        return None
    markup = body.decode("utf-8", "replace") if isinstance(body, bytes) else body
    if (frame := _MAIN_FRAME.search(markup)) and (src := _SRC.search(frame.group(0))):
        target = urljoin("https://blog.naver.com/", src.group(1).replace("&amp;", "&"))
        if is_postview(target):
            parts = urlsplit(target)
            query = parse_qs(parts.query)
            if "blogId" in query and "logNo" in query:
                return POSTVIEW.format(blog_id=query["blogId"][0], log_no=query["logNo"][0])
            return str(target)
    return postview_from_url(url)


def is_naver_blog_frame(body: str, url: str) -> bool:
    """True for the outer frame page (it holds no post text)."""
    return naver_blog_frame_url(body, url) is not None and bool(_MAIN_FRAME.search(body))
