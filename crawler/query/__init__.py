"""The one query language for people (search, watches, `alerts test`).

- `syntax.parse_query(text)` → a tree; `QuerySyntaxError` names the column.
- `compile.compile_query(text)` → `CompiledQuery`: the engine query plus its date window.
- `phrases`: adjacent words that spell a known term (synonyms, user dictionary) → one phrase.
- `dates`: since:/until: values.

This file imports nothing: config validation imports `syntax` alone, without the
compiler's file reading.
"""
