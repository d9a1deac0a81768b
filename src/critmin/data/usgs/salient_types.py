"""The small types the salient-statistics column mapping is written in (:class:`Series`,
:class:`PriceColumn`, :class:`SalientFile`), the ``series`` shorthand and the market names the
mapping repeats (the mapping: :mod:`critmin.data.usgs.salient_columns`)."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Series:
    """Which columns of a salient file make one mineral's ``us_supply`` row.

    Quantity fields list one column or several (summed); ``units`` overrides a column's unit
    token where the header is wrong (``Consump_g`` holds kilograms). ``note`` says what each
    field holds, in words, and is copied to every row.
    """

    mineral_id: str
    basis: str | None
    note: str
    production: tuple[str, ...] = ()
    imports: tuple[str, ...] = ()
    exports: tuple[str, ...] = ()
    consumption: tuple[str, ...] = ()
    nir: str | None = None
    price: str | None = None
    units: tuple[tuple[str, str], ...] = ()


@dataclass(frozen=True)
class PriceColumn:
    """A price column: mineral, product and market; ``unit`` (USD per unit) overrides a wrong
    or missing suffix."""

    mineral_id: str
    product: str
    market: str | None = None
    unit: str | None = None
    note: str | None = None


@dataclass(frozen=True)
class SalientFile:
    series: tuple[Series, ...]
    prices: dict[str, PriceColumn]


def _cols(value: str | tuple[str, ...] | None) -> tuple[str, ...]:
    if value is None:
        return ()
    return (value,) if isinstance(value, str) else value


def series(
    mineral_id: str,
    basis: str | None,
    note: str,
    *,
    prod: str | tuple[str, ...] | None = None,
    imp: str | tuple[str, ...] | None = None,
    exp: str | tuple[str, ...] | None = None,
    cons: str | tuple[str, ...] | None = None,
    nir: str | None = None,
    price: str | None = None,
    units: dict[str, str] | None = None,
) -> Series:
    return Series(
        mineral_id,
        basis,
        note,
        _cols(prod),
        _cols(imp),
        _cols(exp),
        _cols(cons),
        nir,
        price,
        tuple((units or {}).items()),
    )


P = PriceColumn

# The per-commodity column mapping of the MCS 2025 salient files (headers exactly as
# published). Where a header disagrees with the metadata XML or the MCS 2025 chapter, the
# values follow the chapter and the note says so. `us_supply` production is the primary
# (mine, or primary refinery where there is no mine stage) U.S. production.
ARGUS = "Argus Non-Ferrous Markets"
ENGELHARD = "Engelhard unfabricated (Platts)"
REE_ARGUS = "Argus (MCS annual average)"

PER_KG_NOTE = "CSV header ends in _t; the metadata and the MCS 2025 chapter say USD per kilogram"
