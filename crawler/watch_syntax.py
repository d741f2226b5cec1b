"""The watch query syntax, for people who do not write engine queries.

    대구 스마트시티                 both words (AND is implicit)
    "City Brain" OR 시티브레인       a phrase, or a word
    알리바바 -광고                   exclude a word
    source:naver kind:blog          a field: source, kind, outlet (= site name), topic
    (대구 OR 부산) 스마트시티         parentheses group
    `|` is a synonym of OR (as in `newswatch search`).

Pure: no engine, no config. It lives in `crawler` because config validation
needs it (a bad watch fails at load time); `scheduler.alerts.dsl` turns the
tree it returns into an engine query; a `WatchSyntaxError` names the column so config
validation can point at the mistake.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

FIELDS = ("source", "kind", "outlet", "topic")
KINDS = ("news", "blog", "press")


class WatchSyntaxError(ValueError):
    """A watch query that cannot be parsed; the message names the column."""

    def __init__(self, message: str, column: int) -> None:
        super().__init__(f"{message} (at column {column})")
        self.column = column


@dataclass(frozen=True, slots=True)
class Text:
    """A word or a "phrase" searched in the article's title and text."""

    value: str
    phrase: bool = False


@dataclass(frozen=True, slots=True)
class FieldTerm:
    field: str
    value: str


@dataclass(frozen=True, slots=True)
class Not:
    node: Node


@dataclass(frozen=True, slots=True)
class And:
    nodes: tuple[Node, ...]


@dataclass(frozen=True, slots=True)
class Or:
    nodes: tuple[Node, ...]


Node = Text | FieldTerm | Not | And | Or


@dataclass(frozen=True, slots=True)
class _Token:
    kind: str  # "word", "phrase", "field", "or", "not", "(", ")"
    value: str
    column: int  # 1-based, for error messages


# A field prefix is letters then a colon; anything else with a colon (10:30, http://) is a word.
_FIELD_RE = re.compile(r"([A-Za-z_]+):")
_SPECIAL = '()"'


def parse_watch_query(query: str) -> Node:
    """Parse a watch query; raise WatchSyntaxError for anything ambiguous."""
    tokens = _tokenize(query)
    if not tokens:
        raise WatchSyntaxError("the query is empty", 1)
    parser = _Parser(tokens, len(query) + 1)
    node = parser.parse_or()
    if parser.position < len(tokens):
        token = tokens[parser.position]
        raise WatchSyntaxError(f"unexpected {token.value!r}", token.column)
    if not _has_positive(node):
        raise WatchSyntaxError(
            "the query only excludes; add at least one word, phrase or field to match", 1
        )
    return node


def _tokenize(query: str) -> list[_Token]:
    tokens: list[_Token] = []
    i = 0
    while i < len(query):
        char = query[i]
        if char.isspace():
            i += 1
        elif char in "()":
            tokens.append(_Token(char, char, i + 1))
            i += 1
        elif char == "|":
            tokens.append(_Token("or", "|", i + 1))
            i += 1
        elif char == "-":
            if not _starts_operand(query, i + 1):
                raise WatchSyntaxError("'-' must be followed by what to exclude", i + 1)
            tokens.append(_Token("not", "-", i + 1))
            i += 1
        elif char == '"':
            end = _closing_quote(query, i)
            tokens.append(_Token("phrase", query[i + 1 : end].strip(), i + 1))
            i = end + 1
        else:
            i = _read_word(query, i, tokens)
    return tokens


def _starts_operand(query: str, i: int) -> bool:
    """Whether a leading '-' has something to exclude right after it.

    Only a '-' at the start of a term is read here, so 'e-mail' stays one word.
    """
    return i < len(query) and not query[i].isspace() and query[i] not in ")|"


def _closing_quote(query: str, start: int) -> int:
    end = query.find('"', start + 1)
    if end < 0:
        raise WatchSyntaxError("unclosed quote", start + 1)
    if not query[start + 1 : end].strip():
        raise WatchSyntaxError("empty phrase", start + 1)
    return end


def _read_word(query: str, start: int, tokens: list[_Token]) -> int:
    field = _FIELD_RE.match(query, start)
    if field:
        return _read_field(query, start, field.group(1), field.end(), tokens)
    end = start
    while end < len(query) and not query[end].isspace() and query[end] not in _SPECIAL + "|":
        end += 1
    word = query[start:end]
    tokens.append(_Token("or" if word == "OR" else "word", word, start + 1))
    return end


def _read_field(query: str, start: int, name: str, value_start: int, tokens: list[_Token]) -> int:
    field = name.lower()
    if field not in FIELDS:
        raise WatchSyntaxError(f"unknown field {name!r} (known: {', '.join(FIELDS)})", start + 1)
    if value_start < len(query) and query[value_start] == '"':
        end = _closing_quote(query, value_start)
        value, next_index = query[value_start + 1 : end].strip(), end + 1
    else:
        end = value_start
        while end < len(query) and not query[end].isspace() and query[end] not in _SPECIAL:
            end += 1
        value, next_index = query[value_start:end], end
    if not value:
        raise WatchSyntaxError(f"{field}: needs a value", start + 1)
    if field == "kind" and value.lower() not in KINDS:
        raise WatchSyntaxError(f"kind: must be one of {', '.join(KINDS)}, got {value!r}", start + 1)
    tokens.append(_Token("field", f"{field}:{value}", start + 1))
    return next_index


class _Parser:
    """or := and (OR and)* ; and := unary+ ; unary := '-' unary | atom."""

    def __init__(self, tokens: list[_Token], end_column: int) -> None:
        self.tokens = tokens
        self.position = 0
        self.end_column = end_column

    def _peek(self) -> _Token | None:
        return self.tokens[self.position] if self.position < len(self.tokens) else None

    def parse_or(self) -> Node:
        nodes = [self._parse_and()]
        while (token := self._peek()) is not None and token.kind == "or":
            self.position += 1
            nodes.append(self._parse_and())
        return nodes[0] if len(nodes) == 1 else Or(tuple(nodes))

    def _parse_and(self) -> Node:
        nodes: list[Node] = []
        while (token := self._peek()) is not None and token.kind not in ("or", ")"):
            nodes.append(self._parse_unary())
        if not nodes:
            token = self._peek()
            column = token.column if token else self.end_column
            raise WatchSyntaxError("expected a word, phrase or field here", column)
        return nodes[0] if len(nodes) == 1 else And(tuple(nodes))

    def _parse_unary(self) -> Node:
        token = self.tokens[self.position]
        self.position += 1
        if token.kind == "not":
            if self._peek() is None:
                raise WatchSyntaxError("'-' must be followed by what to exclude", token.column)
            return Not(self._parse_unary())
        if token.kind == "(":
            inner = self.parse_or()
            closing = self._peek()
            if closing is None or closing.kind != ")":
                raise WatchSyntaxError("unclosed parenthesis", token.column)
            self.position += 1
            return inner
        if token.kind == "field":
            name, _, value = token.value.partition(":")
            return FieldTerm(name, value)
        return Text(token.value, phrase=token.kind == "phrase")


def _has_positive(node: Node) -> bool:
    """Whether the query can match on its own (a pure exclusion would match everything)."""
    if isinstance(node, Not):
        return False
    if isinstance(node, And):
        return any(_has_positive(n) for n in node.nodes)
    if isinstance(node, Or):
        return all(_has_positive(n) for n in node.nodes)
    return True
