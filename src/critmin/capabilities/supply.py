"""Supply questions: production, concentration, dominance, control, the export-control
register, exposure, and the store's prices, reserves and import sources.

Each function answers what the command of the same name prints with ``--json``
(``critmin concentration cobalt --json`` = ``cm.concentration(mineral="cobalt").to_dict()``).
Figures come from the USGS Mineral Commodity Summaries (the edition is named in each answer,
its source ids in ``sources``); shares are fractions of 1, tonnes are metric tonnes.
"""

from __future__ import annotations

import datetime as dt
from typing import Any, ClassVar

from critmin.capabilities import inputs as arg
from critmin.capabilities.inputs import StorePath
from critmin.results import Result

STAGES = ("mine", "refine")


class Production(Result):
    """Production by country; table: ``rows`` (iso3, value in tonnes, flags, source_id)."""


class Concentration(Result):
    """Shares, HHI and top-3 of one mineral; table: ``shares`` (iso3, value t, share)."""


class ConcentrationAll(Result):
    """One row per mineral with data (HHI, top-3, China share, leader); table: the answer."""


class Dominance(Result):
    """Leader of each stage per mineral, China's shares; table: the answer."""


class Control(Result):
    """Ownership control; table: ``by_owner_iso3`` (``by="output"``) or ``by_project``."""


class Controls(Result):
    """The export-control register on a date; table: the answer (one row per control)."""

    DATES: ClassVar[tuple[str, ...]] = (
        "announced",
        "effective",
        "lifted",
        "status_on",
        "status_since",
        "status_until",
    )

    def dated_rows(self) -> list[dict[str, Any]]:
        """:meth:`rows` with the dates as ``datetime.date`` (``DATES``, and the date of the
        quota and rate in force): what a chart or a date comparison needs."""

        def day(value: Any) -> Any:
            return dt.date.fromisoformat(value) if isinstance(value, str) else value

        out = []
        for row in self.rows():
            row.update({k: day(row.get(k)) for k in self.DATES if k in row})
            for k in ("quota", "rate"):
                if isinstance(row.get(k), dict) and "date" in row[k]:
                    row[k]["date"] = day(row[k]["date"])
            out.append(row)
        return out


class ControlEvents(Result):
    """One control's dated event chain; table: ``events``."""


class Exposure(Result):
    """US exposure per mineral (score range); table: the answer."""


class Lookup(Result):
    """Prices (table ``rows``), reserves (``rows``), imports (``shares``), US supply
    (``rows``): the store's figures with their edition and sources."""


def production(
    *,
    mineral: str,
    stage: str = "mine",
    year: int | None = None,
    edition: str | None = None,
    path: StorePath = None,
) -> Production:
    """Production of ``mineral`` at ``stage`` by country in ``year`` (tonnes, USGS MCS).

    ``year`` defaults to the latest year with data, each year taken from the latest edition
    reporting it (or ``edition``). ``world_reported`` is the USGS world total, ``world_sum``
    the sum of the country rows. Source: USGS, Mineral Commodity Summaries (edition named).

    >>> import critmin as cm
    >>> res = cm.production(mineral="cobalt", year=2024, edition="usgs-mcs-2025")
    >>> res["world_reported"], res.rows()[0]["iso3"], res.rows()[0]["value"]
    (290000.0, 'COD', 220000.0)
    """
    from critmin.queries import production as engine

    m = arg.mineral(mineral, path)
    st = arg.choice(stage, STAGES, "stage")
    y = arg.year(year)
    req = {"mineral": m, "stage": st, "year": y, "edition": edition}
    ans = engine(m, st, y, path=path, edition=edition)
    return Production.of("production", req, ans, table=("rows",))


def concentration(
    *,
    mineral: str,
    stage: str = "mine",
    year: int | None = None,
    edition: str | None = None,
    path: StorePath = None,
) -> Concentration:
    """Shares, Herfindahl-Hirschman index and top-3 share of one mineral at one stage.

    share_c = q_c / W, with W the larger of the reported world total and the sum of country
    rows (tonnes); HHI = sum_c (100 x share_c)^2 over single countries (0-10 000; ``hhi_band``
    is the US DOJ/FTC 2023 merger guidelines' band: above 1 800 high, 1 000-1 800
    moderate, below that low); top-3 = the
    three largest shares summed. Withheld (W) and missing rows get no share. Source: USGS
    MCS world production tables (the edition in ``edition``).

    >>> import critmin as cm
    >>> res = cm.concentration(mineral="cobalt", year=2024, edition="usgs-mcs-2025")
    >>> res["leader"], round(res["leader_share"], 3), round(res["hhi"])
    ('COD', 0.759, 5867)
    """
    from critmin.supply import concentration as engine

    m = arg.mineral(mineral, path)
    st = arg.choice(stage, STAGES, "stage")
    y = arg.year(year)
    req = {"mineral": m, "stage": st, "year": y, "edition": edition}
    ans = engine(m, st, y, path=path, edition=edition)
    return Concentration.of("concentration", req, ans, table=("shares",))


def concentration_all(
    *,
    stage: str = "mine",
    year: int | None = None,
    edition: str | None = None,
    path: StorePath = None,
) -> ConcentrationAll:
    """:func:`concentration` of every mineral with data at ``stage``, by HHI (highest
    first); a mineral without a figure says why in ``reason`` (``critmin concentration
    --all``).

    >>> import critmin as cm
    >>> rows = cm.concentration_all(stage="refine", edition="usgs-mcs-2025").rows()
    >>> next(r["leader"] for r in rows if r["mineral"] == "gallium")
    'CHN'
    """
    from critmin.supply import concentration_all as engine

    st = arg.choice(stage, STAGES, "stage")
    y = arg.year(year)
    ans = engine(st, y, path=path, edition=edition)
    return ConcentrationAll.of(
        "concentration_all", {"stage": st, "year": y, "edition": edition}, ans
    )


def dominance(*, year: int | None = None, path: StorePath = None) -> Dominance:
    """Per mineral: the leading country at the mine and at the refinery with its share, and
    whether China leads both (dual dominance). Shares as in :func:`concentration`.

    >>> import critmin as cm
    >>> row = next(r for r in cm.dominance().rows() if r["mineral"] == "cobalt")
    >>> row["mine_leader"], row["refine_leader"]
    ('COD', 'CHN')
    """
    from critmin.supply import dominance as engine

    y = arg.year(year)
    return Dominance.of("dominance", {"year": y}, engine(y, path=path))


def control(
    *,
    mineral: str,
    host: str | None = None,
    year: int | None = None,
    on: str | dt.date | None = None,
    by: str = "output",
    nationality: str = "CHN",
    path: StorePath = None,
) -> Control:
    """Who controls a mineral's mine output, by owner nationality (``by="output"``), or the
    share of ``host``'s registered projects with a ``nationality`` stake (``by="projects"``).

    control_n = sum_a output_a x stake_{a,n} / production (of ``host``, or the world), with
    the stakes in force on ``on`` (default: the end of the output year) applied to ``year``'s
    output (tonnes); the rest is ``unattributed_share``. Sources: company filings and
    reports named per stake in ``sources``; production from USGS MCS.

    >>> import critmin as cm
    >>> res = cm.control(mineral="cobalt", host="CD", year=2024)
    >>> res["host_iso3"], res.rows()[0]["iso3"]
    ('COD', 'CHN')
    """
    from critmin.supply import control as by_output
    from critmin.supply import project_control

    m = arg.mineral(mineral, path)
    h = arg.country(host, "host", path)
    y = arg.year(year)
    d = arg.day(on, "on")
    kind = arg.choice(by, ("output", "projects"), "by")
    nat = arg.country(nationality, "nationality", path)
    req = {"mineral": m, "host": h, "year": y, "on": d, "by": kind, "nationality": nat}
    if kind == "projects":
        if h is None:
            from critmin.errors import InputError

            raise InputError('by="projects" needs a host', field="host", value=host)
        ans = project_control(h, m, d, y, nat or "CHN", path=path)
        return Control.of("control", req, ans, table=("by_project",))
    return Control.of("control", req, by_output(m, h, y, d, path=path), table=("by_owner_iso3",))


def controls(
    *,
    country: str | None = None,
    on: str | dt.date | None = None,
    mineral: str | None = None,
    measure: str | None = None,
    status: str | None = None,
    path: StorePath = None,
) -> Controls:
    """The export-control register, each control with its status on ``on`` (default today)
    from its dated event chain (announced, active, suspended, unconfirmed, lifted, not_yet).
    With ``on``, only controls that exist that day. Each control and each of its events
    names its source (``source_id``; ``critmin controls show`` prints them).

    >>> import critmin as cm
    >>> rows = cm.controls(country="China", on="2024-01-01", mineral="gallium").rows()
    >>> sorted({r["imposing_iso3"] for r in rows})
    ['CHN']
    """
    from critmin.control_chain import STATUSES
    from critmin.schema import MEASURES
    from critmin.supply import controls as engine

    c = arg.country(country, "country", path)
    d = arg.day(on, "on")
    m = None if mineral is None else arg.mineral(mineral, path)
    meas = arg.choice(measure, MEASURES, "measure")
    st = arg.choice(status, STATUSES, "status")
    req = {"country": c, "on": d, "mineral": m, "measure": meas, "status": st}
    ans = engine(c, d, m, path=path, measure=meas, status=st)
    return Controls.of("controls", req, ans)


def control_events(
    *, control_id: str, on: str | dt.date | None = None, path: StorePath = None
) -> ControlEvents:
    """One export control (``critmin controls show``): its events in date order, each with
    its source, and its status on ``on`` (default today).

    >>> import critmin as cm
    >>> res = cm.control_events(control_id="chn-2024-046-us-dual-use-ban", on="2025-01-01")
    >>> res["imposing_iso3"], res["status_on"]
    ('CHN', '2025-01-01')
    """
    from critmin.supply import control_events as engine

    d = arg.day(on, "on")
    ans = engine(control_id, d, path=path)
    return ControlEvents.of(
        "control_events", {"control_id": control_id, "on": d}, ans, table=("events",)
    )


def exposure(
    *, on: str | dt.date | None = None, sector: str | None = None, path: StorePath = None
) -> Exposure:
    """US exposure to export controls per mineral, highest score first, as a range.

    score = NIR x C x w: NIR the latest US net import reliance (fraction; USGS MCS), C the
    largest over mine and refine of the world shares of countries with a control in force
    on ``on`` (low: active controls; high: also unconfirmed ones), w the end-use weight of
    ``sector`` (1 without). Dimensionless, 0-1.

    >>> import critmin as cm
    >>> row = next(r for r in cm.exposure(on="2025-06-01").rows() if r["mineral"] == "gallium")
    >>> row["net_import_reliance"], row["score_low"] > 0.9
    (1.0, True)
    """
    from critmin.supply import exposure as engine

    d = arg.day(on, "on")
    return Exposure.of("exposure", {"on": d, "sector": sector}, engine(d, sector, path=path))


def prices(*, mineral: str, edition: str | None = None, path: StorePath = None) -> Lookup:
    """Published prices of ``mineral`` as the source prints them (each product, market,
    period; currency per unit in ``currency`` and ``unit``), from the edition named in
    ``edition``; each row's source is listed in ``sources``. Table: ``rows``.

    >>> import critmin as cm
    >>> res = cm.prices(mineral="cobalt", edition="usgs-mcs-2025")
    >>> res["edition"], len(res.rows()) > 0
    ('usgs-mcs-2025', True)
    """
    from critmin.lookups import prices as engine

    m = arg.mineral(mineral, path)
    return Lookup.of(
        "prices", {"mineral": m, "edition": edition}, engine(m, edition, path), table=("rows",)
    )


def reserves(
    *,
    mineral: str,
    year: int | None = None,
    edition: str | None = None,
    path: StorePath = None,
) -> Lookup:
    """Reserves of ``mineral`` by country (unit in ``unit``, usually tonnes of content),
    with the reported world total and the sum of countries. Source: USGS MCS. Table: ``rows``.

    >>> import critmin as cm
    >>> res = cm.reserves(mineral="cobalt", year=2024, edition="usgs-mcs-2025")
    >>> res["world_reported"], res.rows()[0]["iso3"]
    (11000000.0, 'COD')
    """
    from critmin.lookups import reserves as engine

    m = arg.mineral(mineral, path)
    y = arg.year(year)
    req = {"mineral": m, "year": y, "edition": edition}
    return Lookup.of("reserves", req, engine(m, y, edition, path), table=("rows",))


def imports(*, mineral: str, edition: str | None = None, path: StorePath = None) -> Lookup:
    """Where US imports of ``mineral`` come from: shares by source country (%, table
    ``shares``) and the major sources USGS names each year (``by_year``). Source: USGS MCS.

    >>> import critmin as cm
    >>> res = cm.imports(mineral="gallium", edition="usgs-mcs-2025")
    >>> res["mineral"], sum(s["share_pct"] for s in res.rows()) <= 100.5
    ('gallium', True)
    """
    from critmin.lookups import imports as engine

    m = arg.mineral(mineral, path)
    return Lookup.of(
        "imports", {"mineral": m, "edition": edition}, engine(m, edition, path), table=("shares",)
    )


def us_supply(*, mineral: str, edition: str | None = None, path: StorePath = None) -> Lookup:
    """US production, trade, apparent consumption, net import reliance (%) and price by
    year (tonnes; USGS MCS salient statistics), with import shares by source. Table: ``rows``.

    >>> import critmin as cm
    >>> res = cm.us_supply(mineral="gallium", edition="usgs-mcs-2025")
    >>> {r["year"] for r in res.rows()} >= {2020, 2024}
    True
    """
    from critmin.queries import us_supply as engine

    m = arg.mineral(mineral, path)
    ans = engine(m, path=path, edition=edition)
    return Lookup.of("us_supply", {"mineral": m, "edition": edition}, ans, table=("rows",))


def control_statuses() -> tuple[str, ...]:
    """The statuses an export control can have on a day (its event chain's states), the
    values ``controls(status=...)`` accepts."""
    from critmin.control_chain import STATUSES

    return tuple(STATUSES)
