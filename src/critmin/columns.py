"""Column types of the table contracts (schema.py) and their limits, written once.

CSV cells arrive as strings: the parsers below turn an empty cell into a missing value, split
``|`` lists and read booleans. Text columns are bounded in length and refuse control
characters; numeric columns are bounded so that no figure can make a sum or a square overflow.
The CLI, every import and the HTTP API (api/models.py) use these same limits.
"""

from __future__ import annotations

import datetime as dt
import re
from typing import Annotated, Any

from pydantic import BeforeValidator, Field

# -- limits, written once: the CLI, the HTTP API (api/models.py) and every import share them ----

# Text. The longest bundled values (2026): a source note of 926 characters, a source title of
# 232, a URL of 227, an id of 37, a list of 16 items. The limits leave room for several times
# that and keep a row, a CSV cell and a terminal line of bounded size.
MAX_SLUG = 80  # ids: mineral_id, source_id, ledger id...
MAX_TEXT = 500  # one-line text: names, titles, agencies, recipients, products, units
MAX_URL = 2048  # the URL length every common browser and server accepts
MAX_NOTE = 4000  # notes, descriptions, claims, reasons
MAX_LIST = 300  # items of a list column (there are about 250 ISO 3166 codes)
# Numbers. The largest bundled figures: reserves of 7.4e10 t, a price of 71,100 (USD/t), a
# commitment of 1e11. The bounds are far above any real figure and keep every sum, square
# (HHI) and product (amount x FX) finite in float64, whatever the number of rows.
MAX_TONNES = 1e12  # a tonnage: world production of iron ore is about 2.5e9 t
MAX_PRICE = 1e10  # a price per unit in any currency (rhodium: about 5e8 USD/t)
MAX_FX = 1e4  # USD per unit of a currency (the strongest, KWD, is about 3.3)

_SLUG = r"^[a-z0-9][a-z0-9_.\-]*$"
_ISO3 = r"^[A-Z]{3}$"
# Unicode category Cc (C0, DEL, C1) except line feed and tab: a carriage return, ESC (ANSI
# escapes), the information separators that str.splitlines() breaks on, U+0085.
# (Cc is exactly U+0000-U+001F and U+007F-U+009F; test_text_limits checks it against unicodedata)
CONTROLS = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")


def no_controls(v: Any) -> Any:
    """``v``, unless it is text holding a control character: refused, naming it."""
    if isinstance(v, str) and (m := CONTROLS.search(v)):
        raise ValueError(
            f"control character U+{ord(m.group()):04X} is not allowed in text "
            "(only line feed and tab)"
        )
    return v


def _text_in(v: Any) -> Any:
    """A text cell: control characters refused (before any whitespace is stripped, so a
    trailing one is refused too), then an empty cell is a missing value."""
    return empty_to_none(no_controls(v))


def _text_list_in(v: Any) -> Any:
    if isinstance(v, list | tuple):
        for item in v:
            no_controls(item)
    return _split_list(no_controls(v))


def empty_to_none(v: Any) -> Any:
    if isinstance(v, str) and v.strip() == "":
        return None
    return v.strip() if isinstance(v, str) else v


def _split_list(v: Any) -> Any:
    if v is None:
        return []
    if isinstance(v, str):
        return [p.strip() for p in v.split("|") if p.strip()]
    try:
        return list(v)
    except TypeError:  # a number, say: not a list, and pydantic says so naming the field
        return v


def _parse_bool(v: Any) -> Any:
    if isinstance(v, str):
        s = v.strip().lower()
        if s in {"true", "1", "yes"}:
            return True
        if s in {"false", "0", "no", ""}:
            return False
    return v


Opt = Annotated[Any, BeforeValidator(empty_to_none)]
# (the constraints sit on the inner str so that pydantic reports "at most N characters")
Text = Annotated[
    Annotated[str, Field(min_length=1, max_length=MAX_TEXT)], BeforeValidator(_text_in)
]
OptText = Annotated[Annotated[str, Field(max_length=MAX_TEXT)] | None, BeforeValidator(_text_in)]
Url = Annotated[Annotated[str, Field(max_length=MAX_URL)] | None, BeforeValidator(_text_in)]
Note = Annotated[
    Annotated[str, Field(min_length=1, max_length=MAX_NOTE)], BeforeValidator(_text_in)
]
OptNote = Annotated[Annotated[str, Field(max_length=MAX_NOTE)] | None, BeforeValidator(_text_in)]
_SlugItem = Annotated[str, Field(pattern=_SLUG, max_length=MAX_SLUG)]
Slug = Annotated[_SlugItem, BeforeValidator(empty_to_none)]
OptSlug = Annotated[_SlugItem | None, BeforeValidator(empty_to_none)]
Iso3 = Annotated[str, BeforeValidator(empty_to_none), Field(pattern=_ISO3)]
OptIso3 = Annotated[Annotated[str, Field(pattern=_ISO3)] | None, BeforeValidator(empty_to_none)]
SlugList = Annotated[list[_SlugItem], BeforeValidator(_split_list), Field(max_length=MAX_LIST)]
Iso3List = Annotated[
    list[Annotated[str, Field(pattern=_ISO3)]],
    BeforeValidator(_split_list),
    Field(max_length=MAX_LIST),
]
TextList = Annotated[
    list[Annotated[str, Field(max_length=MAX_TEXT)]],
    BeforeValidator(_text_list_in),
    Field(max_length=MAX_LIST),
]
Bool = Annotated[bool, BeforeValidator(_parse_bool)]
OptFloat = Annotated[float | None, BeforeValidator(empty_to_none)]
Tonnes = Annotated[
    Annotated[float, Field(ge=0, le=MAX_TONNES, allow_inf_nan=False)] | None,
    BeforeValidator(empty_to_none),
]
PriceValue = Annotated[float, Field(ge=0, le=MAX_PRICE, allow_inf_nan=False)]
OptPriceValue = Annotated[PriceValue | None, BeforeValidator(empty_to_none)]
# a commitment in any currency: at most 10^15 units (far above any state package recorded,
# even in KRW or JPY), which keeps every USD sum finite
MAX_AMOUNT = 1e15
Money = Annotated[
    Annotated[float, Field(ge=0, le=MAX_AMOUNT, allow_inf_nan=False)] | None,
    BeforeValidator(empty_to_none),
]
Year = Annotated[int, BeforeValidator(empty_to_none), Field(ge=1900, le=2100)]
OptYear = Annotated[Annotated[int, Field(ge=1900, le=2100)] | None, BeforeValidator(empty_to_none)]
OptDate = Annotated[dt.date | None, BeforeValidator(empty_to_none)]
# A publication date may be known only to the month or year.
PartialDate = Annotated[
    Annotated[str, Field(pattern=r"^\d{4}(-\d{2}(-\d{2})?)?$")] | None,
    BeforeValidator(empty_to_none),
]
