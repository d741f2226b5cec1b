"""Credentials never printed or stored: `http://user:pw@host` becomes `http://***@host`.

`NEWSWATCH_SEARCH_URL` may carry user and password in the URL itself; the
engine adapter's errors, the hints, doctor, the crawl summary and the run
records all name the engine's URL. Everything that names it goes through
`redact_credentials`, which masks the userinfo of every URL in a text (the
whole userinfo: a lone `token@host` is a secret too).
"""

from __future__ import annotations

import re

__all__ = ["redact_credentials"]

# scheme://userinfo@ — userinfo up to the first '@' before any '/', '?', '#' or space.
_USERINFO = re.compile(r"(?i)\b([a-z][a-z0-9+.-]*://)[^/?#\s@]+@")


def redact_credentials(text: str) -> str:
    """`text` with the user and password of each URL in it replaced by `***`."""
    return _USERINFO.sub(r"\1***@", text)
