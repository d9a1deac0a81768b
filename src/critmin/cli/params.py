"""Options and arguments shared by the commands, each resolved where it is parsed.

Every value that names a mineral, country, stage or other fixed value goes through
:mod:`critmin.vocab`, as the HTTP API's filters do: any case,
countries by ISO3, ISO2, name or alias, and a value that matches nothing is one line naming
the option and the closest valid values (exit 2). Dates have one name, ``--as-of``; the older
names are kept as hidden aliases (:func:`as_of_value` merges them).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable
from typing import Any

import typer


def _name(param: Any) -> str:
    """The option as the user typed it (``--host``), or the argument's metavar (``MINERAL``)."""
    opts = [o for o in getattr(param, "opts", []) if o.startswith("--")]
    if opts:
        return str(opts[0])
    return str(getattr(param, "name", "value") or "value").upper()


def _skip(ctx: typer.Context | None, value: Any) -> bool:
    return value is None or (ctx is not None and ctx.resilient_parsing)


def mineral_callback(ctx: typer.Context, param: typer.CallbackParam, value: Any) -> Any:
    """A mineral id, name or symbol (any case) -> its mineral id; a list of them (repeated or
    comma-separated) -> their ids."""
    if _skip(ctx, value):
        return value
    from critmin.vocab import choose, mineral_spellings

    spellings = mineral_spellings()

    def one(text: str) -> str:
        return choose(text, spellings, _name(param))

    if isinstance(value, list | tuple):
        return [one(p.strip()) for v in value for p in str(v).split(",") if p.strip()]
    return one(str(value))


def country_callback(ctx: typer.Context, param: typer.CallbackParam, value: Any) -> Any:
    """A country as ISO3, ISO2, name or alias, any case -> its ISO3 (``CD``, ``drc`` -> COD)."""
    if _skip(ctx, value):
        return value
    from critmin.vocab import resolve_country

    return resolve_country(str(value), _name(param))


def choice_callback(options: Iterable[str] | Callable[[], Iterable[str]]) -> Callable[..., Any]:
    """A callback that maps any case or spacing of one of ``options`` to it; ``options`` may
    be a function giving them, called only when the option is used (no import at start)."""

    def callback(ctx: typer.Context, param: typer.CallbackParam, value: Any) -> Any:
        if _skip(ctx, value):
            return value
        from critmin.vocab import choose

        allowed = tuple(options() if callable(options) else options)
        if isinstance(value, list | tuple):
            return [choose(str(v), allowed, _name(param)) for v in value]
        return choose(str(value), allowed, _name(param))

    return callback


def resolve_callback(resolve: Callable[[str], str]) -> Callable[..., Any]:
    """A callback through ``resolve`` (a vocab look-up that raises InputError), its error
    naming the option as typed."""

    def callback(ctx: typer.Context, param: typer.CallbackParam, value: Any) -> Any:
        if _skip(ctx, value):
            return value
        from critmin.errors import InputError

        try:
            return resolve(str(value))
        except InputError as exc:
            raise InputError(exc.message, field=_name(param), value=exc.value) from None

    return callback


def _schema(name: str) -> Callable[[], Iterable[str]]:
    """The fixed values ``critmin.schema.<name>``, read when first needed (none at start)."""

    def get() -> Iterable[str]:
        from critmin import schema

        return tuple(getattr(schema, name))

    return get


def _control_statuses() -> Iterable[str]:
    from critmin.capabilities.supply import control_statuses

    return control_statuses()


def _agency(value: str) -> str:
    from critmin.capabilities.ledger import agency_id

    return agency_id(value)


STATUS_CALLBACK = choice_callback(_schema("STATUSES"))  # ledger rows
INSTRUMENT_CALLBACK = choice_callback(_schema("INSTRUMENTS"))
VERIFICATION_CALLBACK = choice_callback(_schema("VERIFICATION"))
MEASURE_CALLBACK = choice_callback(_schema("MEASURES"))
CONTROL_STATUS_CALLBACK = choice_callback(_control_statuses)
AGENCY_CALLBACK = resolve_callback(_agency)


def mineral_argument(
    default: Any = ..., help: str = "Mineral id, name or symbol, any case."
) -> Any:
    return typer.Argument(default, help=help, callback=mineral_callback)


def mineral_option(help: str = "Mineral id, name or symbol, any case.") -> Any:
    return typer.Option(None, "--mineral", help=help, callback=mineral_callback)


def country_option(name: str, default: Any = None, help: str = "") -> Any:
    words = help or "Country"
    return typer.Option(
        default,
        name,
        help=f"{words}: ISO3, ISO2 or name, any case.",
        callback=country_callback,
    )


def stage_option(default: str = "mine") -> Any:
    return typer.Option(
        default, "--stage", help="mine or refine.", callback=choice_callback(("mine", "refine"))
    )


def as_of_option(help: str) -> Any:
    return typer.Option(None, "--as-of", help=f"{help} (YYYY-MM-DD).")


def hidden_alias(name: str) -> Any:
    """An older name of ``--as-of``, accepted but not shown in --help."""
    return typer.Option(None, name, hidden=True)


def as_of_value(as_of: str | None, **aliases: str | None) -> str | None:
    """The one date given under ``--as-of`` or one of its older names; two different dates
    is an error naming both options."""
    from critmin.errors import InputError

    given = {"--as-of": as_of, **{f"--{k.replace('_', '-')}": v for k, v in aliases.items()}}
    values = {k: v for k, v in given.items() if v is not None}
    for option, text in values.items():
        try:
            dt.date.fromisoformat(text)
        except ValueError:
            raise InputError("expected a date YYYY-MM-DD", field=option, value=text) from None
    if len(set(values.values())) > 1:
        raise InputError(
            "give one date: " + " and ".join(values) + " differ (they are the same option)",
            field="--as-of",
            value=as_of,
        )
    return next(iter(values.values()), None)
