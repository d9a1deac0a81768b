"""The price floor (DESIGN.md Q5): what a floor contract could cost its payer.

One place lays the overrides over a preset or a definition file (:func:`build`): the
command line (``critmin floor``) and the Python API (:func:`floor`) both call it, so
``--preset mp-ndpr --vol 0.5`` and ``cm.floor(preset="mp-ndpr", sigma=0.5)`` are the same
contract and model.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from critmin.defaults import FLOOR_PATHS, SEED
from critmin.errors import InputError
from critmin.results import Result

if TYPE_CHECKING:
    from critmin.sim.floor import FloorContract, PriceModel

CONTRACT_FIELDS = (
    "floor",
    "term_years",
    "volume_tpy",
    "settlement",
    "discount_rate",
    "annual_cap_usd",
)
MODEL_FIELDS = ("spot", "sigma", "mu", "kappa", "theta_level", "jumps")


class Floor(Result):
    """Monte Carlo cost of a floor beside the closed form; table: ``yearly`` (year,
    expected_payout_usd, pv_usd, analytic_usd)."""


class FloorBand(Result):
    """A preset's band: cost by long-run price x volume; table: ``rows``."""


def preset_base(
    preset: str | None,
    definition: str | Path | None,
    model_kind: str | None = None,
    definition_field: str = "definition",
) -> tuple[str, dict[str, Any], dict[str, Any]]:
    """Title, contract fields and model fields (``kind`` included) of a preset or a YAML
    definition, for ``model_kind`` (default: the definition's default model). A kind the
    definition does not calibrate keeps its default model's spot, sigma and jumps. The
    sweep's floor engine starts from the same base (critmin.sweep.engines)."""
    from critmin.sim.floor import load_definition, load_preset

    spec = (
        load_definition(definition, definition_field)
        if definition is not None
        else load_preset(preset or "")
    )
    kind = model_kind or spec.default_model
    if kind in {m.kind for m in spec.models}:
        model_data = spec.model(kind).model_dump()
    else:  # the other kind: keep the preset's spot, sigma and jumps
        base = spec.model()
        jumps = None if base.jumps is None else base.jumps.model_dump()
        model_data = {"spot": base.spot, "sigma": base.sigma, "jumps": jumps}
    model_data["kind"] = kind
    return f"{spec.title} ({spec.name})", spec.contract.model_dump(), model_data


def build(
    preset: str | None,
    definition: str | Path | None,
    contract_set: Mapping[str, Any],
    model_kind: str | None,
    model_set: Mapping[str, Any],
    definition_field: str = "definition",
) -> tuple[str, FloorContract, PriceModel]:
    """Title, contract and price model: a preset (or a YAML definition) with the given
    fields laid over it, or the fields alone.

    ``contract_set`` and ``model_set`` map field names (:data:`CONTRACT_FIELDS`,
    :data:`MODEL_FIELDS`) to values; None means "not set", except ``jumps`` in
    ``model_set``, where None removes the preset's jumps. A ``model_kind`` other than the
    preset's models keeps the preset's spot, sigma and jumps. Without a preset or
    definition, floor, term_years, volume_tpy, spot and sigma are required; the kind is
    "ou" when kappa or theta_level is given, else "gbm". Errors name the field.
    """
    from critmin.sim.floor import FloorContract, PriceModel
    from critmin.sim.floor import validated as check

    if preset is not None and definition is not None:
        raise InputError("give a preset or a definition, not both", field="preset")
    if model_kind is not None and model_kind not in {"gbm", "ou"}:
        raise InputError("choose gbm or ou", field="model", value=model_kind)
    given = {k for k, v in model_set.items() if v is not None}
    if preset is not None or definition is not None:
        title, contract_data, model_data = preset_base(
            preset, definition, model_kind, definition_field
        )
    else:
        title, contract_data, model_data = "price floor", {}, {}
        for key in ("floor", "term_years", "volume_tpy", "spot", "sigma"):
            if contract_set.get(key) is None and model_set.get(key) is None:
                raise InputError("required without a preset or a definition", field=key)
        model_data["kind"] = model_kind or ("ou" if given & {"kappa", "theta_level"} else "gbm")
    contract_data.update({k: v for k, v in contract_set.items() if v is not None})
    model_data.update({k: v for k, v in model_set.items() if v is not None or k == "jumps"})
    return title, check(FloorContract, contract_data), check(PriceModel, model_data)


def _jumps(value: Any) -> dict[str, float] | None:
    """Jumps as given: a mapping (intensity, mean, sd), three numbers, or False/"none"."""
    if value is False or (isinstance(value, str) and value.strip().lower() in {"none", "off"}):
        return None
    if isinstance(value, Mapping):
        return dict(value)
    if isinstance(value, Sequence) and not isinstance(value, str) and len(value) == 3:
        return {"intensity": value[0], "mean": value[1], "sd": value[2]}
    raise InputError(
        "give {intensity, mean, sd}, three numbers, or False to remove jumps",
        field="jumps",
        value=value,
    )


def floor(
    *,
    preset: str | None = None,
    definition: str | Path | None = None,
    floor: float | None = None,
    term_years: float | None = None,
    volume_tpy: float | Sequence[float] | None = None,
    settlement: str | None = None,
    discount_rate: float | None = None,
    annual_cap_usd: float | None = None,
    model: str | None = None,
    spot: float | None = None,
    sigma: float | None = None,
    mu: float | None = None,
    kappa: float | None = None,
    theta_level: float | None = None,
    jumps: Any = None,
    paths: int = FLOOR_PATHS,
    seed: int = SEED,
    workers: int = 1,
) -> Floor:
    """Monte Carlo cost of a price floor F to its payer, beside the closed form.

    The payer pays, at each settlement date t_i, volume_i x max(F - S_{t_i}, 0) (USD; F and
    S in USD per contract unit, volume in tonnes converted to units), capped by
    ``annual_cap_usd`` per contract year; present value discounts at ``discount_rate``
    (continuous, a year). S follows a GBM (drift ``mu``) or an OU in log price reverting to
    ``theta_level`` at speed ``kappa``, volatility ``sigma`` per sqrt(year), optional Merton
    ``jumps``. For GBM without cap or jumps the closed form is the Black-Scholes put,
    E[max(F - S_t, 0)] = F N(-d2) - S_0 e^{mu t} N(-d1) (Black and Scholes, 1973; the
    preset files name the sources of their figures). ``preset`` (e.g. "mp-ndpr", the US
    Department of Defense's NdPr floor of US$110/kg with MP Materials, July 2025) or
    ``definition`` (a YAML file) gives the contract and model; the other arguments
    override it. Check of the example below: d1 = sigma/2 = 0.15 = -d2, so the payer's
    expected cost is 1000 t = 1e6 kg x 110 x (N(0.15) - N(-0.15)) = US$13.12 million.
    ``runtime_s`` and ``path_steps_per_s`` time this run.

    >>> import critmin as cm
    >>> res = cm.floor(floor=110, spot=110, term_years=1, volume_tpy=1000, settlement="annual",
    ...                sigma=0.3, paths=4096)
    >>> round(res["analytic_expected_cost_usd"])  # 1e6 kg x 110 x (N(0.15) - N(-0.15))
    13115892
    >>> res["paths"], len(res.rows())
    (4096, 1)
    """
    from critmin.sim.floor import simulate_floor

    for name, val, low in (("paths", paths, 1), ("seed", seed, 0), ("workers", workers, 1)):
        if isinstance(val, bool) or not isinstance(val, int) or val < low:
            raise InputError(f"must be an integer >= {low}", field=name, value=val)
    volumes = [volume_tpy] if isinstance(volume_tpy, int | float) else volume_tpy
    contract_set = {
        "floor": floor,
        "term_years": term_years,
        "volume_tpy": None if volumes is None else list(volumes),
        "settlement": settlement,
        "discount_rate": discount_rate,
        "annual_cap_usd": annual_cap_usd,
    }
    model_set: dict[str, Any] = {
        "spot": spot,
        "sigma": sigma,
        "mu": mu,
        "kappa": kappa,
        "theta_level": theta_level,
    }
    if jumps is not None:
        model_set["jumps"] = _jumps(jumps)
    title, contract, price_model = build(preset, definition, contract_set, model, model_set)
    res = simulate_floor(contract, price_model, paths=paths, seed=seed, workers=workers)
    req = {
        "preset": preset,
        "definition": None if definition is None else str(definition),
        "title": title,
        "contract": contract.model_dump(mode="json"),
        "model": price_model.model_dump(mode="json"),
        "paths": paths,
        "seed": seed,
    }
    return Floor.of("floor", req, res.to_dict(), table=("yearly",))


def floor_band(*, preset: str = "mp-ndpr", seed: int = SEED) -> FloorBand:
    """The band table of a preset as written (``critmin floor --preset NAME --band --json``):
    floor cost (nominal and present value, USD) against long-run price (USD/kg) x volume
    (t/yr), the liabilities apart, and the mean-reversion range. Quasi-Monte Carlo with
    fixed ``seed``; the preset names its sources.

    >>> import critmin as cm
    >>> band = cm.floor_band(preset="mp-ndpr")
    >>> len(band.rows()) > 0, band["model"]["kind"]
    (True, 'ou')
    """
    from critmin.sim.floor import load_preset
    from critmin.sim.floor_band import floor_band as engine

    if isinstance(seed, bool) or not isinstance(seed, int) or seed < 0:
        raise InputError("must be an integer >= 0", field="seed", value=seed)
    ans = engine(load_preset(preset), seed=seed)
    return FloorBand.of("floor_band", {"preset": preset, "seed": seed}, ans, table=("rows",))
