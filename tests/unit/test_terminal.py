from __future__ import annotations

from scheduler.terminal import printable


def test_escape_sequences_and_controls_go_text_stays() -> None:
    assert printable("a\x1b]0;title\x07b\x1b[2J\x1b[1;31mc\x1b[0m") == "abc"
    assert printable("\x1b]8;;https://evil.example\x1b\\링크\x1b]8;;\x1b\\") == "링크"
    assert printable("x\x9b2Jy\x00z\x7f\u202eevil") == "xyzevil"
    assert printable("대구시\t항저우\n방문 «인용» – 끝") == "대구시\t항저우\n방문 «인용» – 끝"
