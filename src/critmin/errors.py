"""Errors that reach the user as one line (exit code 2 in the CLI, 422 in the HTTP API)."""

from __future__ import annotations


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
            text += f" (got {value!r})"
        super().__init__(text)


class StoreBusyError(CritminError):
    """Another process holds the DuckDB file."""


class StoreError(CritminError):
    """The store cannot be opened or written (corrupt file, read-only path, full disk)."""


class NotFoundError(CritminError):
    """A mineral, country, source or row that does not exist."""
