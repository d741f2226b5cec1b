"""`with X(...) as x:` for the crawl's stores, which all end with `close()`."""

from __future__ import annotations

from types import TracebackType
from typing import Self


class Closing:
    """Mixin: entering returns the object, leaving calls its `close()`."""

    def close(self) -> None:
        raise NotImplementedError

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()
