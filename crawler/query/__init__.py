"""The one query language for people (search, watches, `alerts test`): parse and compile.

- `parse_query(text)` → a tree (syntax.py); `QuerySyntaxError` names the column.
- `compile_query(text)` → `CompiledQuery`: the engine query plus its date window.
"""

from __future__ import annotations

from crawler.query.compile import CompiledQuery, DateWindow, compile_query
from crawler.query.syntax import QuerySyntaxError, parse_query

__all__ = ["CompiledQuery", "DateWindow", "QuerySyntaxError", "compile_query", "parse_query"]
