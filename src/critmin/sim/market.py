"""A structural short-run market model of an export control: two prices, monthly (issue 21).

Quantities are shares of world consumption at the base price (dimensionless), time is months
on a grid t = 0 .. T-1 from 1 January of the year before the measure, prices are multiples of
the base price P/P0 (dimensionless). Per Monte Carlo draw:

- China produces c of world primary supply (China's share, sourced per case or an ASSUMPTION
  range) and exports the share x of it (sourced per case where China's exports and output are
  both known, else an ASSUMPTION range); the rest of the world (ROW) also recovers rho
  (secondary, recycled supply, a share of world primary output; sourced per case, 0 where no
  figure was found) and consumes r = (1 - c) + rho + c x, of which s = (1 - c + rho)/r is its
  own supply and m = c x / r comes from China.
- Each measure k withholds w_k(t) of China's exports, of which lambda_k still reaches ROW
  through third countries (leakage / re-routing). The export flow is the share
  f(t) = prod_k (1 - w_k(t) (1 - lambda_k)) of its base level.
  * quota: w(t) = 1 - (half-year quota) / (2009 half-year rate), a step path from the sourced
    MOFCOM batches (:data:`QUOTA_2010_PATH`: H1 2010 0.111, H2 2010 0.682, H1 2011 0.424,
    H2 2011 0.372); the annual cut 0.3966 (2010 against 2009) hid the deep second-half cut;
  * licence regime: w = 1 - a(t), the approval rate a(t) = a_ss + (a_0 - a_ss) exp(-k/tau)
    moving from a_0 in the first month to a_ss over tau months (k: months in force);
  * ban_usa (a ban on one destination): w = u, the United States' share of China's exports.
  * observed flows: where China's customs export volumes after the measure are sourced
    (``sim/data/backtest_export_flows.csv``, one step per period, a share of the before-year
    rate), they replace the measures' terms: f(t) = f_obs + u (1 - f_obs), u the share of the
    fall that flows customs do not record make up (ASSUMPTION range). Exports through third
    countries are in China's customs totals already, so no re-routing is added. A flow above
    1 (a rush before the measure) is buying ahead: the excess m (f - 1) goes into ROW stocks
    and use takes f = 1.
- ROW inventories (consumers, traders, states) of S_0 months of ROW demand are drawn at the
  rate kappa x the lost imports m (1 - f(t)) while they last: d(t) = min(S(t), kappa m (1 - f)).
  S_0 and kappa are ASSUMPTION ranges (Params) unless a source says what holders did in the
  case's episode (Case.stocks_months, Case.draw_rate): gallium 2023, stocks outside China of
  two to three months, tapped while licences were awaited (CRU via Reuters, 2023-08-01), and
  consumers' stocks sustaining production through the halt (Bloomberg), so kappa = 1;
  graphite 2023-24, the November rush covering consumers to February (Fastmarkets), kappa = 1.
- Supply outside China answers with elasticity eta(t) = eta_lr min(1, max(0, k - L)/12) after
  a lag of L months; demand (use and substitution) with elasticity
  eps(t) = eps_sr (1 + (g - 1) min(1, k/24)) rising from eps_sr to g eps_sr over two years.
- Backstop (issue 21: caps are guards only): above a backstop multiple M_b the net demand on
  primary supply falls with a second, larger elasticity eps_b: use is destroyed or substituted,
  scrap is recycled, holders and states release stocks, idle capacity outside China restarts
  (the NYT on the 2011 rare-earth peak: users drew down inventories, switched materials and
  curtailed output; Argus on the 2025 antimony peak: new metal offers from Laos and Cambodia).
  ROW net demand is D(p) = exp(-eps p - eps_b max(0, p - ln M_b)). M_b is drawn log-uniformly
  between the smallest and the largest peak multiple observed under China's export controls
  (antimony Rotterdam about 5x its 2023 level, Argus 2024-05-23 and 2025-06-24; cerium oxide
  USD 170/kg in August 2011 against the 2009 FOB average 3.88, 44x, NYT 2011-11-16 and the
  Lynas table); eps_b is an ASSUMPTION range (0.5-2). Both ranges were set from these sources
  before the backtest was run with them, and not tuned on its score.
- ROW price p = ln(P/P0) clears  D(p) = s exp(eta p) + m f + d  (solved by bisection);
  China's domestic price q clears  (1 - x) exp(-eps q) + x (f + h (1 - f)) = exp(eta_c q):
  of the withheld exports x (1 - f) only the share 1 - h reaches China's own market and
  lowers its price; the share h is kept off it by output quotas, mine closures and state or
  producer stock buying (ASSUMPTION range 0.5-1). Basis: under the 2010-11 quota China's
  domestic rare-earth prices did not fall but doubled in the first quarter of 2011 (Xinhua,
  2011-03-30) while output was capped, the sector consolidated and Baotou bought stock to
  hold prices (Reuters, 2011-09-23). Until this change h was 0 (all withheld exports sold
  at home), which put China's price at half its base in the 2010 replay.
- The annual-average multiplier is mean(P, after year) / mean(P, before year); the observed
  one also carries ordinary year-to-year price noise: it is multiplied by exp(sigma sqrt(Y) z),
  z ~ N(0, 1), Y the years between the two windows, sigma the robust spread of one-year log
  price changes of all USGS MCS 2025 salient price series 2020-2023 (:func:`background_sigma`).
- Which price a case's series is compared with (``Case.price_follows``): the ROW price for
  every series paid outside China and for the FOB China export price under a binding quota
  (the quota holder keeps the rent, the buyer pays the ROW price); China's domestic price for
  the FOB China quotes of the 2025 licence regime (sourced: Europe's prices tripled while
  China's domestic prices stayed flat, SMM 2025-04-18).
- A case whose priced product the measures do not cover (``Case.controlled`` False, sourced:
  indium metal and molybdic oxide in February 2025, when only indium compounds and
  molybdenum powder were licensed) has nothing withheld: f(t) = 1, so the model says "no
  change" for it.
- ROW shortfall = 1 - D(p): the share of base ROW demand not met (averaged over the
  after window); the United States buys at the ROW price, so its shortfall share is the same
  (a one-destination ban reaches it through the ROW price and re-routing).

Caps are numerical guards only: P/P0 in [1/CAP, CAP]; the share of draws at a cap is reported.
"""

from __future__ import annotations

import csv
import math
from dataclasses import dataclass, field, replace
from typing import Any

import numpy as np
from numpy.typing import NDArray

from critmin.sim.episodes import Case, Measure

Arr = NDArray[np.float64]
FORECAST = "next-12-months"  # after window of a forecast (no observation)
CAP = 1.0e4  # numerical guard on P/P0 (a draw at the guard is counted, never hidden); 100 until
# this change, where 8-10 % of the 2025 rare-earth draws of the leave-one-out fold touched it
_LO, _HI = -math.log(CAP), math.log(CAP)
BISECT = 34  # bisection steps on ln P: bracket width 2 ln 1e4 / 2^34 < 1.1e-9


@dataclass(frozen=True)
class Range:
    """A parameter drawn uniformly in [low, high]; ``basis`` says where the range comes from."""

    low: float
    high: float
    basis: str

    def draw(self, rng: np.random.Generator, n: int) -> Arr:
        if self.low == self.high:
            return np.full(n, self.low)
        return rng.uniform(self.low, self.high, n)


A = "ASSUMPTION"
_HALF_2009 = 50145.0 / 2  # 2009 annual quota 50,145 t at an even half-year rate
# China's rare-earth export quota by half year against the 2009 rate (t): 2009 50,145 t
# (xc-inautonews-2012-re-quota); 30,258 t issued for 2010 by end-July of which the July second
# batch was 7,976 t (xc-smm-2010-re-quota, xh-chinadaily-2011-re-quota-2nd); first 2011 batch
# 14,446 t (xh-chinadaily-2010-re-quota-2011); second 2011 batch 15,738 t
# (xh-chinadaily-2011-re-quota-2nd). Leakage (exports above quota) stays the 2010 figure 0.4805.
QUOTA_2010_PATH: tuple[tuple[float, float], ...] = (
    (0.0, 1 - 22282.0 / _HALF_2009),  # H1 2010: 30,258 t issued by end-July less 7,976 t
    (6.0, 1 - 7976.0 / _HALF_2009),  # H2 2010: second batch 7,976 t
    (12.0, 1 - 14446.0 / _HALF_2009),  # H1 2011: first batch 14,446 t
    (18.0, 1 - 15738.0 / _HALF_2009),  # H2 2011: second batch 15,738 t
)


@dataclass(frozen=True)
class Params:
    """Every parameter of the model; two (eps_sr, a_ss) are fitted by the backtest."""

    eps_sr: float = 0.1  # median short-run demand elasticity (fitted; lognormal sigma below)
    eps_sigma: float = 0.3
    a_ss: float = 0.5  # centre of the licence approval rate reached (fitted; +-0.15 drawn)
    export_share: Range = Range(
        0.2,
        0.6,
        f"{A}: share of China's output exported (a case with sourced exports and"
        " output uses its own range, Case.export_share)",
    )
    stocks_months: Range = Range(
        1.0,
        4.0,
        f"{A}: ROW inventories, months of ROW demand (reported holdings span 40 days, KOMIR"
        " gallium, Reuters 2023-07-04, to about 6 months, Japanese gallium handlers, Yomiuri"
        " 2023-08-04; drawn at that span the backtest fails worse: docs, 8.3; a case with a"
        " sourced figure for all ROW uses its own range, Case.stocks_months)",
    )
    draw_rate: Range = Range(
        0.6,
        1.0,
        f"{A}: share of lost imports met from inventories while they last (0.3-0.9 until the"
        " export-flow change); a case whose sources say what holders did uses its own range"
        " (Case.draw_rate: gallium 2023 and graphite 2023-24, both 1)",
    )
    supply_elasticity: Range = Range(0.1, 0.5, f"{A}: ROW supply elasticity after ramp-up")
    supply_lag: Range = Range(6.0, 18.0, f"{A}: months before ROW supply responds")
    eps_growth: Range = Range(1.5, 3.0, f"{A}: two-year over short-run demand elasticity")
    approval_start: Range = Range(0.0, 0.3, f"{A}: licence approval rate, first month")
    approval_months: Range = Range(2.0, 6.0, f"{A}: months for approvals to settle")
    licence_leakage: Range = Range(0.05, 0.3, f"{A}: refused exports re-routed or smuggled")
    us_share: Range = Range(0.05, 0.2, f"{A}: US share of China's exports (ban_usa)")
    unrecorded: Range = Range(0.0, 0.2, f"{A}: share of an export fall not in customs data")
    ban_leakage: Range = Range(0.3, 0.8, f"{A}: US-bound flow re-routed via third countries")
    china_supply_elasticity: Range = Range(0.1, 0.5, f"{A}: China's supply elasticity")
    china_absorbed: Range = Range(
        0.5,
        1.0,
        f"{A}: share of the withheld exports kept off China's domestic market by output quotas,"
        " closures and state or producer stock buying (China's rare-earth prices doubled in"
        " Q1 2011 under the quota, Xinhua 2011-03-30; Baotou bought stock to hold prices,"
        " Reuters 2011-09-23: xh-xinhua-2011-ree-domestic-prices,"
        " xh-reuters-2011-baotou-stockpile)",
    )
    # backstop: drawn log-uniformly (module docstring; sources xh-argus-2024-antimony-record,
    # xh-argus-2025-antimony-softens, xh-nyt-2011-ree-prices-decline, px07-raremetalblog-lynas-2010)
    backstop_multiple: Range = Range(
        5.0,
        44.0,
        "observed peak multiples under China's export controls: antimony Rotterdam about 5x"
        " (Argus 2024-05-23, 2025-06-24) to cerium oxide 44x (NYT 2011-11-16; Lynas 2009 FOB);"
        " drawn log-uniformly",
    )
    backstop_elasticity: Range = Range(
        0.5,
        2.0,
        f"{A}: elasticity of ROW net demand above the backstop multiple (demand destruction,"
        " substitution, recycling, stock releases, idle capacity restarting outside China)",
    )
    # the 2010 quota: sourced (scenario chn-2010-ree-quota-replay)
    quota_cut: float = 0.3966
    quota_leakage: float = 0.4805
    # half-year quota path: (months from the measure's start, withheld share of the 2009 rate)
    quota_path: tuple[tuple[float, float], ...] = QUOTA_2010_PATH
    sigma: float = 0.0  # background yearly log-price noise; 0 = none (set by the backtest)

    def with_fit(self, eps_sr: float, a_ss: float) -> Params:
        return replace(self, eps_sr=eps_sr, a_ss=a_ss)


@dataclass(frozen=True)
class _Term:
    """One measure's draws: ``level`` is a_ss (licence) or the withheld share (quota, ban)."""

    kind: str
    start: float
    level: Arr
    a_0: Arr
    tau: Arr
    leakage: Arr
    end: Arr | None = None  # month the measure lifts (None: stays)


@dataclass
class CaseRun:
    """Draws of one case: multipliers per market, peak, shortfall, share at a cap."""

    case: Case
    row_mult: Arr  # ROW annual-average multiplier, model only
    observed_like: Arr  # the case's market (below) with background noise, as observed
    row_peak: Arr
    china_mult: Arr
    row_shortfall: Arr
    at_cap: float
    extra: dict[str, Any] = field(default_factory=dict)
    case_mult: Arr | None = None  # the multiplier of the market the case's series follows

    @property
    def compared(self) -> Arr:
        """The model multiplier the observation is compared to (ROW unless the case says)."""
        return self.row_mult if self.case_mult is None else self.case_mult


def _own(value: tuple[float, float] | None, basis: str, default: Range) -> Range:
    """The case's own sourced range where it has one, else the Params range (ASSUMPTION)."""
    return default if value is None else Range(*value, basis)


def _window(case: Case) -> tuple[int, int, int, int, int]:
    """Months [b0, b1) of the before window, [a0, a1) of the after window, grid length."""
    b0, b1 = 0, 12
    if case.after_period == FORECAST:  # the twelve months from the first measure
        a0 = int(min(_start_month(m, case.before_year) for m in case.episode.measures))
        return b0, b1, a0, a0 + 12, a0 + 12
    y = case.after_year - case.before_year
    if "-Q" in case.after_period:
        q = int(case.after_period[-1])
        a0 = 12 * y + 3 * (q - 1)
        a1 = a0 + 3
    else:
        a0, a1 = 12 * y, 12 * y + 12
    return b0, b1, a0, a1, a1


def _start_month(m: Measure, base_year: int) -> float:
    """Months from 1 January of ``base_year`` to the measure's start (fractional)."""
    return 12 * (m.start.year - base_year) + (m.start.month - 1) + (m.start.day - 1) / 30.4375


def _quota_withheld(path: tuple[tuple[float, float], ...], since: float) -> float:
    """Withheld share in force ``since`` months after the quota's start (step function)."""
    live = [w for m0, w in path if m0 <= since]
    return live[-1] if live else path[0][1]


@dataclass(frozen=True)
class _Observed:
    """Drawn observed export flows: step start months and levels (steps, draws)."""

    starts: tuple[float, ...]
    levels: Arr


def _observed_flows(case: Case, p: Params, rng: np.random.Generator, n: int) -> _Observed | None:
    """Draw the episode's observed export flows (customs), with unrecorded flows added back
    to a fall: f = f_obs + u (1 - f_obs) where f_obs < 1, u the unrecorded share (a rush,
    f_obs >= 1, is kept as recorded). None if the episode has no flows."""
    steps = case.flows
    if not steps:
        return None
    u = p.unrecorded.draw(rng, n)
    starts, levels = [], []
    for st in steps:
        f_obs = Range(st.low, st.high, st.basis).draw(rng, n)
        starts.append(
            12 * (st.start.year - case.before_year)
            + (st.start.month - 1)
            + (st.start.day - 1) / 30.4375
        )
        levels.append(np.where(f_obs < 1.0, f_obs + u * (1.0 - f_obs), f_obs))  # falls only
    return _Observed(tuple(float(m) for m in starts), np.array(levels))


def _flow_at(obs: _Observed, t: int) -> Arr:
    """Export flow in month t: the last observed step begun by then (1 before the first)."""
    live = [i for i, m0 in enumerate(obs.starts) if m0 <= t + 0.5]
    if not live:
        return np.ones(obs.levels.shape[1])
    out: Arr = obs.levels[live[-1]]
    return out


def net_demand(p: Arr, eps: Arr, p_back: Arr, eps_back: Arr) -> Arr:
    """ROW net demand on primary supply, a share of base demand (dimensionless), at the log
    price multiple p = ln(P/P0): exp(-eps p - eps_b max(0, p - ln M_b)), the short-run
    elasticity eps below the backstop multiple M_b = exp(p_back) and eps + eps_b above it
    (module docstring: sources of M_b, ASSUMPTION range of eps_b)."""
    out: Arr = np.exp(-eps * p - eps_back * np.maximum(p - p_back, 0.0))
    return out


def _bisect(fun: Any, lo: float, hi: float, n: int) -> Arr:
    """Root of a decreasing vectorised function on [lo, hi] (the bracket end if none)."""
    a, b = np.full(n, lo), np.full(n, hi)
    for _ in range(BISECT):
        mid = 0.5 * (a + b)
        pos = fun(mid) > 0
        a = np.where(pos, mid, a)
        b = np.where(pos, b, mid)
    out: Arr = 0.5 * (a + b)
    return out


def simulate_case(
    case: Case, params: Params, draws: int, rng: np.random.Generator, china: bool = True
) -> CaseRun:
    """Monte Carlo of one case (formulas: module docstring)."""
    n = draws
    p = params
    b0, b1, a0, a1, months = _window(case)
    c = Range(*case.china_share, case.china_share_basis).draw(rng, n)
    x = _own(case.export_share, case.export_share_basis, p.export_share).draw(rng, n)
    rho = Range(*case.row_secondary, case.row_secondary_basis).draw(rng, n)
    r = (1.0 - c) + rho + c * x
    s_own, m_imp = (1.0 - c + rho) / r, c * x / r
    stock = _own(case.stocks_months, case.stocks_months_basis, p.stocks_months).draw(rng, n)
    kappa = _own(case.draw_rate, case.draw_rate_basis, p.draw_rate).draw(rng, n)
    eta_lr = p.supply_elasticity.draw(rng, n)
    lag = p.supply_lag.draw(rng, n)
    eps0 = p.eps_sr * np.exp(p.eps_sigma * rng.standard_normal(n))
    growth = p.eps_growth.draw(rng, n)
    eta_c = p.china_supply_elasticity.draw(rng, n)
    absorbed = p.china_absorbed.draw(rng, n)
    z = rng.standard_normal(n)
    observed = _observed_flows(case, p, rng, n)
    starts = [_start_month(m, case.before_year) for m in case.episode.measures]
    first = min(starts)
    terms: list[_Term] = []
    zero = np.zeros(n)
    for m, s0 in zip(case.episode.measures, starts, strict=True):
        if m.kind == "licence":
            lo_, hi_ = max(0.0, p.a_ss - 0.15), min(1.0, p.a_ss + 0.15)
            a_ss = rng.uniform(lo_, hi_, n) if hi_ > lo_ else np.full(n, lo_)
            a_0 = p.approval_start.draw(rng, n)
            tau = p.approval_months.draw(rng, n)
            terms.append(_Term(m.kind, s0, a_ss, a_0, tau, p.licence_leakage.draw(rng, n)))
        elif m.kind == "ban_usa":
            w = p.us_share.draw(rng, n)
            terms.append(_Term(m.kind, s0, w, zero, zero, p.ban_leakage.draw(rng, n)))
        elif m.kind == "quota":
            w, lam = np.full(n, p.quota_cut), np.full(n, p.quota_leakage)
            terms.append(_Term(m.kind, s0, w, zero, zero, lam))
        elif m.kind == "withhold" and m.withheld and m.leakage and m.months:
            w = Range(*m.withheld, "scenario").draw(rng, n)
            lam = Range(*m.leakage, "scenario").draw(rng, n)
            end = s0 + Range(*m.months, "scenario").draw(rng, n)
            terms.append(_Term(m.kind, s0, w, zero, zero, lam, end))
        else:
            raise ValueError(f"unknown measure kind {m.kind!r}")
    if not case.controlled:  # the priced product is outside the measures: nothing withheld
        terms, observed = [], None
    lo_b, hi_b = p.backstop_multiple.low, p.backstop_multiple.high
    p_back = Range(math.log(lo_b), math.log(hi_b), "log-uniform").draw(rng, n)
    eps_back = p.backstop_elasticity.draw(rng, n)
    prices = np.ones((months, n))
    cprices = np.ones((months, n))
    short = np.zeros((months, n))
    for t in range(months):
        f = np.ones(n)
        for term in [] if observed is not None else terms:
            begun = min(1.0, max(0.0, t + 1 - term.start))
            if begun == 0.0:
                continue
            inside: Arr | float = begun
            if term.end is not None:
                inside = begun * np.clip(term.end - t, 0.0, 1.0)
            k = max(0.0, t + 0.5 - term.start)
            if term.kind == "licence":
                approval = term.level + (term.a_0 - term.level) * np.exp(-k / term.tau)
                withheld = 1.0 - approval
            elif term.kind == "quota" and p.quota_path:
                withheld = np.full(n, _quota_withheld(p.quota_path, t - term.start))
            else:
                withheld = term.level
            f = f * (1.0 - inside * withheld * (1.0 - term.leakage))
        if observed is not None:
            f = _flow_at(observed, t)
            # buying ahead: imports above the base rate go into ROW stocks, not into use
            stock = stock + m_imp * np.maximum(f - 1.0, 0.0)
            f = np.minimum(f, 1.0)
        lost = m_imp * (1.0 - f)
        d = np.minimum(stock, kappa * lost)
        stock = stock - d
        k0 = max(0.0, t + 0.5 - first)
        eps = eps0 * (1.0 + (growth - 1.0) * min(1.0, k0 / 24.0))
        eta = eta_lr * np.clip((k0 - lag) / 12.0, 0.0, 1.0)
        flow = m_imp * f + d
        lp = _bisect(
            lambda q, e=eps, h=eta, fl=flow: (
                net_demand(q, e, p_back, eps_back) - s_own * np.exp(h * q) - fl
            ),
            _LO,
            _HI,
            n,
        )
        prices[t] = np.exp(lp)
        short[t] = 1.0 - net_demand(lp, eps, p_back, eps_back)
        if china or case.price_follows == "china":
            cq = _bisect(
                lambda q, e=eps, ff=f: (
                    (1 - x) * np.exp(-e * q) + x * (ff + absorbed * (1 - ff)) - np.exp(eta_c * q)
                ),
                _LO,
                0.0,
                n,
            )
            cprices[t] = np.exp(cq)
    before = prices[b0:b1].mean(axis=0)
    mult = prices[a0:a1].mean(axis=0) / before
    cmult = cprices[a0:a1].mean(axis=0) / cprices[b0:b1].mean(axis=0)
    years = (a0 + a1 - b0 - b1) / 24.0
    follows = cmult if case.price_follows == "china" else mult
    noisy = follows * np.exp(p.sigma * math.sqrt(years) * z)
    at_cap = float(np.mean((prices >= CAP * (1 - 1e-6)).any(axis=0)))
    return CaseRun(
        case=case,
        row_mult=mult,
        observed_like=noisy,
        row_peak=prices.max(axis=0),
        china_mult=cmult,
        row_shortfall=np.clip(short[a0:a1].mean(axis=0), 0.0, 1.0),
        at_cap=at_cap,
        case_mult=follows,
    )


def background_sigma() -> float:
    """Robust spread (1.4826 x MAD) of one-year log changes of USGS MCS 2025 salient prices.

    Every series (mineral, product, market) of ``prices/usgs_mcs2025.csv`` with annual
    values for consecutive years 2020-2023 contributes its changes 2020-21, 2021-22, 2022-23
    (years before the 2024 estimates). Dimensionless (log units per year).
    """
    from critmin.sim.episodes import PRICES_DIR

    series: dict[tuple[str, str, str], dict[int, float]] = {}
    with (PRICES_DIR / "usgs_mcs2025.csv").open(newline="", encoding="utf-8") as fh:
        for r in csv.DictReader(fh):
            if len(r["period"]) == 4 and r["price"] and float(r["price"]) > 0:
                key = (r["mineral_id"], r["product"], r["market"])
                series.setdefault(key, {})[int(r["period"])] = float(r["price"])
    changes = [
        math.log(v[y + 1] / v[y])
        for v in series.values()
        for y in (2020, 2021, 2022)
        if y in v and y + 1 in v
    ]
    arr = np.array(changes)
    return float(1.4826 * np.median(np.abs(arr - np.median(arr))))
