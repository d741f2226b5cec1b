"""Escaping crawled text for each channel's markup.

Titles, outlets and snippets come from pages anyone can publish, so they are
data, never markup: no links, mentions, bold or HTML may come from them.

- HTML (e-mail, Telegram's HTML mode): `html.escape`, quotes included.
- Slack mrkdwn and Teams (Adaptive Card) markdown have no reliable escape for
  formatting characters, so those become look-alike characters (the reader
  sees the same text; the renderer sees nothing to format). Slack's three
  control characters & < > become entities, as Slack documents, which also
  disarms <!channel> mentions and <url|label> links.
- Discord markdown: backslash escapes, which Discord documents, plus a
  zero-width space after "@" (the message also sets allowed_mentions to none).
"""

from __future__ import annotations

import html
import re
from urllib.parse import quote, urlsplit

_LOOKALIKES = str.maketrans(
    {
        "*": "\u2217",  # ∗ asterisk operator
        "_": "\uff3f",  # ＿ full-width low line
        "~": "\u223c",  # ∼ tilde operator
        "`": "\u02cb",  # ˋ modifier grave accent
        "[": "\uff3b",  # ［ full-width brackets
        "]": "\uff3d",
        "#": "\uff03",  # ＃ full-width number sign
        "|": "\u2223",  # ∣ divides
    }
)
_DISCORD_SPECIAL = re.compile(r"([\\*_~`|>#\-\[\]()<:])")
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


def strip_controls(text: str) -> str:
    return _CONTROL.sub("", text)


def escape_html(text: str) -> str:
    return html.escape(strip_controls(text), quote=True)


def escape_slack(text: str) -> str:
    text = strip_controls(text).replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    return text.translate(_LOOKALIKES)


def escape_teams(text: str) -> str:
    # Adaptive Card markdown also reads "1. " and "- " at a line start as lists;
    # messages are single lines of crawled text, so the look-alikes above suffice.
    return strip_controls(text).translate(_LOOKALIKES).replace("<", "\uff1c").replace(">", "\uff1e")


def escape_discord(text: str) -> str:
    text = _DISCORD_SPECIAL.sub(r"\\\1", strip_controls(text))
    return text.replace("@", "@\u200b")


def safe_url(url: str) -> str | None:
    """An http(s) URL with markup-breaking characters percent-encoded, or None.

    None for any other scheme: a `javascript:` link from a crawled page must not
    become a clickable link in a message.
    """
    url = strip_controls(url.strip())
    try:
        scheme = urlsplit(url).scheme.lower()
    except ValueError:
        return None
    if scheme not in ("http", "https"):
        return None
    # Keep URL syntax characters; encode what closes a markup link: space < > | " ' ( ) ` and [ ].
    return quote(url, safe="/:?#&=+%;,@!$*~.-_")
