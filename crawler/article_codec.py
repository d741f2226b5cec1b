"""Validation of article mappings (JSONL lines, engine documents) into Articles."""

from __future__ import annotations

from collections.abc import Mapping
from functools import cache
from typing import Any

from pydantic import TypeAdapter, ValidationError

from crawler.models import DERIVED_FIELDS, Article

# Keys that documents carry but that are derived, not Article fields to pass in.
_DERIVED_KEYS = frozenset({"content_hash", "id", "_id"}) | DERIVED_FIELDS


class ArticleValidationError(ValueError):
    """A mapping is not a valid Article; the message names the field."""


@cache
def _adapter() -> TypeAdapter[Article]:
    return TypeAdapter(Article)


def article_from_mapping(doc: Mapping[str, Any]) -> Article:
    data = dict(doc)
    for key in _DERIVED_KEYS.intersection(data):
        del data[key]
    try:
        return _adapter().validate_python(data)
    except ValidationError as exc:
        raise ArticleValidationError(_describe(exc)) from None


def _describe(exc: ValidationError) -> str:
    parts = []
    for err in exc.errors()[:3]:
        where = ".".join(str(p) for p in err["loc"]) or "(record)"
        parts.append(f"{where}: {err['msg']}")
    more = exc.error_count() - 3
    return "; ".join(parts) + (f" (and {more} more)" if more > 0 else "")
