"""The floor's cost as a band: long-run price level x volume, nominal and present value.

For each long-run level L (USD/kg, the OU theta_level) and volume schedule V (tonnes a year)
of the definition's ``band``, the contract as written (critmin.sim.floor_vr: averaged
reference price, upside share) is priced by randomised QMC with control variates, starting
from the latest quarterly price in the store. Each cell gives the expected floor payments
(nominal and PV, USD, with standard errors), the expected number of settlement periods that
pay, and the p5-p95 range of the nominal net cost over paths. The liabilities stand apart at
the default cell: floor payments, the upside share the payer receives, their net, and each
earnings guarantee at its maximum exposure (sum_k M (1 + g)^k, PV with e^{-r t_k}, t_k the
end of each guaranteed contract year). The mean-reversion speed's range is carried as the
default cell at the OLS kappa beside the bias-corrected one (sigma re-matched to keep the
one-year log-return sd).
"""

from __future__ import annotations

import datetime as dt
import math
from pathlib import Path
from typing import Any

from critmin.defaults import SEED
from critmin.errors import InputError
from critmin.sim.floor_calib import latest_quarterly_price
from critmin.sim.floor_contract import FloorDefinition, PriceModel
from critmin.sim.floor_vr import estimate_floor

KAPPA_OLS_NOTE = "OLS AR(1) slope without small-sample correction"


def guarantee_exposure(spec: FloorDefinition, rate: float) -> list[dict[str, Any]]:
    """Maximum exposure of each earnings guarantee (USD): nominal and PV at ``rate``."""
    out = []
    for g in spec.guarantees:
        pay = [g.minimum_usd * (1 + g.escalator) ** k for k in range(g.years)]
        times = [g.from_year + k for k in range(g.years)]
        pv = sum(p * math.exp(-rate * t) for p, t in zip(pay, times, strict=True))
        out.append(
            {
                "name": g.name,
                "nominal_usd": sum(pay),
                "pv_usd": pv,
                "from_year": g.from_year,
                "years": g.years,
                "note": g.note,
            }
        )
    return out


def quarter_index(start: dt.date, quarter: str) -> int:
    """Settlement quarter ``YYYY-Qn`` as a 0-based index from the contract's start quarter."""
    year, q = int(quarter[:4]), int(quarter[-1])
    return (year - start.year) * 4 + (q - 1) - (start.month - 1) // 3


def reported_payments(spec: FloorDefinition, model: PriceModel, **kw: Any) -> list[dict[str, Any]]:
    """Each reported payment against the model's expected payment for its quarter.

    Per kg, the model's expected payment in quarter q is
      e_q = (E[cost of the first q + 1 quarters] - E[cost of the first q]) / units in a quarter,
    both estimated on the same random numbers (rqmc-cv, ``kw``) at a flat 1,000 t/yr. Then the
    model's payment on a volume V (t) is e_q x 1,000 V, and the reference price implied by the
    reported amount P on that volume is F - P / (1,000 V) (USD/kg): what the quarter's average
    price would have been if the whole payment were the floor's (F - A)^+ x V.
    """
    start = spec.contract.start
    if start is None:
        raise InputError("the contract states no start date", field="contract.start")
    out = []
    for r in spec.reported_payments:
        q = quarter_index(start, r.quarter)
        if not 0 <= q < round(spec.contract.term_years * 4):
            raise InputError(
                "the quarter is outside the contract's term", field="quarter", value=r.quarter
            )

        def cost(quarters: int) -> float:
            if quarters == 0:
                return 0.0
            c = spec.contract.model_copy(
                update={
                    "volume_tpy": (1000.0,),
                    "term_years": quarters / 4,
                    "settlement": "quarterly",
                }
            )
            return float(estimate_floor(c, model, spec.terms, **kw).mean["floor"])

        per_kg = (cost(q + 1) - cost(q)) / 250_000.0  # 1,000 t/yr = 250,000 kg a quarter
        rows = {}
        for basis, tonnes in (("produced", r.produced_t), ("sold", r.sold_t)):
            if tonnes is None:
                continue
            rows[basis] = {
                "tonnes": tonnes,
                "model_payment_usd": per_kg * tonnes * 1000.0,
                "implied_reference_usd_per_kg": spec.contract.floor
                - r.amount_usd / (tonnes * 1000.0),
            }
        out.append(
            {
                "quarter": r.quarter,
                "reported_usd": r.amount_usd,
                "model_usd_per_kg": per_kg,
                "by_volume": rows,
                "note": r.note,
                "sources": [src.model_dump(mode="json") for src in r.sources],
            }
        )
    return out


def _cell(spec: FloorDefinition, model: PriceModel, volume: tuple[float, ...], **kw: Any) -> Any:
    contract = spec.contract.model_copy(update={"volume_tpy": volume})
    return estimate_floor(contract, model, spec.terms, **kw)


def floor_band(
    spec: FloorDefinition,
    *,
    paths: int = 4096,
    replicates: int = 8,
    seed: int = SEED,
    kappa_ols: float | None = 0.5805,
    model: PriceModel | None = None,
    spot: float | None = None,
    db: str | Path | None = None,
) -> dict[str, Any]:
    """Band table of a floor definition (module docstring); JSON-ready.

    ``kappa_ols``: the uncorrected mean-reversion speed to report beside the preset's
    (None: skip). ``model``: an ou model to use instead of the preset's (its theta_level is
    the default level). The start price is ``spot`` if given, else the store's latest
    quarterly price of ``band.spot_from``, else the model's spot.
    """
    if spec.band is None:
        raise InputError("this definition has no band", field="band", value=spec.name)
    base = spec.model("ou") if "ou" in {m.kind for m in spec.models} else None
    base = model or base
    if base is None or base.kind != "ou":
        raise InputError("the band needs an ou model (long-run levels)", field="model")
    spot_info: dict[str, Any] = {"price": base.spot, "period": None, "source_id": None}
    if spot is not None:
        spot_info = {"price": spot, "period": None, "source_id": "given"}
    elif spec.band.spot_from is not None:
        period, price, source = latest_quarterly_price(*spec.band.spot_from, db=db)
        spot_info = {"price": price, "period": period, "source_id": source}
    model = base.model_copy(update={"spot": spot_info["price"]})
    kw = {"paths": paths, "replicates": replicates, "seed": seed, "method": "rqmc-cv"}
    rows: list[dict[str, Any]] = []
    cells: dict[tuple[float | None, str], Any] = {}
    for level in spec.band.long_run_levels:
        m = model.model_copy(update={"theta_level": level})
        for label, vol in spec.band.volumes.items():
            e = cells[(level, label)] = _cell(spec, m, vol, **kw)
            rows.append(
                {
                    "long_run_usd_per_kg": level,
                    "volume": label,
                    "volume_tpy": list(vol),
                    "floor_nominal_usd": e.mean["floor"],
                    "floor_nominal_se_usd": e.stderr["floor"],
                    "floor_pv_usd": e.mean["floor_pv"],
                    "floor_pv_se_usd": e.stderr["floor_pv"],
                    "upside_nominal_usd": e.mean["upside"],
                    "net_nominal_usd": e.mean["net"],
                    "net_pv_usd": e.mean["net_pv"],
                    "paying_periods": e.mean["paying"],
                    "paying_periods_se": e.stderr["paying"],
                    "periods": e.periods,
                    "net_p5_usd": e.p5_usd,
                    "net_p95_usd": e.p95_usd,
                }
            )
    default_vol = spec.band.volumes[spec.band.default_volume]
    # the default cell is a row of the band when the model's level is one of the band's levels
    d = cells.get((model.theta_level, spec.band.default_volume)) or _cell(
        spec, model, default_vol, **kw
    )
    rate = spec.contract.discount_rate
    liabilities: dict[str, Any] = {
        name: {
            "nominal_usd": d.mean[t],
            "nominal_se_usd": d.stderr[t],
            "pv_usd": d.mean[f"{t}_pv"],
            "pv_se_usd": d.stderr[f"{t}_pv"],
        }
        for name, t in (
            ("floor_payments", "floor"),
            ("upside_share_received", "upside"),
            ("net", "net"),
        )
    }
    liabilities["guarantees_max"] = guarantee_exposure(spec, rate)
    kappa_range = None
    if kappa_ols is not None and model.kappa > 0:
        from critmin.sim.floor_calib import ou_sigma_for_return_sd

        sd = model.sigma * math.sqrt(-math.expm1(-model.kappa) / model.kappa)
        alt = model.model_copy(
            update={"kappa": kappa_ols, "sigma": ou_sigma_for_return_sd(sd, kappa_ols)}
        )
        a = _cell(spec, alt, default_vol, **kw)
        kappa_range = {
            "kappa_corrected": model.kappa,
            "kappa_ols": kappa_ols,
            "half_life_corrected_years": math.log(2) / model.kappa,
            "half_life_ols_years": math.log(2) / kappa_ols,
            "floor_nominal_usd_corrected": d.mean["floor"],
            "floor_nominal_usd_ols": a.mean["floor"],
            "floor_pv_usd_ols": a.mean["floor_pv"],
            "note": KAPPA_OLS_NOTE,
        }
    return {
        "preset": spec.name,
        "spot": spot_info,
        "model": model.model_dump(mode="json"),
        "terms": spec.terms.model_dump(mode="json"),
        "default": {"long_run_usd_per_kg": model.theta_level, "volume": spec.band.default_volume},
        "default_cell": {
            "floor_nominal_usd": d.mean["floor"],
            "floor_pv_usd": d.mean["floor_pv"],
            "paying_periods": d.mean["paying"],
            "periods": d.periods,
            "net_p5_usd": d.p5_usd,
            "net_p95_usd": d.p95_usd,
        },
        "rows": rows,
        "liabilities": liabilities,
        "kappa_range": kappa_range,
        "reported_payments": reported_payments(spec, model, **kw),
        "method": f"rqmc-cv, {replicates} scramblings, {d.paths:,} paths a cell, seed {seed}",
    }
