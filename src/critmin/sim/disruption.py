"""Export-disruption scenarios (DESIGN.md section 6, Q6): definition, loading, engine, results.

A :class:`Scenario` (pydantic, YAML) names a restricting country, minerals, a stage, the share
of its exports withheld, a start, a duration distribution, leakage through third countries,
other producers' ramp-up, a demand elasticity, a stockpile release rule and a target economy.
:func:`resolve_inputs` reads the figures the engine needs from the store (production by
country, US supply, prices, end uses) and the bundled NDS inventory, falling back to figures
the scenario states with their sources; :func:`simulate` is the pure Monte Carlo engine.

Engine, per mineral and draw, on a monthly grid t = 0 .. H-1 (H = horizon in months):
- exposure a = share of target demand sourced from the restricting country
  = NIR x s_c (net import reliance x the country's share of world output at the stage), or
  the scenario's stated ``exposed_share``;
- lost_t = a x w x (1 - leakage) x o_t, with w the share of exports withheld and o_t the
  fraction of month t inside the disruption [0, D);
- replacement_t = min(lost_t, (1 - a) x g x max(0, t + 1/2 - lag) / 12): the rest of supply
  grows by g per year after a lag;
- gap_t = (lost_t - replacement_t) x C / 12 tonnes (C: apparent consumption, t/yr), filled
  first from commercial stocks bought ahead (``buffer_months`` x a x C / 12 tonnes);
- shortfall X = sum_t gap_t, before any stockpile release; shortfall share
  = X / (C x D_h / 12), D_h = min(D, H);
- price multiplier P/P0 = min(cap, (1 - y)^(-1/epsilon)), y the shortfall share left after the
  stockpile release rule (constant-elasticity demand Q = Q0 (P/P0)^-epsilon solved for P);
- days of cover = days from the start that the current stockpile S fills the whole shortfall
  (capped at the disruption's length within the horizon).
"""

from __future__ import annotations

import csv
import datetime as dt
import math
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Annotated, Any, Literal

import numpy as np
from numpy.typing import NDArray
from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from critmin import metrics
from critmin.defaults import SEED
from critmin.errors import InputError, NotFoundError

SCENARIO_DIR = Path(__file__).parent / "scenarios"
NDS_CSV = Path(__file__).parent / "data" / "nds_inventory.csv"
DAYS_PER_MONTH = 365.25 / 12
DEFAULT_SEED = SEED  # critmin.defaults
DEFAULT_DRAWS = 10_000
# parameters whose sourcing or assumption the scenario must write out in ``basis``
DOCUMENTED = (
    "withheld_share",
    "duration_months",
    "leakage",
    "buffer_months",
    "ramp_up",
    "elasticity",
    "price_cap",
)

Arr = NDArray[np.float64]


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, allow_inf_nan=False)


# -- uncertain parameters ----------------------------------------------------------------------


# every number a scenario states is at most this in size (tonnes, USD per tonne, months): far
# beyond any real market, and small enough that the engine's products stay finite
BIG = 1e12
Number = Annotated[float, Field(ge=-BIG, le=BIG)]


class Fixed(_Model):
    dist: Literal["fixed"]
    value: Number


class Uniform(_Model):
    dist: Literal["uniform"]
    low: Number
    high: Number

    @model_validator(mode="after")
    def _order(self) -> Uniform:
        if self.low > self.high:
            raise ValueError("low must not exceed high")
        return self


class Triangular(_Model):
    dist: Literal["triangular"]
    low: Number
    mode: Number
    high: Number

    @model_validator(mode="after")
    def _order(self) -> Triangular:
        if not self.low <= self.mode <= self.high:
            raise ValueError("need low <= mode <= high")
        return self


class Lognormal(_Model):
    """ln X ~ N(ln median, sigma^2)."""

    dist: Literal["lognormal"]
    median: float = Field(gt=0, le=BIG)
    sigma: float = Field(ge=0, le=5)


Dist = Annotated[Fixed | Uniform | Triangular | Lognormal, Field(discriminator="dist")]
Param = Number | Dist


def support(p: Param) -> tuple[float, float]:
    """Smallest and largest value a parameter can draw."""
    if isinstance(p, int | float):
        return float(p), float(p)
    if isinstance(p, Fixed):
        return p.value, p.value
    if isinstance(p, Lognormal):
        return (0.0 if p.sigma > 0 else p.median), (math.inf if p.sigma > 0 else p.median)
    return p.low, p.high


def draw(p: Param, rng: np.random.Generator, n: int) -> Arr:
    """n draws of a parameter (a number is a fixed value)."""
    if isinstance(p, int | float):
        return np.full(n, float(p))
    if isinstance(p, Fixed):
        return np.full(n, p.value)
    if isinstance(p, Uniform):
        return rng.uniform(p.low, p.high, n)
    if isinstance(p, Triangular):
        if p.low == p.high:
            return np.full(n, p.low)
        return rng.triangular(p.low, p.mode, p.high, n)
    return p.median * np.exp(p.sigma * rng.standard_normal(n))


# -- the scenario definition -------------------------------------------------------------------


class ScenarioSource(_Model):
    id: Annotated[str, Field(pattern=r"^[a-z0-9][a-z0-9_.\-]*$")]
    publisher: str = Field(min_length=1)
    title: str = Field(min_length=1)
    url: str | None = None
    published: str | None = None
    supports: str = Field(min_length=1, description="what figure of the scenario it backs")


class Figure(_Model):
    """A number the scenario states, with its source id and how it was derived."""

    value: float = Field(ge=0, le=BIG)
    source: str
    year: int | None = None
    note: str | None = None
    override: bool = Field(False, description="use it even where the store has a figure")


class MineralInputs(_Model):
    apparent_consumption_t: Figure | None = None
    net_import_reliance: Figure | None = None
    restrictor_share: Figure | None = None
    exposed_share: Figure | None = None
    price_usd_per_t: Figure | None = None
    stockpile_t: Figure | None = None
    withheld_share: Param | None = None


class RampUp(_Model):
    annual_growth: Param = 0.0
    lag_months: Param = 0.0


class StockpileRelease(_Model):
    rule: Literal["none", "cover_shortfall"] = "none"
    max_share_of_shortfall: float = Field(1.0, ge=0, le=1)


class Observation(_Model):
    """An observed outcome the scenario is checked against (calibration)."""

    mineral: str
    measure: Literal["price_multiplier"]
    low: float = Field(gt=0)
    high: float = Field(gt=0)
    source: str
    note: str


class Scenario(_Model):
    name: Annotated[str, Field(pattern=r"^[a-z0-9][a-z0-9_\-]*$")]
    title: str = Field(min_length=1)
    kind: Literal["event", "historical_replay"] = "event"
    restricting_iso3: Annotated[str, Field(pattern=r"^[A-Z]{3}$")]
    minerals: list[Annotated[str, Field(pattern=r"^[a-z0-9_]+$")]] = Field(min_length=1)
    stage: Literal["mine", "refine"]
    start: dt.date
    control_ids: list[str] = Field(default_factory=list)
    withheld_share: Param
    duration_months: Param
    horizon_months: float = Field(12.0, gt=0, le=120)
    leakage: Param = 0.0
    buffer_months: Param = Field(
        0.0, description="months of exposed supply held by users and traders at the start"
    )
    ramp_up: RampUp = RampUp()
    elasticity: Param
    price_cap: float = Field(30.0, ge=1, le=1e6)
    stockpile_release: StockpileRelease = StockpileRelease()
    target: Annotated[str, Field(pattern=r"^[A-Z]{3}$")] = "USA"
    base_year: int | None = Field(None, ge=1900, le=2100)
    inputs: dict[str, MineralInputs] = Field(default_factory=dict)
    basis: dict[str, str] = Field(default_factory=dict)
    observed: list[Observation] = Field(default_factory=list)
    sources: list[ScenarioSource] = Field(min_length=1)
    assumptions: str = Field(min_length=20)

    @model_validator(mode="after")
    def _consistent(self) -> Scenario:
        shares = [("withheld_share", self.withheld_share), ("leakage", self.leakage)]
        shares += [
            (f"inputs.{m}.withheld_share", i.withheld_share)
            for m, i in self.inputs.items()
            if i.withheld_share is not None
        ]
        for name, p in shares:
            lo, hi = support(p)
            if lo < 0 or hi > 1:
                raise ValueError(f"{name} must lie in [0, 1]")
        for name, p in [
            ("duration_months", self.duration_months),
            ("buffer_months", self.buffer_months),
            ("ramp_up.annual_growth", self.ramp_up.annual_growth),
            ("ramp_up.lag_months", self.ramp_up.lag_months),
        ]:
            if support(p)[0] < 0:
                raise ValueError(f"{name} must not be negative")
        for name, p, most in [
            ("duration_months", self.duration_months, 1200.0),
            ("buffer_months", self.buffer_months, 1200.0),
            ("ramp_up.lag_months", self.ramp_up.lag_months, 1200.0),
            ("ramp_up.annual_growth", self.ramp_up.annual_growth, 100.0),
            ("elasticity", self.elasticity, 100.0),
        ]:
            # a lognormal has no upper end: its median is held to the bound instead
            top = p.median if isinstance(p, Lognormal) else support(p)[1]
            if top > most:
                raise ValueError(f"{name} must not exceed {most:g}")
        if support(self.elasticity)[0] <= 0:
            raise ValueError("elasticity must be positive (absolute short-run elasticity)")
        ids = {s.id for s in self.sources}
        for m, inp in self.inputs.items():
            for fname in MineralInputs.model_fields:
                fig = getattr(inp, fname)
                if isinstance(fig, Figure) and fig.source not in ids:
                    raise ValueError(f"inputs.{m}.{fname}.source {fig.source!r} is not in sources")
        for ob in self.observed:
            if ob.source not in ids:
                raise ValueError(f"observed source {ob.source!r} is not in sources")
        missing = [p for p in DOCUMENTED if not self.basis.get(p)]
        if missing:
            raise ValueError("basis must state the source or assumption of " + ", ".join(missing))
        return self


# -- loading ------------------------------------------------------------------------------------


def bundled_names() -> list[str]:
    return sorted(p.stem for p in SCENARIO_DIR.glob("*.yaml"))


def _first_error(exc: ValidationError) -> tuple[str, str, object]:
    """Field path, message and input of the most telling validation error.

    A parameter may be a number or a distribution: when a mapping was given, the complaint of
    the number branch ("should be a valid number") is noise, so errors inside the mapping win;
    when a number was given, the number branch's complaint (out of range) wins.
    """
    number = ("float", "constrained-float")  # the number branch's tag in an error's loc
    in_number = [e for e in exc.errors() if set(number) & set(e["loc"])]
    # ...but when a number was given, the number branch says what is wrong with it
    given_number = [e for e in in_number if e["type"] not in ("float_type", "float_parsing")]
    errors = (
        given_number or [e for e in exc.errors() if not set(number) & set(e["loc"])] or exc.errors()
    )
    # a misspelt key explains a "field required" elsewhere: report it first
    err = min(errors, key=lambda e: {"extra_forbidden": 0, "missing": 2}.get(e["type"], 1))
    loc = ".".join(str(x) for x in err["loc"] if x not in number and "union[" not in str(x))
    return loc or "scenario", err["msg"].removeprefix("Value error, "), err.get("input")


def parse_scenario(data: object, file: str | None = None) -> Scenario:
    """Validate a mapping as a scenario; the first problem is one InputError naming the field."""
    if not isinstance(data, dict):
        raise InputError("a scenario must be a YAML mapping", file=file, value=type(data).__name__)
    try:
        return Scenario.model_validate(data)
    except ValidationError as exc:
        loc, msg, value = _first_error(exc)
        shown = value if isinstance(value, str | int | float | bool) else None
        # a whole-scenario check names its field first ("withheld_share must lie in [0, 1]")
        named = re.match(r"^([a-z_][a-z0-9_]*(?:\.[a-z0-9_]+)*) (?:must|is) ", msg)
        if loc == "scenario" and named:
            loc, shown = named.group(1), None
        raise InputError(msg, file=file, field=loc, value=shown) from None


def load_scenario(name_or_file: str | Path) -> Scenario:
    """A bundled scenario by name, or a scenario YAML file."""
    from critmin.memo import read_yaml  # kept per file state

    text = str(name_or_file)
    path = Path(text)
    if not (path.suffix in (".yaml", ".yml") or _exists(path)):
        path = SCENARIO_DIR / f"{text}.yaml"
        if not _is_file(path):
            raise NotFoundError(
                f"no scenario {text!r}; bundled: {', '.join(bundled_names())} (or give a file)"
            )
    if not _exists(path):
        raise InputError("no such file", field="scenario", value=text)
    return parse_scenario(read_yaml(path, field="scenario"), str(path))


def _exists(path: Path) -> bool:
    """Whether anything is at ``path`` (read_yaml refuses what is not a regular file)."""
    try:
        return path.exists()
    except OSError:
        return False


def _is_file(path: Path) -> bool:
    """``path.is_file()``, False for a name the OS refuses (too long, say) instead of raising."""
    try:
        return path.is_file()
    except OSError:
        return False


# -- inputs the engine reads ---------------------------------------------------------------------


@dataclass
class ResolvedInputs:
    """The figures of one mineral (or the group reporting for it), each with its provenance."""

    mineral: str
    members: list[str]
    reported_as: str | None = None
    consumption_t: float | None = None
    exposed_share: float | None = None
    price_usd_per_t: float | None = None
    stockpile_t: float | None = None
    withheld_share: Param | None = None
    sectors: list[dict[str, Any]] = field(default_factory=list)
    provenance: dict[str, dict[str, Any]] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)

    @property
    def missing(self) -> list[str]:
        out = []
        if self.consumption_t is None:
            out.append("apparent_consumption_t")
        if self.exposed_share is None:
            out.append("exposed_share (net import reliance x restricting country's share)")
        return out


def _nds_rows() -> dict[str, dict[str, str]]:
    with NDS_CSV.open(newline="", encoding="utf-8") as fh:
        return {r["mineral_id"]: r for r in csv.DictReader(fh)}


_LB, _OZT = 2204.62262, 32150.7466  # per tonne
_MASS = {"t": 1.0, "tonne": 1.0, "metricton": 1.0, "mt": 1.0, "kg": 1e3, "g": 1e6, "lb": _LB}
_MASS |= {"pound": _LB, "oz": _OZT, "troyoz": _OZT, "shortton": 1.10231131}


def usd_per_tonne(price: float, unit: str | None, currency: str = "USD") -> float | None:
    """Convert a price to USD per metric tonne ("USD/kg", "$/lb", "cents/lb", "kg" ...).

    Factors: 1 t = 1 000 kg = 2 204.62262 lb = 32 150.7466 troy oz. None if the unit or
    currency is not understood (the caller reports the price as missing, never guesses).
    """
    if unit is None or currency.upper() != "USD":
        return None
    u = unit.strip().lower().replace("dollars", "usd").replace("$", "usd")
    u = u.replace(" per ", "/").replace(" ", "")
    scale = 1.0
    if "/" in u:
        cur, u = u.split("/", 1)
        if cur in ("cents", "cent", "c", "usc"):
            scale = 0.01
        elif cur not in ("usd", "us", ""):
            return None
    factor = _MASS.get(u.removesuffix("s") if u not in _MASS else u)
    return None if factor is None else price * scale * factor


def _fig(f: Figure, unit: str) -> dict[str, Any]:
    return {
        "value": f.value,
        "unit": unit,
        "from": "scenario",
        "source": f.source,
        "year": f.year,
        "note": f.note,
    }


def _pick(
    store: tuple[float, dict[str, Any]] | None,
    fig: Figure | None,
    unit: str,
    name: str,
    inp: ResolvedInputs,
) -> float | None:
    """Store value unless the scenario overrides it; the scenario's figure as the fallback."""
    if fig is not None and (fig.override or store is None):
        inp.provenance[name] = _fig(fig, unit)
        return fig.value
    if store is not None:
        inp.provenance[name] = {"unit": unit, "from": "store", **store[1], "value": store[0]}
        return store[0]
    return None


def resolve_inputs(scenario: Scenario, path: Path | str | None = None) -> list[ResolvedInputs]:
    """Gather each mineral's figures: the store first, then what the scenario states.

    Reads ``us_supply`` (target USA only: apparent consumption t/yr, net import reliance,
    price), ``production`` (the restricting country's share of world output at the stage,
    through :func:`critmin.queries.production`), ``prices``, ``end_uses`` and the bundled NDS
    inventory. Members without figures of their own are answered by their group
    (``reported_as``) and members sharing a group are merged into one entry. A scenario figure
    marked ``override`` wins over the store. Nothing is guessed: an absent figure stays None
    and the mineral is reported as not computable.
    """
    from critmin.queries import minerals, production
    from critmin.store import read_table
    from critmin.us_exposure import latest_nir

    table = {r["mineral_id"]: r for r in minerals(path).to_dicts()}
    usa = scenario.target == "USA"
    supply = read_table("us_supply", path).to_dicts() if usa else []
    prices = read_table("prices", path).to_dicts()
    uses = read_table("end_uses", path).to_dicts()
    nds = _nds_rows() if usa else {}
    groups: dict[str, ResolvedInputs] = {}
    for i, m in enumerate(scenario.minerals):
        if m not in table:
            raise InputError("unknown mineral id", field=f"minerals.{i}", value=m)
        group = table[m]["reported_as"]
        own = any(r["mineral_id"] == m for r in supply) or m in scenario.inputs
        key = group if (group and not own) else m
        entry = groups.setdefault(key, ResolvedInputs(key, [], key if key != m else None))
        entry.members.append(m)
    for key, inp in groups.items():
        given = scenario.inputs.get(key) or next(
            (scenario.inputs[m] for m in inp.members if m in scenario.inputs), MineralInputs()
        )
        inp.withheld_share = given.withheld_share
        if inp.reported_as:
            inp.notes.append(
                f"{', '.join(inp.members)}: no figures of their own; "
                f"answered with the figures of the group {key!r}"
            )
        rows = [r for r in supply if r["mineral_id"] == key]
        year = scenario.base_year
        cons = [
            r
            for r in rows
            if r["apparent_consumption"] is not None and (year is None or r["year"] == year)
        ]
        row = max(cons, key=lambda r: (r["year"], r["source_id"])) if cons else None
        meta = {"year": row["year"], "source": row["source_id"]} if row else {}
        inp.consumption_t = _pick(
            (row["apparent_consumption"], meta) if row else None,
            given.apparent_consumption_t,
            "t/yr",
            "apparent_consumption_t",
            inp,
        )
        nir_row = latest_nir([r for r in rows if year is None or r["year"] == year])
        nir_store = None
        if nir_row is not None:
            v = (
                0.0
                if nir_row["nir_flag"] == "E"
                else (nir_row["net_import_reliance_pct"] or 0) / 100
            )
            nir_store = (
                v,
                {
                    "year": nir_row["year"],
                    "source": nir_row["source_id"],
                    "flag": nir_row["nir_flag"],
                },
            )
            if nir_row["nir_flag"] == ">":
                inp.notes.append("net import reliance is published as a lower bound ('>')")
        nir = _pick(nir_store, given.net_import_reliance, "fraction", "net_import_reliance", inp)
        share_store = None
        try:
            prod = production(key, scenario.stage, year, path)
            vals = {r["iso3"]: r["value"] for r in prod["rows"] if r["value"] is not None}
            # the denominator of critmin.concentration: max(world total, sum of countries)
            world, _ = metrics.world_total(vals, prod["world_reported"])
            hit = [r for r in prod["rows"] if r["iso3"] == scenario.restricting_iso3]
            if world > 0 and not (hit and hit[0]["value"] is None):
                share_store = (
                    min(1.0, (hit[0]["value"] if hit else 0.0) / world),
                    {"year": prod["year"], "source": prod["sources"][0], "stage": scenario.stage},
                )
        except (NotFoundError, InputError):
            pass
        share = _pick(share_store, given.restrictor_share, "fraction", "restrictor_share", inp)
        if given.exposed_share is not None:
            inp.exposed_share = given.exposed_share.value
            inp.provenance["exposed_share"] = _fig(given.exposed_share, "fraction")
        elif nir is not None and share is not None:
            inp.exposed_share = nir * share
            inp.provenance["exposed_share"] = {
                "value": nir * share,
                "unit": "fraction",
                "from": "net_import_reliance x restrictor_share",
            }
        price_store = None
        for r in sorted(rows, key=lambda r: -r["year"]):
            if year is not None and r["year"] != year:
                continue
            if r["price"] is not None and (p := usd_per_tonne(r["price"], r["price_unit"])):
                price_store = (
                    p,
                    {
                        "year": r["year"],
                        "source": r["source_id"],
                        "published": f"{r['price']} {r['price_unit']}",
                    },
                )
                break
        if price_store is None:
            annual = [
                r
                for r in prices
                if r["mineral_id"] == key
                and len(r["period"]) == 4
                and (year is None or r["period"] == str(year))
                and usd_per_tonne(r["price"], r["unit"], r["currency"])
            ]
            if annual:
                r = max(annual, key=lambda r: (r["period"], "average" in (r["market"] or "")))
                price_store = (
                    usd_per_tonne(r["price"], r["unit"], r["currency"]) or 0.0,
                    {"year": int(r["period"]), "source": r["source_id"], "product": r["product"]},
                )
        inp.price_usd_per_t = _pick(
            price_store, given.price_usd_per_t, "USD/t", "price_usd_per_t", inp
        )
        held = next((nds[m] for m in [key, *inp.members] if m in nds), None)
        nds_store = None
        if held is not None and held["quantity_t"].strip():
            nds_store = (
                float(held["quantity_t"]),
                {"as_of": held["as_of"], "source": held["source_url"], "file": "nds_inventory.csv"},
            )
        elif held is not None:
            inp.notes.append(f"National Defense Stockpile: {held['note']}")
        inp.stockpile_t = _pick(nds_store, given.stockpile_t, "t", "stockpile_t", inp)
        if inp.stockpile_t is None:
            inp.notes.append("no published stockpile figure: days of cover not computed")
        own_uses = [u for u in uses if u["mineral_id"] == key] or [
            u for u in uses if u["mineral_id"] in inp.members
        ]
        region = "USA" if any(u["region"] == "USA" for u in own_uses) else "WLD"
        inp.sectors = [
            {"sector": u["sector"], "share": u["share"], "region": region, "source": u["source_id"]}
            for u in sorted(own_uses, key=lambda u: -(u["share"] or 0))
            if u["region"] == region
        ]
    return list(groups.values())


# -- the engine -------------------------------------------------------------------------------


@dataclass
class MineralRun:
    """Draws of one mineral: gross shortfall (t), shares, price multiplier, days of cover."""

    inputs: ResolvedInputs
    shortfall_t: Arr
    shortfall_share: Arr
    price_multiplier: Arr
    days_cover: Arr | None
    outlasts: Arr | None


@dataclass
class ScenarioRun:
    scenario: Scenario
    draws: int
    seed: int
    runs: list[MineralRun]
    skipped: list[ResolvedInputs]

    def to_dict(self) -> dict[str, Any]:
        return summarise(self)


def _mineral_draws(
    sc: Scenario, inp: ResolvedInputs, common: dict[str, Arr], rng: np.random.Generator
) -> MineralRun:
    assert inp.consumption_t is not None and inp.exposed_share is not None
    n = common["duration"].size
    a = inp.exposed_share
    withheld = common["withheld"]
    if inp.withheld_share is not None:
        withheld = draw(inp.withheld_share, rng, n)
    lost_rate = a * withheld * (1.0 - common["leakage"])
    months = math.ceil(sc.horizon_months)
    monthly = inp.consumption_t / 12.0
    dur = np.minimum(common["duration"], sc.horizon_months)
    gross = np.zeros(n)
    released = np.zeros(n)
    left = np.full(n, inp.stockpile_t or 0.0)
    buffer = common["buffer"] * a * monthly  # commercial stocks of exposed supply, t
    covered = np.zeros(n)  # months the stockpile fully covers
    need = np.zeros(n)
    for t in range(months):
        inside = np.clip(dur - t, 0.0, 1.0)
        lost = lost_rate * inside
        grow = (1.0 - a) * common["growth"] * np.maximum(0.0, t + 0.5 - common["lag"]) / 12.0
        x_t = (lost - np.minimum(lost, grow)) * monthly
        from_buffer = np.minimum(x_t, buffer)
        buffer -= from_buffer
        x_t -= from_buffer
        gross += x_t
        if sc.stockpile_release.rule == "cover_shortfall":
            rel = np.minimum(x_t * sc.stockpile_release.max_share_of_shortfall, left)
            left -= rel
            released += rel
        # days of cover: the stock fills the whole shortfall until the cumulative need exceeds it
        stock = inp.stockpile_t or 0.0
        before = need.copy()
        need += x_t
        full = need <= stock
        part = np.where(x_t > 0, np.clip((stock - before) / np.where(x_t > 0, x_t, 1), 0, 1), 1)
        covered += np.where(full, inside, np.where(before < stock, part * inside, 0.0))
    demand = monthly * dur
    share = np.divide(gross, demand, out=np.zeros(n), where=demand > 0)
    net = np.divide(gross - released, demand, out=np.zeros(n), where=demand > 0)
    eps = common["elasticity"]
    with np.errstate(divide="ignore", over="ignore"):
        mult = np.where(net < 1.0, np.power(np.maximum(1.0 - net, 1e-300), -1.0 / eps), np.inf)
    mult = np.minimum(mult, sc.price_cap)
    days = outl = None
    if inp.stockpile_t is not None:
        days = covered * DAYS_PER_MONTH
        outl = (need <= inp.stockpile_t).astype(float)
    return MineralRun(inp, gross, share, mult, days, outl)


def simulate(
    scenario: Scenario,
    inputs: list[ResolvedInputs],
    draws: int = DEFAULT_DRAWS,
    seed: int = DEFAULT_SEED,
) -> ScenarioRun:
    """Monte Carlo of a scenario over ``draws`` joint draws (formulas: module docstring).

    Randomness: ``SeedSequence(seed).spawn(2)``; the first child draws the scenario-wide
    parameters (one event hits every mineral), the second is spawned once per mineral, in the
    order given, for per-mineral withheld shares. Same seed, same numbers.
    """
    from critmin.sim.rng import check_seed

    if draws < 1:
        raise InputError("need at least one draw", field="draws", value=draws)
    ss_common, ss_minerals = np.random.SeedSequence(check_seed(seed)).spawn(2)
    rng = np.random.default_rng(ss_common)
    common = {
        "withheld": draw(scenario.withheld_share, rng, draws),
        "duration": draw(scenario.duration_months, rng, draws),
        "leakage": draw(scenario.leakage, rng, draws),
        "buffer": draw(scenario.buffer_months, rng, draws),
        "growth": draw(scenario.ramp_up.annual_growth, rng, draws),
        "lag": draw(scenario.ramp_up.lag_months, rng, draws),
        "elasticity": draw(scenario.elasticity, rng, draws),
    }
    children = ss_minerals.spawn(len(inputs))
    runs, skipped = [], []
    for inp, child in zip(inputs, children, strict=True):
        if inp.missing:
            skipped.append(inp)
            continue
        runs.append(_mineral_draws(scenario, inp, common, np.random.default_rng(child)))
    return ScenarioRun(scenario, draws, seed, runs, skipped)


def stats(x: Arr) -> dict[str, float]:
    """Mean, median and 95th percentile of the draws."""
    return {
        "mean": float(np.mean(x)),
        "p50": float(np.percentile(x, 50)),
        "p95": float(np.percentile(x, 95)),
    }


def summarise(run: ScenarioRun) -> dict[str, Any]:
    """The JSON answer of `critmin scenario run`: per mineral, mean / p50 / p95 of each output."""
    sc = run.scenario
    minerals: list[dict[str, Any]] = []
    for r in run.runs:
        inp = r.inputs
        mean_t = float(np.mean(r.shortfall_t))
        minerals.append(
            {
                "mineral": inp.mineral,
                "members": inp.members,
                "reported_as": inp.reported_as,
                "computable": True,
                "shortfall_t": stats(r.shortfall_t),
                "shortfall_share": stats(r.shortfall_share),
                "price_multiplier": stats(r.price_multiplier),
                "price_share_at_cap": float(np.mean(r.price_multiplier >= sc.price_cap)),
                "days_cover": stats(r.days_cover) if r.days_cover is not None else None,
                "stockpile_t": inp.stockpile_t,
                "stockpile_outlasts_share": float(np.mean(r.outlasts))
                if r.outlasts is not None
                else None,
                "consumption_t": inp.consumption_t,
                "exposed_share": inp.exposed_share,
                "price_usd_per_t": inp.price_usd_per_t,
                "sectors": [
                    {
                        **s,
                        "shortfall_t_mean": mean_t * s["share"] if s.get("share") else None,
                    }
                    for s in inp.sectors
                ],
                "inputs": inp.provenance,
                "notes": inp.notes,
            }
        )
    for inp in run.skipped:
        minerals.append(
            {
                "mineral": inp.mineral,
                "members": inp.members,
                "reported_as": inp.reported_as,
                "computable": False,
                "missing": inp.missing,
                "inputs": inp.provenance,
                "notes": inp.notes,
            }
        )
    return {
        "scenario": sc.name,
        "title": sc.title,
        "draws": run.draws,
        "seed": run.seed,
        "target": sc.target,
        "restricting_iso3": sc.restricting_iso3,
        "stage": sc.stage,
        "horizon_months": sc.horizon_months,
        "price_cap": sc.price_cap,
        "stockpile_release": sc.stockpile_release.rule,
        "minerals": minerals,
        "sources": [s.model_dump() for s in sc.sources],
    }


def run_scenario(
    name_or_file: str | Path,
    draws: int = DEFAULT_DRAWS,
    seed: int = DEFAULT_SEED,
    path: Path | str | None = None,
) -> dict[str, Any]:
    """Load, resolve against the store and simulate a scenario; the summary as a dict.

    ``market_model`` adds the structural market model's forecast (critmin.sim.forecast) with
    its backtest scores; the other keys are the engine of this module (the shortfall in
    tonnes and days of cover, and the OLD price rule), labelled as such in ``price_rule``.
    """
    from critmin.sim.forecast import market_forecast

    sc = load_scenario(name_or_file)
    inputs = resolve_inputs(sc, path)
    out = simulate(sc, inputs, draws, seed).to_dict()
    out["price_rule"] = OLD_PRICE_RULE
    out["market_model"] = market_forecast(sc, inputs, seed)
    return out


OLD_PRICE_RULE = {
    "rule": "old",
    "formula": "P/P0 = min(cap, (1 - shortfall)^(-1/elasticity))",
    "label": (
        "OLD RULE, superseded for prices: price_multiplier is the one-elasticity rule tuned to "
        "2010, not the market model. Tested from outside on the 2023-25 episodes (issue 21) it "
        "was about 6.5 times too high on average (mean absolute log error 1.87 against 0.48 "
        "for 'prices do not change') and its cap decided many draws (price_share_at_cap). "
        "Read market_model for prices; shortfall tonnes and days of cover still come from "
        "this engine."
    ),
}


def list_scenarios() -> list[dict[str, Any]]:
    """The bundled scenarios, one line each."""
    out = []
    for name in bundled_names():
        sc = load_scenario(name)
        out.append(
            {
                "name": sc.name,
                "title": sc.title,
                "kind": sc.kind,
                "restricting_iso3": sc.restricting_iso3,
                "minerals": sc.minerals,
                "stage": sc.stage,
                "start": sc.start,
                "target": sc.target,
                "sources": len(sc.sources),
            }
        )
    return out
