"""USGS country cells -> ISO3, through the name and aliases of the countries table."""

from __future__ import annotations

import csv
import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from critmin.data.usgs.cells import clean, norm
from critmin.errors import InputError


@dataclass(frozen=True)
class Country:
    """A resolved country cell: ISO3, whether a glued footnote ``e`` marked it estimated, and
    the qualifier USGS appended to the name (``Brazil (beneficiated, marketable)``)."""

    iso3: str
    estimated: bool = False
    qualifier: str = ""


# multi-country aggregates that have no code of their own: skipped with a reason
AGGREGATES = {"united states and canada"}
_WORLD = re.compile(r"^world(?: total)?\b", re.IGNORECASE)
_OTHER = re.compile(r"^other(?: countries)?\b", re.IGNORECASE)
FOOTNOTE = re.compile(r"\s*\d+$")
_PAREN = re.compile(r"^(?P<name>.*?)\s*\((?P<q>[^()]*)\)\s*$")


def countries_path() -> Path:
    from critmin.data.bundled import reference_dir

    return reference_dir() / "countries" / "countries.csv"


class CountryIndex:
    """USGS country spellings -> ISO3, through the name and aliases of the countries table."""

    def __init__(self, aliases: dict[str, str]) -> None:
        self.aliases = aliases

    @classmethod
    def load(cls, path: Path | None = None) -> CountryIndex:
        path = path or countries_path()
        aliases: dict[str, str] = {}
        with path.open(encoding="utf-8-sig", newline="") as fh:
            for rec in csv.DictReader(fh):
                iso3 = rec["iso3"].strip()
                names = [rec["name"], iso3, *rec.get("aliases", "").split("|")]
                for name in names:
                    if name.strip():
                        aliases.setdefault(norm(name), iso3)
        return cls(aliases)

    def _lookup(self, name: str) -> str | None:
        key = norm(name)
        if key in self.aliases:
            return self.aliases[key]
        if _WORLD.match(name):
            return "WLD"
        if _OTHER.match(name):
            return "XOT"
        return None

    def resolve(self, raw: str) -> Country | None:
        """ISO3 of a published country cell, or None if unknown.

        Tried in turn: the cell as is; without a glued footnote number (``Other countries6``);
        without a parenthesised qualifier (``Spain (includes pegmatites)``, kept as qualifier);
        the part before a comma (``Chile, ulexite``); without a glued estimate marker ``e``
        (``Russiae``: estimated, also where the countries table lists the glued spelling).
        """
        name = FOOTNOTE.sub("", clean(raw))
        if name.endswith("e") and norm(name[:-1]) in self.aliases:
            bare = self._resolve_plain(name[:-1])
            full = self._resolve_plain(name)
            if bare and (full is None or full.iso3 == bare.iso3):
                return Country(bare.iso3, True, bare.qualifier)
        return self._resolve_plain(name)

    def require(self, raw: str, file: str, line: int, column: str) -> Country:
        """:meth:`resolve`, or an InputError naming file, line, column and the cell."""
        country = self.resolve(raw)
        if country is None:
            raise InputError(
                "unknown country (not in the countries table aliases)",
                file=file,
                line=line,
                column=column,
                value=clean(raw),
            )
        return country

    def _resolve_plain(self, name: str) -> Country | None:
        paren = _PAREN.match(name)
        for candidate in self._candidates(name):
            iso3 = self._lookup(candidate)
            if iso3 is None:
                continue
            qualifier = name[len(candidate) :].strip(" ,") if candidate != name else ""
            if paren and self._lookup(paren.group("name")) == iso3:
                qualifier = paren.group("q")
            return Country(iso3, qualifier=qualifier)
        return None

    @staticmethod
    def _candidates(name: str) -> Iterator[str]:
        yield name
        m = _PAREN.match(name)
        if m:
            yield m.group("name")
        if ", " in name:
            yield name.split(", ")[0]
