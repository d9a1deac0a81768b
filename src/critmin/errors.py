"""Errors that reach the user as one line (exit code 2 in the CLI, 422 in the HTTP API)."""

from __future__ import annotations

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
