"""Units of mass: one table of conversion factors, each from its exact definition.

Every place that turns a quantity or a price from one mass unit into another (the floor
contract's ``unit``, the disruption scenario's price units, the USGS importers' published
units) reads its factor here. The factors are kilograms per unit; a factor to metric tonnes or
from one unit to another is a ratio of two of them (:func:`factor`).

Definitions (exact unless said otherwise):

- kilogram (kg): the SI base unit of mass; gram (g) = 10^-3 kg; metric ton, tonne (t) =
  10^3 kg (a non-SI unit accepted for use with the SI). BIPM, *The International System of
  Units (SI)*, 9th edition (2019), tables 2 and 8.
- avoirdupois pound (lb) = 0.453 592 37 kg; avoirdupois ounce (oz) = 1/16 lb =
  28.349 523 125 g; short ton = 2 000 lb = 907.184 74 kg; long ton = 2 240 lb =
  1 016.046 908 8 kg. NIST Special Publication 811 (2008 edition), *Guide for the Use of the
  International System of Units (SI)*, appendix B.8 and B.9 (from the international yard and
  pound agreement of 1959).
- troy ounce (troy oz) = 480 grains = 31.103 476 8 g, the grain being 64.798 91 mg: NIST SP 811,
  appendix B.8 and B.9. Precious-metal prices are quoted per troy ounce.
- flask of mercury = 76 lb = 34.473 020 12 kg (34.473 kg rounded): the U.S. trade unit of
  mercury, adopted by the U.S. Bureau of Mines in 1927 (D. K. Myers, "History of the mercury
  flask", Journal of Chemical Education 28 (1951) 127).

The spellings a price or a file may use ("pound", "troy ounces", "tonne") are in
:data:`ALIASES`; context-bound abbreviations stay with their reader (the USGS importers read
"mt" as million metric tons, a price quote reads it as metric ton).
"""

from __future__ import annotations

# kilograms per unit (see the module docstring for each definition)
KG: dict[str, float] = {
    "kg": 1.0,
    "g": 1e-3,
    "t": 1e3,
    "lb": 0.45359237,
    "oz": 0.028349523125,  # lb / 16
    "troy oz": 0.0311034768,  # 480 grains of 64.79891 mg
    "short ton": 907.18474,  # 2 000 lb
    "long ton": 1016.0469088,  # 2 240 lb
    "flask": 34.47302012,  # 76 lb
}

# other spellings of the units above, compared in lower case without spaces, dots or a plural s
ALIASES: dict[str, str] = {
    "kilogram": "kg",
    "gram": "g",
    "tonne": "t",
    "metricton": "t",
    "pound": "lb",
    "ounce": "oz",
    "troyoz": "troy oz",
    "troyounce": "troy oz",
    "ozt": "troy oz",
    "shortton": "short ton",
    "longton": "long ton",
}


def canonical(unit: str) -> str | None:
    """The name in :data:`KG` of a spelling of a mass unit ("Pounds", "troy ounces",
    "tonne"), or None if it is not one."""
    if unit in KG:
        return unit
    key = unit.strip().lower().replace(" ", "").replace(".", "")
    for k in (key, key.removesuffix("s"), key.removesuffix("es")):
        if k in KG:
            return k
        if k in ALIASES:
            return ALIASES[k]
    return None


def factor(from_unit: str, to_unit: str) -> float:
    """How many ``to_unit`` make one ``from_unit`` (``factor("t", "lb")`` = 2 204.62...).

    Raises KeyError naming a unit that is not a mass unit (:func:`canonical`).
    """
    a, b = canonical(from_unit), canonical(to_unit)
    if a is None or b is None:
        raise KeyError(from_unit if a is None else to_unit)
    return KG[a] / KG[b]


def per_tonne(unit: str) -> float:
    """Units in one metric tonne (``per_tonne("lb")`` = 1000 / 0.45359237)."""
    return factor("t", unit)


def tonnes(unit: str) -> float:
    """Metric tonnes in one ``unit`` (``tonnes("kg")`` = 0.001)."""
    return factor(unit, "t")
