from __future__ import annotations

from collections.abc import Iterator

import pytest

from scheduler.cli.prefetch import CHUNK, prefetch


def test_order_is_kept_and_everything_arrives() -> None:
    assert list(prefetch(range(10_000), depth=7)) == list(range(10_000))


def test_producer_errors_surface_at_their_position() -> None:
    def items() -> Iterator[int]:
        yield 1
        yield 2
        raise ValueError("line 3 is broken")

    seen: list[int] = []
    with pytest.raises(ValueError, match="line 3 is broken"):
        for item in prefetch(items(), depth=1):
            seen.append(item)
    assert seen == [1, 2]


def test_stopping_early_releases_the_producer() -> None:
    produced: list[int] = []

    def items() -> Iterator[int]:
        for i in range(1_000_000):
            produced.append(i)
            yield i

    iterator = prefetch(items(), depth=3)
    assert next(iterator) == 0
    iterator.close()  # type: ignore[attr-defined]
    import time

    time.sleep(0.3)
    count = len(produced)
    time.sleep(0.3)
    # At most a chunk being filled, one queued and one waiting to be put.
    assert len(produced) == count < 4 * CHUNK
