"""Run a producer one step ahead of its consumer, in a thread.

`newswatch index` parses and validates JSON lines while the engine is busy
with the previous bulk request: the bulk helper blocks on the socket (which
releases the GIL), so a reader thread turns that idle wait into useful work.
Written here because the standard library has no bounded prefetching iterator
and the bulk helpers of both clients take a plain iterable.
"""

from __future__ import annotations

import queue
import threading
from collections.abc import Iterable, Iterator
from typing import TypeVar

T = TypeVar("T")

_DONE = object()
# Items travel between the threads in lists of this many: a queue hand-over costs
# ~10 µs, as much as validating a small article, so it is paid once per chunk.
CHUNK = 128


def prefetch(items: Iterable[T], depth: int) -> Iterator[T]:
    """Yield `items` in order while a thread keeps about `depth` of them ready.

    An exception raised by the producer is re-raised in the consumer, at the
    position where it happened. Stopping early (closing the generator) lets the
    producer thread finish at its next put.
    """
    buffer: queue.Queue[object] = queue.Queue(maxsize=max(1, depth // CHUNK))
    stop = threading.Event()

    def put(value: object) -> bool:
        while not stop.is_set():
            try:
                buffer.put(value, timeout=0.1)
                return True
            except queue.Full:
                continue
        return False

    def produce() -> None:
        chunk: list[T] = []
        try:
            for item in items:
                chunk.append(item)
                if len(chunk) >= CHUNK:
                    if not put(chunk):
                        return
                    chunk = []
            if chunk and not put(chunk):
                return
            put(_DONE)
        except BaseException as exc:  # re-raised in the consumer, after the items before it
            if not chunk or put(chunk):
                put(exc)

    thread = threading.Thread(target=produce, name="prefetch", daemon=True)
    thread.start()
    try:
        while True:
            item = buffer.get()
            if item is _DONE:
                return
            if isinstance(item, BaseException):
                raise item
            yield from item  # type: ignore[misc]
    finally:
        stop.set()
