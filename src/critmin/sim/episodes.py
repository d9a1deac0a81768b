"""Observed export-control episodes and their price multipliers (the backtest's ground truth).

Two bundled tables, ``sim/data/backtest_episodes.csv`` (one row per episode: start, the
measures in force with their export-control register ids and dates) and
``sim/data/backtest_cases.csv`` (one row per mineral and episode: the price series, its market,
the price in the year before and the year after, each with its source id and edition).

Observed multiplier = P_after / P_before, dimensionless, where P is the annual average price
of one series (same product, same market, same edition) in the calendar year before the year
the measure starts and in the first calendar year with at least six months of the measure in
force. The 2010 replay is the exception: the bundled tables hold no 2010 or 2011 annual
average, so its after price is the Q2 2011 average (``after_basis`` = quarter_proxy).
Every price is a row of the bundled prices tables (``data/reference/prices/*.csv``): the test
suite checks each against its source line. All the series are prices paid outside China
(Rotterdam, Europe, CIF, FOB export, US import unit value); none is a Chinese domestic quote.
"""

from __future__ import annotations

import csv
import datetime as dt
import math
import re
from dataclasses import dataclass
from pathlib import Path

DATA = Path(__file__).parent / "data"
CASES_CSV = DATA / "backtest_cases.csv"
EPISODES_CSV = DATA / "backtest_episodes.csv"
FLOWS_CSV = DATA / "backtest_export_flows.csv"
MAX_FLOW = 4.0  # a monthly export flow above 4x the base rate is taken for a data error
MAX_STOCKS = 24.0  # months of ROW demand: more is taken for a data error
SOURCED = ("stocks_months", "draw_rate")  # a case value must cite a source
PRICES_DIR = Path(__file__).parents[1] / "data" / "reference" / "prices"
SOURCE_ID = re.compile(r"\b(?:xh|fm)-[a-z0-9-]+[a-z0-9]")  # a source id cited inside a basis text
NOT_COUNTED = "not counted: no sourced figure"  # row_secondary_basis when the cell is empty
UNDER_MEASURE = "the priced product is under the measure"  # controlled_basis when empty


@dataclass(frozen=True)
class Measure:
    """One measure in force: kind, register id (or scenario name), start date.

    Kinds: "quota", "licence", "ban_usa" (the episodes), and "withhold" (a scenario: the
    share withheld, the leakage and the duration in months, each a (low, high) range).
    """

    kind: str
    control_id: str
    start: dt.date
    withheld: tuple[float, float] | None = None
    leakage: tuple[float, float] | None = None
    months: tuple[float, float] | None = None


@dataclass(frozen=True)
class FlowStep:
    """China's observed export volume from ``start`` on, as a share of the before-year rate.

    Dimensionless; (low, high) is a range the Monte Carlo draws from (low == high for a
    figure derived from customs data; a wider range is an ASSUMPTION, said in ``basis``).
    The step holds until the next step of the same episode and mineral.
    """

    start: dt.date
    low: float
    high: float
    basis: str
    source_ids: tuple[str, ...]
    mineral_id: str = ""  # "" = every mineral of the episode


@dataclass(frozen=True)
class Episode:
    episode_id: str
    title: str
    start: dt.date
    measures: tuple[Measure, ...]
    note: str
    flows: tuple[FlowStep, ...] = ()  # observed export flow (customs), when it is sourced


@dataclass(frozen=True)
class Case:
    """One mineral in one episode, with the observed annual-average multiplier."""

    case_id: str
    episode: Episode
    mineral_id: str
    product: str
    market: str
    market_note: str
    unit: str
    before_period: str
    price_before: float
    before_source: str
    before_edition: str
    after_period: str
    price_after: float
    after_source: str
    after_edition: str
    after_basis: str
    china_share: tuple[float, float]
    china_share_basis: str
    # which model price the series follows: "row" (outside China) or "china" (domestic)
    price_follows: str = "row"
    price_follows_basis: str = "a price paid outside China"
    # China's exports over its output in the before year; None: Params.export_share (ASSUMPTION)
    export_share: tuple[float, float] | None = None
    export_share_basis: str = ""
    # ROW secondary (recycled) supply, a share of world primary output; (0, 0): not counted
    row_secondary: tuple[float, float] = (0.0, 0.0)
    row_secondary_basis: str = NOT_COUNTED
    # whether the episode's measures cover the priced product (False: the model withholds
    # nothing from it, e.g. indium metal while only indium compounds were licensed)
    controlled: bool = True
    controlled_basis: str = UNDER_MEASURE
    # what holders outside China did with their stocks in this episode, where a source says;
    # None: the Params ASSUMPTION range (stocks in months of ROW demand, draw rate a share)
    stocks_months: tuple[float, float] | None = None
    stocks_months_basis: str = ""
    draw_rate: tuple[float, float] | None = None
    draw_rate_basis: str = ""

    @property
    def flows(self) -> tuple[FlowStep, ...]:
        """The episode's observed export-flow steps for this case's mineral: the steps named
        for the mineral if there are any, else the steps for every mineral ("")."""
        own = tuple(f for f in self.episode.flows if f.mineral_id == self.mineral_id)
        return own or tuple(f for f in self.episode.flows if not f.mineral_id)

    @property
    def observed(self) -> float:
        """P_after / P_before (dimensionless)."""
        return self.price_after / self.price_before

    @property
    def before_year(self) -> int:
        return int(self.before_period[:4])

    @property
    def after_year(self) -> int:
        return int(self.after_period[:4])


def _measures(text: str) -> tuple[Measure, ...]:
    out = []
    for part in text.split("|"):
        kind, rest = part.split(":", 1)
        cid, day = rest.split("@", 1)
        out.append(Measure(kind, cid, dt.date.fromisoformat(day)))
    return tuple(out)


def export_flows() -> dict[str, tuple[FlowStep, ...]]:
    """The observed export-flow steps of each episode (``backtest_export_flows.csv``), by date."""
    out: dict[str, list[FlowStep]] = {}
    with FLOWS_CSV.open(newline="", encoding="utf-8") as fh:
        for r in csv.DictReader(fh):
            step = FlowStep(
                dt.date.fromisoformat(r["from"]),
                float(r["flow_low"]),
                float(r["flow_high"]),
                r["basis"],
                tuple(r["source_ids"].split("|")),
                r["mineral_id"],
            )
            out.setdefault(r["episode_id"], []).append(step)
    return {k: tuple(sorted(v, key=lambda f: f.start)) for k, v in out.items()}


def episodes() -> dict[str, Episode]:
    """The bundled episodes by id, each with its observed export flows (if any)."""
    flows = export_flows()
    with EPISODES_CSV.open(newline="", encoding="utf-8") as fh:
        return {
            r["episode_id"]: Episode(
                r["episode_id"],
                r["title"],
                dt.date.fromisoformat(r["start"]),
                _measures(r["measures"]),
                r["note"],
                flows.get(r["episode_id"], ()),
            )
            for r in csv.DictReader(fh)
        }


def _pair(low: str, high: str) -> tuple[float, float] | None:
    """A (low, high) range from two CSV cells; None when both are empty."""
    if not low and not high:
        return None
    return float(low), float(high)


def _yes_no(cell: str, case_id: str) -> bool:
    """The ``controlled`` cell: "" or "yes" is True, "no" is False; anything else is an error."""
    if cell not in ("", "yes", "no"):
        raise ValueError(f"{case_id}: controlled must be yes, no or empty, not {cell!r}")
    return cell != "no"


def cases() -> list[Case]:
    """The bundled backtest cases, in file order."""
    eps = episodes()
    out = []
    with CASES_CSV.open(newline="", encoding="utf-8") as fh:
        for r in csv.DictReader(fh):
            out.append(
                Case(
                    case_id=r["case_id"],
                    episode=eps[r["episode_id"]],
                    mineral_id=r["mineral_id"],
                    product=r["product"],
                    market=r["market"],
                    market_note=r["market_note"],
                    unit=r["unit"],
                    before_period=r["before_period"],
                    price_before=float(r["price_before"]),
                    before_source=r["before_source"],
                    before_edition=r["before_edition"],
                    after_period=r["after_period"],
                    price_after=float(r["price_after"]),
                    after_source=r["after_source"],
                    after_edition=r["after_edition"],
                    after_basis=r["after_basis"],
                    china_share=(float(r["china_share_low"]), float(r["china_share_high"])),
                    china_share_basis=r["china_share_basis"],
                    price_follows=r["price_follows"],
                    price_follows_basis=r["price_follows_basis"],
                    export_share=_pair(r["export_share_low"], r["export_share_high"]),
                    export_share_basis=r["export_share_basis"],
                    row_secondary=_pair(r["row_secondary_low"], r["row_secondary_high"])
                    or (0.0, 0.0),
                    row_secondary_basis=r["row_secondary_basis"] or NOT_COUNTED,
                    controlled=_yes_no(r["controlled"], r["case_id"]),
                    controlled_basis=r["controlled_basis"] or UNDER_MEASURE,
                    stocks_months=_pair(r["stocks_months_low"], r["stocks_months_high"]),
                    stocks_months_basis=r["stocks_months_basis"],
                    draw_rate=_pair(r["draw_rate_low"], r["draw_rate_high"]),
                    draw_rate_basis=r["draw_rate_basis"],
                )
            )
    return out


def price_rows() -> list[dict[str, str]]:
    """Every row of the bundled prices tables (the importers' output)."""
    rows: list[dict[str, str]] = []
    for path in sorted(PRICES_DIR.glob("*.csv")):
        with path.open(newline="", encoding="utf-8") as fh:
            rows += [{**r, "file": path.name} for r in csv.DictReader(fh)]
    return rows


def source_row(
    mineral: str, product: str, period: str, edition: str, source: str
) -> dict[str, str] | None:
    """The prices-table row a case's price comes from, or None if there is none.

    The product must match exactly, or the table's product must be the case product without
    its purity suffix (the Lynas Q2 2011 rows read "lanthanum oxide" for "lanthanum oxide, 99%").
    """
    hits = [
        r
        for r in price_rows()
        if r["mineral_id"] == mineral
        and r["period"] == period
        and r["edition"] == edition
        and r["source_id"] == source
    ]
    exact = [r for r in hits if r["product"] == product]
    loose = [r for r in hits if product.split(",")[0] == r["product"]]
    found = exact or loose
    return found[0] if found else None


def check_against_prices() -> list[str]:
    """Problems: a case price that is not exactly a row of the bundled prices tables."""
    problems = []
    for c in cases():
        for period, price, src, ed in (
            (c.before_period, c.price_before, c.before_source, c.before_edition),
            (c.after_period, c.price_after, c.after_source, c.after_edition),
        ):
            row = source_row(c.mineral_id, c.product, period, ed, src)
            if row is None:
                problems.append(f"{c.case_id}: no prices row {c.mineral_id}/{period}/{ed}")
            elif not math.isclose(float(row["price"]), price, rel_tol=1e-12):
                problems.append(f"{c.case_id}: {period} price {price} != table {row['price']}")
    return problems


def check_flows_and_markets(source_ids: set[str]) -> list[str]:
    """Problems in the export-flow steps and the cases' price markets: a flow outside
    [0, MAX_FLOW]
    or with low > high, a step before its episode's before year, a source id missing from
    ``source_ids`` (the sources tables), a ``price_follows`` other than "row" or "china", a
    case's export share, secondary supply or draw rate outside [0, 1] or stocks outside
    [0, MAX_STOCKS] months, a case marked as not controlled or given its own stocks or draw
    rate without a source id, or a case basis citing an unknown source id."""
    problems = []
    eps = episodes()
    minerals = {(c.episode.episode_id, c.mineral_id) for c in cases()}
    for eid, steps in export_flows().items():
        if eid not in eps:
            problems.append(f"export flows: unknown episode {eid!r}")
        problems += [
            f"{eid}: flow step for {st.mineral_id!r}, not a case of the episode"
            for st in steps
            if st.mineral_id and (eid, st.mineral_id) not in minerals
        ]
        for st in steps:
            if not 0.0 <= st.low <= st.high <= MAX_FLOW:
                problems.append(f"{eid} {st.start}: flow {st.low}-{st.high} not in [0, {MAX_FLOW}]")
            problems += [
                f"{eid} {st.start}: source {s!r} not in the sources tables"
                for s in st.source_ids
                if s not in source_ids
            ]
    for c in cases():
        if c.price_follows not in ("row", "china"):
            problems.append(f"{c.case_id}: price_follows {c.price_follows!r} not row/china")
        if not c.controlled and not SOURCE_ID.search(c.controlled_basis):
            problems.append(f"{c.case_id}: controlled 'no' without a source id")
        for name, rng, basis, top in (
            ("export_share", c.export_share, c.export_share_basis, 1.0),
            ("row_secondary", c.row_secondary, c.row_secondary_basis, 1.0),
            ("controlled", None, c.controlled_basis, 1.0),
            ("stocks_months", c.stocks_months, c.stocks_months_basis, MAX_STOCKS),
            ("draw_rate", c.draw_rate, c.draw_rate_basis, 1.0),
        ):
            if rng is not None and not 0.0 <= rng[0] <= rng[1] <= top:
                problems.append(f"{c.case_id}: {name} {rng} not a range in [0, {top:g}]")
            if rng is not None and name in SOURCED and not SOURCE_ID.search(basis):
                problems.append(f"{c.case_id}: {name} set without a source id")
            problems += [
                f"{c.case_id}: {name} source {s!r} not in the sources tables"
                for s in SOURCE_ID.findall(basis)
                if s not in source_ids
            ]
        for st in c.flows:
            if st.start.year < c.before_year:
                problems.append(f"{c.case_id}: flow step {st.start} before the before year")
    return problems
