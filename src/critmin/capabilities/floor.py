"""The price floor (DESIGN.md Q5): what a floor contract could cost its payer.

One place lays the overrides over a preset or a definition file (:func:`build`): the
command line (``critmin floor``) and the Python API (:func:`floor`) both call it, so
``--preset mp-ndpr --vol 0.5`` and ``cm.floor(preset="mp-ndpr", sigma=0.5)`` are the same
contract and model.
"""

from __future__ import annotations

import dataclasses
import functools
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

from critmin.defaults import FLOOR_PATHS, SEED
from critmin.errors import InputError, NotFoundError
from critmin.results import Result

if TYPE_CHECKING:
    from pydantic import BaseModel

    from critmin.sim.floor import FloorContract, FloorDefinition, PriceModel

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


class FloorPresets(Result):
    """The built-in presets (contract, price models, calibration, sources); table: itself."""


class FloorPreset(Result):
    """One preset's definition; table: ``models``."""


class FloorClosedForm(Result):
    """The closed-form cost of a contract alone (no simulation); table: ``yearly``."""


def preset_names() -> list[str]:
    """Names of the built-in floor presets (critmin/sim/presets/*.yaml)."""
    from critmin.sim.floor import list_presets

    return list_presets()


def _preset(name: str) -> FloorDefinition:
    from critmin.sim.floor import load_preset

    names = preset_names()
    if name not in names:
        raise NotFoundError(f"no floor preset {name!r}; presets: {', '.join(names)}")
    return load_preset(name)


def floor_presets() -> FloorPresets:
    """Every built-in preset as written: contract, price models (with their calibration),
    band, assumptions and sources (``GET /api/v1/floor/presets``).

    >>> import critmin as cm
    >>> "mp-ndpr" in [p["name"] for p in cm.floor_presets().rows()]
    True
    """
    ans = [_preset(n).model_dump(mode="json") for n in preset_names()]
    return FloorPresets.of("floor_presets", {}, ans)


def floor_preset(*, name: str) -> FloorPreset:
    """One built-in preset as written (an unknown name is a NotFoundError listing them).

    >>> import critmin as cm
    >>> cm.floor_preset(name="mp-ndpr")["contract"]["floor"]  # US$110/kg (DoD-MP, July 2025)
    110.0
    """
    if not isinstance(name, str):
        raise InputError("expected a preset name", field="name", value=name)
    return FloorPreset.of(
        "floor_preset", {"name": name}, _preset(name).model_dump(mode="json"), table=("models",)
    )


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


@dataclasses.dataclass(frozen=True)
class FloorSetup:
    """A floor question resolved (:func:`floor_setup`): the contract and price model after
    the overrides, with the run's size. ``steps`` is the number of settlement dates."""

    preset: str | None
    definition: str | None
    title: str
    contract: FloorContract
    model: PriceModel
    paths: int
    seed: int
    workers: int
    has_band: bool

    @property
    def steps(self) -> int:
        from critmin.sim.floor import PERIODS

        return round(self.contract.term_years * PERIODS[self.contract.settlement])

    def request(self) -> dict[str, Any]:
        """The request as the Result records it."""
        return {
            "preset": self.preset,
            "definition": self.definition,
            "title": self.title,
            "contract": self.contract.model_dump(mode="json"),
            "model": self.model.model_dump(mode="json"),
            "paths": self.paths,
            "seed": self.seed,
        }


def floor_setup(
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
    contract: Mapping[str, Any] | None = None,
    price_model: Mapping[str, Any] | None = None,
    paths: int = FLOOR_PATHS,
    seed: int = SEED,
    workers: int = 1,
    definition_field: str = "definition",
) -> FloorSetup:
    """The contract and model of a floor question (the arguments of :func:`floor`), checked,
    without running it. ``contract`` and ``price_model`` are further fields laid over the
    preset (any field of the contract or the model, as the HTTP API's request carries them;
    ``price_model["kind"]`` picks the model like ``model``); the named arguments win over
    them. Errors name the field."""
    from critmin.capabilities import inputs as arg

    n = arg.count(paths, "paths", 1)
    s = arg.seed(seed)
    w = arg.count(workers, "workers", 1)
    for name, extra in (("contract", contract), ("price_model", price_model)):
        if extra is not None and not isinstance(extra, Mapping):
            raise InputError("expected a mapping of field: value", field=name, value=extra)
    model_extra = dict(price_model or {})
    kind = model if model is not None else model_extra.pop("kind", None)
    model_extra.pop("kind", None)
    volumes = [volume_tpy] if isinstance(volume_tpy, int | float) else volume_tpy
    named_contract = {
        "floor": floor,
        "term_years": term_years,
        "volume_tpy": None if volumes is None else list(volumes),
        "settlement": settlement,
        "discount_rate": discount_rate,
        "annual_cap_usd": annual_cap_usd,
    }
    contract_set = {
        **(contract or {}),
        **{k: v for k, v in named_contract.items() if v is not None},
    }
    named_model: dict[str, Any] = {
        "spot": spot,
        "sigma": sigma,
        "mu": mu,
        "kappa": kappa,
        "theta_level": theta_level,
    }
    model_set = {**model_extra, **{k: v for k, v in named_model.items() if v is not None}}
    if jumps is not None:
        model_set["jumps"] = _jumps(jumps)
    title, c, m = build(preset, definition, contract_set, kind, model_set, definition_field)
    has_band = False
    if preset is not None or definition is not None:
        from critmin.sim.floor import load_definition, load_preset

        spec = (
            load_definition(definition, definition_field)
            if definition is not None
            else load_preset(preset or "")
        )
        has_band = spec.band is not None
    where = None if definition is None else str(definition)
    return FloorSetup(preset, where, title, c, m, n, s, w, has_band)


def run_floor(
    setup: FloorSetup,
    *,
    progress: Callable[[int, int], None] | None = None,
    max_path_steps: int | None = None,
) -> Floor:
    """Run a :class:`FloorSetup` (the Monte Carlo of :func:`floor`). ``progress(done, total)``
    is called as paths finish; ``max_path_steps`` refuses a run of more paths x settlement
    dates (field ``paths``)."""
    from critmin.sim.floor import simulate_floor

    if max_path_steps is not None and setup.paths * setup.steps > max_path_steps:
        raise InputError(
            f"paths x settlement dates must be at most {max_path_steps:,} per run (this "
            f"contract settles {setup.steps} times: at most {max_path_steps // setup.steps:,} "
            "paths)",
            field="paths",
            value=setup.paths,
        )
    res = simulate_floor(
        setup.contract,
        setup.model,
        paths=setup.paths,
        seed=setup.seed,
        workers=setup.workers,
        progress=progress,
    )
    return Floor.of("floor", setup.request(), res.to_dict(), table=("yearly",))


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
    contract: Mapping[str, Any] | None = None,
    price_model: Mapping[str, Any] | None = None,
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
    override it field by field (``contract`` and ``price_model``: further fields as
    mappings, the HTTP API's request shape). Check of the example below: d1 = sigma/2 =
    0.15 = -d2, so the payer's expected cost is 1000 t = 1e6 kg x 110 x (N(0.15) - N(-0.15))
    = US$13.12 million. ``runtime_s`` and ``path_steps_per_s`` time this run.

    >>> import critmin as cm
    >>> res = cm.floor(floor=110, spot=110, term_years=1, volume_tpy=1000, settlement="annual",
    ...                sigma=0.3, paths=4096)
    >>> round(res["analytic_expected_cost_usd"])  # 1e6 kg x 110 x (N(0.15) - N(-0.15))
    13115892
    >>> res["paths"], len(res.rows())
    (4096, 1)
    """
    kw = dict(locals())
    return run_floor(floor_setup(**kw))


def floor_closed_form(**kwargs: Any) -> FloorClosedForm:
    """The closed-form expected cost of the contract and model of :func:`floor` (same
    arguments; ``paths`` and ``seed`` play no part): sum_i q_i E[(F - S_{t_i})^+], nominal
    and discounted (USD), by contract year; None with the reason (``note``) where no closed
    form exists (jumps, an annual cap). Black and Scholes (1973) for GBM; the lognormal
    moments of the OU log price for OU.

    >>> import critmin as cm
    >>> res = cm.floor_closed_form(floor=110, spot=110, term_years=1, volume_tpy=1000,
    ...                            settlement="annual", sigma=0.3)
    >>> round(res["nominal_usd"])
    13115892
    """
    from critmin.sim.floor import analytic_cost

    setup = floor_setup(**kwargs)
    an, note = analytic_cost(setup.contract, setup.model)
    yearly = [] if an is None else list(zip(an.yearly_nominal, an.yearly_pv, strict=True))
    ans = {
        "nominal_usd": None if an is None else an.nominal,
        "pv_usd": None if an is None else an.pv,
        "note": note,
        "yearly": [
            {"year": i + 1, "nominal_usd": v, "pv_usd": p} for i, (v, p) in enumerate(yearly)
        ],
    }
    req = {k: v for k, v in setup.request().items() if k not in ("paths", "seed")}
    return FloorClosedForm.of("floor_closed_form", req, ans, table=("yearly",))


def floor_band(
    *,
    preset: str | None = None,
    definition: str | Path | None = None,
    model: str | None = None,
    spot: float | None = None,
    sigma: float | None = None,
    mu: float | None = None,
    kappa: float | None = None,
    theta_level: float | None = None,
    jumps: Any = None,
    seed: int = SEED,
    definition_field: str = "definition",
) -> FloorBand:
    """The band table of a preset (default "mp-ndpr") or a definition as written
    (``critmin floor --preset NAME --band --json``): floor cost (nominal and present value,
    USD) against long-run price (USD/kg) x volume (t/yr), the liabilities apart, and the
    mean-reversion range. Quasi-Monte Carlo with fixed ``seed``; the preset names its
    sources. ``spot``, ``sigma``, ``mu``, ``kappa`` or ``theta_level`` replace the band's
    ou model with the preset's model and these fields laid over it (:func:`build`); the
    start price is ``spot`` if given, else the store's latest quarterly price. ``jumps``
    (as in :func:`floor`) changes that model's jumps.

    >>> import critmin as cm
    >>> band = cm.floor_band(preset="mp-ndpr")
    >>> len(band.rows()) > 0, band["model"]["kind"]
    (True, 'ou')
    """
    from critmin.sim.floor import load_definition, load_preset
    from critmin.sim.floor_band import floor_band as engine

    if preset is None and definition is None:
        preset = "mp-ndpr"
    given: dict[str, Any] = {
        k: v
        for k, v in dict(
            spot=spot, sigma=sigma, mu=mu, kappa=kappa, theta_level=theta_level
        ).items()
        if v is not None
    }
    setup = floor_setup(
        preset=preset,
        definition=definition,
        model=model,
        jumps=jumps,
        seed=seed,
        definition_field=definition_field,
        **given,
    )
    spec = (
        load_definition(definition, definition_field)
        if definition is not None
        else load_preset(preset or "")
    )
    ans = engine(spec, seed=setup.seed, model=setup.model if given else None, spot=spot)
    req: dict[str, Any] = {"preset": preset, "seed": setup.seed}
    if definition is not None:
        req["definition"] = str(definition)
    req |= {k: v for k, v in (("model", model), ("jumps", jumps)) if v is not None} | given
    return FloorBand.of("floor_band", req, ans, table=("rows",))


@functools.cache
def override_models() -> tuple[type[BaseModel], type[BaseModel]]:
    """Pydantic models of a partial contract and a partial price model: every field of
    FloorContract and PriceModel, each optional (None: the preset's), with the same bounds
    (the HTTP API's ``contract`` and ``price_model``; :func:`floor_setup` lays them over the
    preset and checks the whole)."""
    from pydantic import ConfigDict, Field, create_model

    from critmin.sim.floor import FloorContract, PriceModel

    out = []
    for cls, name in ((FloorContract, "ContractFields"), (PriceModel, "PriceModelFields")):
        fields: dict[str, Any] = {}
        for key, info in cls.model_fields.items():
            # the bounds stay on the value (None is "not given", never checked against them)
            ann: Any = info.annotation
            if info.metadata:
                ann = Annotated[(ann, *info.metadata)]
            fields[key] = (ann | None, Field(None, description=info.description))
        config = ConfigDict(extra="forbid", allow_inf_nan=False)
        doc = f"Fields of {cls.__name__} to lay over the preset's; any may be left out."
        out.append(create_model(name, __config__=config, __doc__=doc, **fields))
    return out[0], out[1]
