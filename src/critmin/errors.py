"""Errors that reach the user as one line (exit code 2 in the CLI, 422 in the HTTP API)."""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

MAX_SHOWN = 120


def shown(value: object) -> str:
    """``repr(value)`` for a one-line error, cut to about MAX_SHOWN characters: an over-long
    cell (a 100 MB note) is named by its length, not printed."""
    text = repr(value)
    if len(text) <= MAX_SHOWN:
        return text
    size = f"{len(value):,} characters" if isinstance(value, str | bytes) else "cut"
    return f"{text[: MAX_SHOWN - 20]}... ({size})"


class CritminError(Exception):
    """Base class: a problem the user can fix, reported in one line without a traceback."""


class InputError(CritminError):
    """Bad input: names the field (or file, line and column) and the offending value."""

    def __init__(
        self,
        message: str,
        *,
        field: str | None = None,
        value: object = None,
        file: str | None = None,
        line: int | None = None,
        column: str | None = None,
    ) -> None:
        self.message = message
        self.field = field
        self.value = value
        self.file = file
        self.line = line
        self.column = column
        where = []
        if file is not None:
            where.append(file)
        if line is not None:
            where.append(f"line {line}")
        if column is not None:
            where.append(f"column {column!r}")
        if field is not None and column is None:
            where.append(f"field {field!r}")
        prefix = ", ".join(where)
        text = f"{prefix}: {message}" if prefix else message
        if value is not None:
            text += f" (got {shown(value)})"
        super().__init__(text)


class StoreBusyError(CritminError):
    """Another process holds the DuckDB file."""


class StoreError(CritminError):
    """The store cannot be opened or written (corrupt file, read-only path, full disk)."""


class NotFoundError(CritminError):
    """A mineral, country, source or row that does not exist."""


# -- validation errors as one line ---------------------------------------------------------------

# error types that only say "the input is not this branch of a union" (a number where a mapping
# was meant): noise beside an error from the branch the input did take
_WRONG_BRANCH = frozenset(
    {
        "bool_parsing",
        "bool_type",
        "dict_type",
        "float_parsing",
        "float_type",
        "int_parsing",
        "int_type",
        "list_type",
        "literal_error",
        "model_attributes_type",
        "model_type",
        "string_type",
        "tuple_type",
    }
)
# where FastAPI found a request parameter (the first part of its error locations)
_REQUEST_PARTS = ("query", "path", "header", "cookie")
_PREFIXES = ("Value error, ", "Assertion failed, ")
# a message that starts with a field path: "withheld_share must lie in [0, 1]", "models.ou: ..."
_NAMED = re.compile(r"^([A-Za-z_][A-Za-z0-9_]*(?:\.[A-Za-z0-9_]+)*):? ")
# a part of a pydantic error location that names a union branch, not an input key
_TAG = re.compile(r".*\[.*\]$|^(?:constrained-)?(?:float|int|str|bool|list|dict|tuple)$")


@dataclass(frozen=True)
class Problem:
    """One validation error as the user sees it: the field path (dotted, through the input),
    the message and the offending value (None when not worth showing)."""

    field: str | None
    message: str
    value: object = None


def _has(node: Any, part: Any) -> bool:
    if isinstance(node, Mapping):
        return part in node
    return isinstance(node, list | tuple) and isinstance(part, int) and 0 <= part < len(node)


def _is_tag(part: Any, node: Any) -> bool:
    """Whether a part of an error location names a union branch, not an input key: a schema
    label (``constrained-float``, ``list[...]``, ``function-after[...]``), a model class
    (``Range``) or a discriminator value the input states (``uniform`` of ``{dist: uniform}``)."""
    if not isinstance(part, str):
        return False
    if _TAG.match(part) or part[:1].isupper():
        return True
    return isinstance(node, Mapping) and any(v == part for v in node.values())


def _path(loc: Sequence[Any], data: Any, missing: bool = False) -> tuple[list[str], bool]:
    """The parts of ``loc`` that name input keys, walked through ``data`` (the validated input)
    when given, and whether a union branch's tag was dropped on the way. A key the input lacks
    (``missing``: the last part; a field checked at its default) is kept; an index into a cell
    that a validator split is not."""
    parts: list[str] = []
    dropped = False
    here = data
    for i, part in enumerate(loc):
        if data is not None and _has(here, part):
            keep, here = True, here[part]
        elif missing and i == len(loc) - 1:  # the key that is missing
            keep = True
        elif _is_tag(part, here):
            keep, dropped = False, True
        else:
            keep, here = isinstance(part, str) or data is None, None
        if keep:
            text = str(part)
            parts.append(text if text and text.isprintable() else repr(text))
    return parts, dropped


def _rank(err: Mapping[str, Any], dropped: bool) -> int:
    """Which error to report first: a misspelt key (it explains a "field required"
    elsewhere), then a bad value, then a missing field, then a union branch the input did not
    take."""
    kind = err.get("type")
    if dropped and kind in _WRONG_BRANCH:
        return 3
    return {"extra_forbidden": 0, "missing": 2}.get(str(kind), 1)


def _message(err: Mapping[str, Any]) -> str:
    """pydantic's message on one line, without its "Value error, " prefix."""
    msg = str(err.get("msg") or "invalid")
    for prefix in _PREFIXES:
        msg = msg.removeprefix(prefix)
    return " ".join(msg.split())


def all_problems(exc: Any, data: Any = None, *, default: str = "row") -> list[Problem]:
    """Every error of a pydantic ``ValidationError``, in order, as :class:`Problem` (for
    validators that report each bad cell of a table: ``field`` is the path through ``data``,
    ``default`` for a check across fields; the value is left to the caller, who has the cell as
    written)."""
    out = []
    for err in exc.errors():
        parts, _ = _path(list(err.get("loc") or ()), data, err.get("type") == "missing")
        out.append(Problem(".".join(parts) or default, _message(err)))
    return out


def first_problem(
    exc: Any,
    data: Any = None,
    *,
    default: str | None = None,
    fields: Iterable[str] = (),
    union: str | None = None,
    request: bool = False,
    secret: Iterable[str] = (),
) -> Problem:
    """The most telling error of a pydantic ``ValidationError`` (or FastAPI's
    ``RequestValidationError``) as a :class:`Problem`.

    - field: the error's location joined by dots, through ``data`` (the validated input) when
      given: a union's branch tags (``constrained-float``, ``tagged-union[...]``, the tag value)
      are left out, so the path is the one written in the file. A check across fields (empty
      location) names the field its message starts with when that is one of ``fields``
      ("withheld_share must lie in [0, 1]"), else ``default``.
    - message: pydantic's, without "Value error, " and on one line; where every error only says
      the input fits no branch of a union, ``union`` (what the union accepts) when given.
    - value: the input at fault, unless it is a whole mapping, the field is missing or named in
      ``secret`` (a token is never echoed).
    - request: FastAPI locations (``body``, ``query``...): a parameter is named without its
      index (``mineral``, not ``mineral.0``), a body field by its path in the body.
    """
    errors = list(exc.errors())
    if not errors:
        return Problem(default, "invalid input")
    body = getattr(exc, "body", None) if request else None
    scored: list[tuple[int, int, Mapping[str, Any], list[str], bool]] = []
    for err in errors:
        loc = list(err.get("loc") or ())
        where = data
        if request and loc and loc[0] in _REQUEST_PARTS:
            loc = loc[1:2]
        elif request and len(loc) > 1 and loc[0] == "body":
            loc, where = loc[1:], body if isinstance(body, Mapping | list) else None
        parts, dropped = _path(loc, where, err.get("type") == "missing")
        scored.append((_rank(err, dropped), len(scored), err, parts, dropped))
    rank, _, err, parts, _ = min(scored, key=lambda s: s[:2])
    msg = _message(err)
    if rank == 3 and union is not None and len(errors) > 1:
        msg = union
    value = None if err.get("type") == "missing" else err.get("input")
    field = ".".join(parts) or None
    if request and err.get("type") == "json_invalid":
        field, value = "body", None
    if field is None and not request:
        named = _NAMED.match(msg)
        known = named is not None and named.group(1).split(".")[0] in set(fields)
        field = named.group(1) if named is not None and known else default
        value = None
    if isinstance(value, Mapping) or (field is not None and field.split(".")[0] in set(secret)):
        value = None
    return Problem(field, msg, value)


def from_validation(
    exc: Any,
    data: Any = None,
    *,
    prefix_field: str | None = None,
    default: str | None = None,
    model: Any = None,
    union: str | None = None,
    file: str | None = None,
    line: int | None = None,
    as_column: bool = False,
) -> InputError:
    """A pydantic ``ValidationError`` as one :class:`InputError` ("field: message (got
    value)"): :func:`first_problem` picks the error, ``prefix_field`` goes before its path
    (``contract`` gives ``contract.strike``), ``model`` (the pydantic class validated) lets a
    check across fields name its field, and with ``as_column`` the field is a CSV column of
    ``file`` at ``line``.

    >>> from pydantic import BaseModel, Field, ValidationError
    >>> class Band(BaseModel):
    ...     low: float = Field(ge=0)
    >>> try:
    ...     Band.model_validate({"low": -1})
    ... except ValidationError as exc:
    ...     print(from_validation(exc, {"low": -1}, prefix_field="band"))
    field 'band.low': Input should be greater than or equal to 0 (got -1)
    """
    fields = getattr(model, "model_fields", {}) if model is not None else {}
    p = first_problem(exc, data, default=default, fields=fields, union=union)
    field = p.field
    if prefix_field is not None:
        field = f"{prefix_field}.{field}" if field else prefix_field
    if as_column:
        return InputError(p.message, file=file, line=line, column=field, value=p.value)
    return InputError(p.message, field=field, value=p.value, file=file, line=line)
