"""The one query language for people: `newswatch search`, watches and `alerts test`.

    대구 스마트시티                 both words (AND is implicit)
    "City Brain" OR 시티브레인       a phrase, or a word (`|` is the same as OR)
    알리바바 -광고                   exclude a word
    source:naver kind:blog          a field: source, kind, outlet (= site name), topic,
                                    lang, counterpart, event
    (대구 OR 부산) 스마트시티         parentheses group
    since:2026-11-01 until:7d       dates (the article's timeline time), whole query only

Pure: no engine, no config. It lives in `crawler` because config validation
needs it (a bad watch fails at load time); `crawler.query.compile` turns the
tree it returns into an engine query; a `QuerySyntaxError` names the column so the
command line and config validation can point at the mistake.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from dataclasses import field as dataclass_field

from crawler.query.dates import DATE_FIELDS, DateBound, DateValueError, parse_date_value

TERM_FIELDS = ("source", "kind", "outlet", "topic", "lang", "counterpart", "event")
FIELDS = (*TERM_FIELDS, *DATE_FIELDS)
KINDS = ("news", "blog", "press")


class QuerySyntaxError(ValueError):
    """A query that cannot be parsed; the message names the column (1-based)."""

    def __init__(self, message: str, column: int) -> None:
        super().__init__(f"{message} (at column {column})")
        self.reason = message
        self.column = column


# The name config validation and the alerts package have always used.
WatchSyntaxError = QuerySyntaxError


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
class DateTerm:
    """since:/until: — a bound on the article's timeline time, resolved when the query runs."""

    bound: DateBound
    column: int = dataclass_field(default=0, compare=False)


@dataclass(frozen=True, slots=True)
class Not:
    node: Node


@dataclass(frozen=True, slots=True)
class And:
    nodes: tuple[Node, ...]


@dataclass(frozen=True, slots=True)
class Or:
    nodes: tuple[Node, ...]


Node = Text | FieldTerm | DateTerm | Not | And | Or


@dataclass(frozen=True, slots=True)
class _Token:
    kind: str  # "word", "phrase", "field", "date", "or", "not", "(", ")"
    value: str
    column: int  # 1-based, for error messages
    bound: DateBound | None = None


# A field prefix is letters then a colon; anything else with a colon (10:30) is a word.
# An unknown prefix (site:, http:) is an error rather than a word, so a mistyped field
# never silently searches for the text "site:naver".
_FIELD_RE = re.compile(r"([A-Za-z_]+):")
_SPECIAL = '()"'


def parse_query(query: str) -> Node:
    """Parse a query; raise QuerySyntaxError (with the column) for anything ambiguous."""
    tokens = _tokenize(query)
    if not tokens:
        raise QuerySyntaxError("the query is empty", 1)
    parser = _Parser(tokens, len(query) + 1)
    node = parser.parse_or()
    if parser.position < len(tokens):
        token = tokens[parser.position]
        if token.kind == ")":
            raise QuerySyntaxError("unbalanced parenthesis: ')' without '('", token.column)
        raise QuerySyntaxError(f"unexpected {token.value!r}", token.column)
    _check_dates_apply_to_whole_query(node)
    if not _has_positive(node):
        raise QuerySyntaxError(
            "the query only excludes or only gives dates; add at least one word, phrase "
            "or field to match",
            1,
        )
    return node


# The name config validation and the alerts package have always used.
parse_watch_query = parse_query


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
                raise QuerySyntaxError("'-' must be followed by what to exclude", i + 1)
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
        raise QuerySyntaxError("unclosed quote", start + 1)
    if not query[start + 1 : end].strip():
        raise QuerySyntaxError("empty phrase", start + 1)
    return end


def _read_word(query: str, start: int, tokens: list[_Token]) -> int:
    prefix = _FIELD_RE.match(query, start)
    if prefix:
        return _read_field(query, start, prefix.group(1), prefix.end(), tokens)
    end = start
    while end < len(query) and not query[end].isspace() and query[end] not in _SPECIAL + "|":
        end += 1
    word = query[start:end]
    tokens.append(_Token("or" if word == "OR" else "word", word, start + 1))
    return end


def _read_field(query: str, start: int, name: str, value_start: int, tokens: list[_Token]) -> int:
    field = name.lower()
    if field not in FIELDS:
        raise QuerySyntaxError(f"unknown field {name!r} (known: {', '.join(FIELDS)})", start + 1)
    if value_start < len(query) and query[value_start] == '"':
        end = _closing_quote(query, value_start)
        value, next_index = query[value_start + 1 : end].strip(), end + 1
    else:
        end = value_start
        while end < len(query) and not query[end].isspace() and query[end] not in _SPECIAL:
            end += 1
        value, next_index = query[value_start:end], end
    if not value:
        raise QuerySyntaxError(f"{field}: needs a value", start + 1)
    tokens.append(_field_token(field, value, start + 1))
    return next_index


def _field_token(field: str, value: str, column: int) -> _Token:
    if field == "kind" and value.lower() not in KINDS:
        raise QuerySyntaxError(f"kind: must be one of {', '.join(KINDS)}, got {value!r}", column)
    if field in DATE_FIELDS:
        try:
            bound = parse_date_value(field, value)
        except DateValueError as exc:
            raise QuerySyntaxError(str(exc), column) from None
        return _Token("date", f"{field}:{value}", column, bound)
    return _Token("field", f"{field}:{value}", column)


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
            raise QuerySyntaxError("expected a word, phrase or field here", column)
        return nodes[0] if len(nodes) == 1 else And(tuple(nodes))

    def _parse_unary(self) -> Node:
        token = self.tokens[self.position]
        self.position += 1
        if token.kind == "not":
            if self._peek() is None:
                raise QuerySyntaxError("'-' must be followed by what to exclude", token.column)
            return Not(self._parse_unary())
        if token.kind == "(":
            inner = self.parse_or()
            closing = self._peek()
            if closing is None or closing.kind != ")":
                raise QuerySyntaxError("unbalanced parenthesis: '(' is never closed", token.column)
            self.position += 1
            return inner
        if token.kind == "field":
            name, _, value = token.value.partition(":")
            return FieldTerm(name, value)
        if token.bound is not None:
            return DateTerm(token.bound, token.column)
        return Text(token.value, phrase=token.kind == "phrase")


def _check_dates_apply_to_whole_query(node: Node) -> None:
    """since:/until: narrow the whole query: never inside OR, -, or parentheses.

    They become a filter in a search and a check at sweep time in a watch (a stored
    percolator query cannot hold "7 days before now"), which needs them at the top.
    """
    top = node.nodes if isinstance(node, And) else (node,)
    for child in top:
        if not isinstance(child, DateTerm):
            _refuse_nested_dates(child)


def _refuse_nested_dates(node: Node) -> None:
    if isinstance(node, DateTerm):
        raise QuerySyntaxError(
            "since:/until: apply to the whole query; they cannot be inside OR, "
            "parentheses or an exclusion (write: since:7d (a OR b))",
            node.column,
        )
    if isinstance(node, Not):
        _refuse_nested_dates(node.node)
    elif isinstance(node, And | Or):
        for child in node.nodes:
            _refuse_nested_dates(child)


def _has_positive(node: Node) -> bool:
    """Whether the query can match on its own (a pure exclusion would match everything)."""
    if isinstance(node, Not | DateTerm):
        return False
    if isinstance(node, And):
        return any(_has_positive(n) for n in node.nodes)
    if isinstance(node, Or):
        return all(_has_positive(n) for n in node.nodes)
    return True
