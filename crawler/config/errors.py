"""Turn pydantic's validation errors into lines a person can act on.

`sources[name=daegu-press].max_dpeth: unknown key; did you mean max_depth?`:
list items that carry a `name` are named by it (the index shifts when the file
is edited; the name is what the user searches for), union-branch labels are
hidden, and an unknown key gets the closest valid key of its section.
"""

from __future__ import annotations

import difflib
import types
from collections.abc import Mapping
from typing import Annotated, Any, Literal, Union, get_args, get_origin

from pydantic import BaseModel, Tag, ValidationError


class ConfigError(Exception):
    """The configuration is missing, unreadable or invalid (exit code 2)."""


# Errors listed before "(and N more)": enough to fix a file in one pass, short enough to read.
MAX_ERRORS_SHOWN = 5


def describe_validation_error(exc: ValidationError, root: type[BaseModel], raw: Any) -> str:
    """One `field: problem` line per error, fields located in `raw` (the input of `root`)."""
    lines = [_describe(err, root, raw) for err in exc.errors()]
    shown = "; ".join(lines[:MAX_ERRORS_SHOWN])
    more = len(lines) - MAX_ERRORS_SHOWN
    return shown + (f" (and {more} more)" if more > 0 else "")


def _describe(err: Mapping[str, Any], root: type[BaseModel], raw: Any) -> str:
    message = str(err["msg"]).removeprefix("Value error, ")
    if not err["loc"]:  # a check across sections names its fields itself
        return message
    where, section = _locate(err["loc"], root, raw)
    if err["type"] == "extra_forbidden":
        return f"{where}: unknown key{_suggestion(str(err['loc'][-1]), section)}"
    return f"{where}: {message}"


def _locate(loc: tuple[int | str, ...], root: type[BaseModel], raw: Any) -> tuple[str, Any]:
    """The user-facing path of `loc`, and the model whose key the last part is."""
    out, value = "", raw
    kind: Any = root
    section: Any = None
    for part in loc:
        options = _options(kind)
        branch = _branch(options, part)
        if branch is not None:  # pydantic's union-branch label, not a key of the file
            kind = branch
            continue
        model = next((o for o in options if _is_model(o)), None)
        if isinstance(part, int):
            out += f"[{_item_label(value, part)}]"
            kind = _contained(options, 0)
        elif model is not None:
            section = model
            field = model.model_fields.get(part)
            kind = field.annotation if field is not None else None
            out += f".{part}" if out else part
        else:  # a key of a mapping, such as a notifier's name
            out += f".{part}" if out else part
            kind = _contained(options, 1)
        value = _child(value, part)
    return out, section


def _options(kind: Any) -> list[Any]:
    if get_origin(kind) is Annotated:
        kind = get_args(kind)[0]
    if get_origin(kind) in (Union, types.UnionType):
        return [m for m in get_args(kind) if m is not type(None)]
    return [kind]


def _branch(options: list[Any], part: int | str) -> Any:
    if len(options) < 2:
        return None
    return next((m for m in options if _tag_of(m) == part), None)


def _tag_of(member: Any) -> str | None:
    if get_origin(member) is Annotated:
        return next((m.tag for m in get_args(member)[1:] if isinstance(m, Tag)), None)
    if _is_model(member) and "type" in member.model_fields:
        literal = member.model_fields["type"].annotation
        return str(get_args(literal)[0]) if get_origin(literal) is Literal else None
    return None


def _is_model(kind: Any) -> bool:
    return isinstance(kind, type) and issubclass(kind, BaseModel)


def _contained(options: list[Any], position: int) -> Any:
    """The item type of a list (position 0) or the value type of a dict (position 1)."""
    for option in options:
        args = get_args(option)
        if get_origin(option) in (list, dict) and args:
            return args[min(position, len(args) - 1)]
    return None


def _item_label(items: Any, index: int) -> str:
    item = items[index] if isinstance(items, list) and 0 <= index < len(items) else None
    name = item.get("name") if isinstance(item, dict) else None
    return f"name={name}" if isinstance(name, str) and name else str(index)


def _child(value: Any, part: int | str) -> Any:
    if isinstance(value, list) and isinstance(part, int) and 0 <= part < len(value):
        return value[part]
    if isinstance(value, dict):
        return value.get(part)
    return None


def _suggestion(key: str, section: Any) -> str:
    if not _is_model(section):
        return ""
    known = sorted(section.model_fields)
    # 0.6: difflib's default; it pairs max_dpeth/max_depth and alow_hosts/allow_hosts,
    # and not unrelated keys such as bogus/topics.
    close = difflib.get_close_matches(key, known, n=1, cutoff=0.6)
    if close:
        return f"; did you mean {close[0]}?"
    return f"; valid keys: {', '.join(known)}"
