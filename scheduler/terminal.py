"""Crawled text on a terminal: escape sequences and control characters removed.

A page's title can carry ESC sequences (`\\x1b]0;…` retitles the terminal,
`\\x1b[2J` clears it, OSC 8 hides a link) or bidi overrides that reorder what
the reader sees. Rich strips only a few control codes (BEL, BS, VT, FF, CR), so
every crawled string printed by a command goes through `printable` first.
"""

from __future__ import annotations

import re

__all__ = ["printable"]

# ESC sequences whole (CSI, OSC up to BEL or ST, two-character ones), and 8-bit CSI.
_ESCAPE_SEQUENCES = re.compile(
    r"\x1b(?:\[[0-?]*[ -/]*[@-~]|\][^\x07\x1b]*(?:\x07|\x1b\\)?|[@-Z\\-_])|\x9b[0-?]*[ -/]*[@-~]"
)
# What is left of C0 (but tab and newline), DEL, C1, and the bidi embedding,
# override and isolate controls.
_CONTROLS = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")


def printable(text: str) -> str:
    """`text` without escape sequences and control characters (tab and newline kept)."""
    return _CONTROLS.sub("", _ESCAPE_SEQUENCES.sub("", text))
