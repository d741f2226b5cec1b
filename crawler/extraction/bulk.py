"""Room for the article in an oversized page: its biggest scripts and styles go first.

Pages are cut at `article.MAX_BODY_BYTES` before parsing. A page whose
`<head>` carries megabytes of inline scripts, styles or JSON-LD (8.8 MB seen)
lost its whole body to that cut. `drop_bulk` removes whole `<script>` and
`<style>` blocks, the biggest first, until the page fits (or none is left),
so the cut that follows takes text only from a page that is still too big.
Small blocks (JSON-LD metadata: 1-20 kB) are the last to go, and are kept
whenever the big ones make enough room.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

_OPENING = re.compile(rb"<(script|style)\b", re.IGNORECASE)


def drop_bulk(body: bytes, limit: int) -> bytes:
    """`body` without its largest <script>/<style> blocks, biggest first, until
    it is at most `limit` bytes long or no block is left."""
    excess = len(body) - limit
    chosen: list[tuple[int, int]] = []
    for start, end in sorted(script_blocks(body), key=lambda b: b[0] - b[1]):
        if excess <= 0:
            break
        chosen.append((start, end))
        excess -= end - start
    parts, position = [], 0
    for start, end in sorted(chosen):
        parts.append(body[position:start])
        position = end
    parts.append(body[position:])
    return b"".join(parts)


def script_blocks(body: bytes) -> Iterator[tuple[int, int]]:
    """(start, end) of each complete <script>…</script> and <style>…</style>, in
    one pass (a block without its closing tag ends the search)."""
    lower = body.lower()
    position = 0
    while found := _OPENING.search(body, position):
        close = lower.find(b"</" + found[1].lower(), found.end())
        end = lower.find(b">", close) if close >= 0 else -1
        if end < 0:
            return
        yield found.start(), end + 1
        position = end + 1
