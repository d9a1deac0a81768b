"""`critmin floor`: what a price floor could cost (Monte Carlo beside the closed form, Q5)."""

from __future__ import annotations

import sys
from typing import TYPE_CHECKING, Any

import typer

from critmin.cli.output import print_json, print_table
from critmin.defaults import FLOOR_PATHS, SEED

if TYPE_CHECKING:
    from critmin.sim.floor import FloorContract, FloorResult, PriceModel

# contract / model field -> the option that sets it (errors name the option the user typed)
_OPTION = {
    "floor": "--floor",
    "term_years": "--years",
    "volume_tpy": "--volume",
    "settlement": "--settlement",
    "discount_rate": "--rate",
    "annual_cap_usd": "--cap",
    "spot": "--spot",
    "sigma": "--vol",
    "mu": "--mu",
    "kappa": "--kappa",
    "theta_level": "--theta",
    "jumps": "--jumps",
}
LONG_RUN_PATH_STEPS = 20_000_000  # about a quarter of a second on one core: show progress


def _floats(text: str, option: str) -> list[float]:
    from critmin.errors import InputError

    try:
        return [float(p) for p in text.replace(" ", "").split(",") if p]
    except ValueError:
        raise InputError("expected numbers separated by commas", field=option, value=text) from None


def _jumps(text: str) -> dict[str, float] | None:
    from critmin.errors import InputError

    if text.strip().lower() in {"none", "off", "0"}:
        return None
    vals = _floats(text, "--jumps")
    if len(vals) != 3:
        reason = "give LAMBDA,MEAN,SD (jumps a year, log-jump mean and sd)"
        raise InputError(reason, field="--jumps", value=text)
    return {"intensity": vals[0], "mean": vals[1], "sd": vals[2]}


def _build(
    preset: str | None,
    definition: str | None,
    contract_set: dict[str, Any],
    model_kind: str | None,
    model_set: dict[str, Any],
) -> tuple[str, FloorContract, PriceModel]:
    """Contract and model from a preset or YAML file, with the options laid over them
    (critmin.capabilities.floor.build, the Python API's builder); an error names the option.

    ``model_set`` entries that are None are not set; a ``jumps`` entry of None removes jumps.
    """
    from critmin.capabilities.floor import build
    from critmin.errors import InputError

    try:
        return build(preset, definition, contract_set, model_kind, model_set, "--definition")
    except InputError as exc:
        head = (exc.field or "").split(".")[0]
        if head not in _OPTION:
            raise
        reason = str(exc).split(": ", 1)[-1].split(" (got ")[0]
        raise InputError(reason, field=_OPTION[head], value=exc.value) from None


def _print_summary(title: str, res: FloorResult) -> None:
    from rich.console import Console
    from rich.markup import escape

    from critmin.cli.output import printable

    c, m, an = res.contract, res.model, res.analytic
    vol = ", ".join(f"{v:,.0f}" for v in c.volume_tpy)
    params = f"mu {m.mu:g}" if m.kind == "gbm" else f"kappa {m.kappa:g}, theta {m.theta_level:g}"
    j = m.jumps
    jumps = "" if j is None else f", jumps {j.intensity:g}/yr N({j.mean:g}, {j.sd:g}^2)"
    out = Console()
    out.print(f"[bold]{escape(printable(title))}[/bold]")
    out.print(
        f"floor {c.floor:g} {c.currency}/{c.unit} for {c.term_years:g} years, {c.settlement}; "
        f"volume {vol} t/yr; discount {c.discount_rate:.2%}"
        + ("" if c.annual_cap_usd is None else f"; annual cap ${c.annual_cap_usd:,.0f}"),
        markup=False,
    )
    out.print(f"model {m.kind}: spot {m.spot:g}, sigma {m.sigma:g}, {params}{jumps}", markup=False)

    def b(x: float | None) -> str:
        if x is None:
            return "n/a"
        return f"${x / 1e9:,.3f}B" if abs(x) >= 1e9 else f"${x / 1e6:,.2f}M"

    q, pq = res.quantiles_usd, res.pv_quantiles_usd
    cols = ["", "Monte Carlo", "+/- 1 s.e.", "closed form"]
    rows = [
        [
            "expected cost (nominal)",
            b(res.expected_cost_usd),
            b(res.stderr_usd),
            b(an.nominal if an else None),
        ],
        ["expected cost (PV)", b(res.pv_cost_usd), b(res.pv_stderr_usd), b(an.pv if an else None)],
        ["p50 / p95 / p99 (nominal)", f"{b(q['p50'])} / {b(q['p95'])} / {b(q['p99'])}"],
        ["p50 / p95 / p99 (PV)", f"{b(pq['p50'])} / {b(pq['p95'])} / {b(pq['p99'])}"],
        ["probability of any payout", f"{res.prob_any_payout:.2%}"],
        [
            "expected paying settlements / years",
            f"{res.expected_payout_settlements:.1f} / {res.expected_payout_years:.1f}",
        ],
    ]
    print_table([dict(zip(cols, r, strict=False)) for r in rows], cols, title="cost to the payer")
    if res.analytic_note:
        out.print(f"closed form: {res.analytic_note}", markup=False)
    cols = ["year", "expected payout", "PV", "closed form"]
    yearly = [
        dict(
            zip(
                cols,
                [y + 1, b(v), b(res.yearly_pv_usd[y]), b(an.yearly_nominal[y] if an else None)],
                strict=True,
            )
        )
        for y, v in enumerate(res.yearly_expected_usd)
    ]
    print_table(yearly, cols, title="by contract year")
    z = res.z_score()
    out.print(
        f"{res.paths:,} paths x {res.steps} steps, seed {res.seed}, {res.runtime_s:.2f} s"
        f" ({res.path_steps_per_s / 1e6:,.0f}M path-steps/s); quantiles {res.quantile_method}"
        + ("" if z is None else f"; Monte Carlo - closed form = {z:+.2f} s.e.")
    )


def floor_cmd(
    preset: str | None = typer.Option(None, "--preset", help="Built-in preset, e.g. mp-ndpr."),
    definition: str | None = typer.Option(
        None, "--definition", help="YAML file with contract, models and sources."
    ),
    floor: float | None = typer.Option(None, "--floor", help="Floor price F (USD per unit)."),
    spot: float | None = typer.Option(None, "--spot", help="Starting price S0 (USD per unit)."),
    years: float | None = typer.Option(None, "--years", help="Term T in years."),
    volume: str | None = typer.Option(
        None, "--volume", help="Tonnes a year: one value, or one per contract year (a,b,c)."
    ),
    settlement: str | None = typer.Option(
        None, "--settlement", help="monthly (default), quarterly, semiannual or annual."
    ),
    model: str | None = typer.Option(None, "--model", help="gbm or ou."),
    mu: float | None = typer.Option(None, "--mu", help="GBM drift of the price, per year."),
    kappa: float | None = typer.Option(None, "--kappa", help="OU mean-reversion speed, per year."),
    theta: float | None = typer.Option(
        None, "--theta", help="OU price LEVEL it reverts to (USD per unit; its log is theta)."
    ),
    vol: float | None = typer.Option(None, "--vol", help="Volatility sigma, per sqrt(year)."),
    jumps: str | None = typer.Option(
        None, "--jumps", help="Merton jumps LAMBDA,MEAN,SD (a year; log jump mean, sd), or none."
    ),
    rate: float | None = typer.Option(None, "--rate", help="Discount rate (continuous, a year)."),
    cap: float | None = typer.Option(None, "--cap", help="Cap on a contract year's payout (USD)."),
    paths: int = typer.Option(FLOOR_PATHS, "--paths", help="Monte Carlo paths."),
    seed: int = typer.Option(SEED, "--seed", help="Random seed (results depend on it only)."),
    workers: int = typer.Option(1, "--workers", help="Threads (results do not depend on it)."),
    as_json: bool = typer.Option(False, "--json", help="Print machine-readable JSON."),
    band: bool | None = typer.Option(
        None,
        "--band/--no-band",
        help="The band table (long-run price x volume) of a preset as written; --band prints "
        "only the band (with --json: the band's JSON). Default: shown after the summary.",
    ),
) -> None:
    """Cost of a price floor: expected, discounted, quantiles; closed form beside Monte Carlo."""
    from critmin.errors import InputError
    from critmin.sim.floor import PERIODS, simulate_floor

    if preset is not None and definition is not None:
        raise InputError("give --preset or --definition, not both", field="--preset")
    for opt, val, low in (("--paths", paths, 1), ("--seed", seed, 0), ("--workers", workers, 1)):
        if val < low:
            raise InputError(f"must be an integer >= {low}", field=opt, value=val)
    contract_set = {
        "floor": floor,
        "term_years": years,
        "volume_tpy": None if volume is None else _floats(volume, "--volume"),
        "settlement": settlement,
        "discount_rate": rate,
        "annual_cap_usd": cap,
    }
    model_set: dict[str, Any] = {"spot": spot, "sigma": vol, "mu": mu, "kappa": kappa}
    model_set["theta_level"] = theta
    if jumps is not None:
        model_set["jumps"] = _jumps(jumps)
    if model is not None and model not in {"gbm", "ou"}:
        raise InputError("choose gbm or ou", field="--model", value=model)
    title, contract, price_model = _build(preset, definition, contract_set, model, model_set)
    if band:
        _band(preset, definition, price_model, model_set, as_json)
        return
    steps = round(contract.term_years * PERIODS[contract.settlement])
    if sys.stderr.isatty() and paths * steps >= LONG_RUN_PATH_STEPS:
        from rich.console import Console
        from rich.progress import BarColumn, Progress, TextColumn, TimeRemainingColumn

        columns = (TextColumn("simulating paths"), BarColumn(), TimeRemainingColumn())
        with Progress(*columns, console=Console(stderr=True), transient=True) as bar:
            task = bar.add_task("paths", total=paths)

            def tick(done: int, _total: int) -> None:
                bar.update(task, completed=done)

            res = simulate_floor(
                contract, price_model, paths=paths, seed=seed, workers=workers, progress=tick
            )
    else:
        res = simulate_floor(contract, price_model, paths=paths, seed=seed, workers=workers)
    if as_json:
        print_json(res.to_dict())
        return
    _print_summary(title, res)
    if band is None and (preset is not None or definition is not None):
        spec = _spec(preset, definition)
        if spec.band is not None and price_model.kind == "ou":
            _band(preset, definition, price_model, model_set, as_json)


def _spec(preset: str | None, definition: str | None) -> Any:
    from critmin.sim.floor import load_definition, load_preset

    if definition is not None:
        return load_definition(definition, "--definition")
    return load_preset(preset or "")


def _band(
    preset: str | None,
    definition: str | None,
    price_model: PriceModel,
    model_set: dict[str, Any],
    as_json: bool,
) -> None:
    """Print the band table: the preset's (or --definition's) band with the model options."""
    from critmin.errors import InputError
    from critmin.sim.floor_band import floor_band

    if preset is None and definition is None:
        raise InputError("the band needs --preset or --definition", field="--band")
    spec = _spec(preset, definition)
    given = {k: v for k, v in model_set.items() if v is not None and k != "jumps"}
    try:
        out = floor_band(spec, model=price_model if given else None, spot=given.get("spot"))
    except InputError as exc:
        head = (exc.field or "").split(".")[0]
        if head not in _OPTION:
            raise
        raise InputError(exc.message, field=_OPTION[head], value=exc.value) from None
    if as_json:
        print_json(out)
        return
    print_band(out)


def _b(x: float) -> str:
    return f"${x / 1e9:,.2f}B" if abs(x) >= 1e9 else f"${x / 1e6:,.0f}M"


def print_band(out: dict[str, Any]) -> None:
    """The band as text tables: cost by long-run price x volume, then the liabilities apart."""
    from rich.console import Console

    con = Console()
    spot = out["spot"]
    src = "" if spot["period"] is None else f" ({spot['period']}, {spot['source_id']})"
    m = out["model"]
    con.print(
        f"band: start price {spot['price']:g} USD/kg{src}; ou kappa {m['kappa']:g}, "
        f"sigma {m['sigma']:g}; {out['method']}",
        markup=False,
    )
    cols = [
        "long-run $/kg",
        "volume",
        "floor cost nominal",
        "PV",
        "quarters that pay",
        "p5-p95 net",
    ]
    rows = [
        dict(
            zip(
                cols,
                [
                    f"{r['long_run_usd_per_kg']:g}",
                    r["volume"],
                    f"{_b(r['floor_nominal_usd'])} +/- {r['floor_nominal_se_usd'] / 1e6:.2f}M",
                    _b(r["floor_pv_usd"]),
                    f"{r['paying_periods']:.1f} of {r['periods']}",
                    f"{_b(r['net_p5_usd'])} to {_b(r['net_p95_usd'])}",
                ],
                strict=True,
            )
        )
        for r in out["rows"]
    ]
    print_table(rows, cols, title="floor cost: long-run price x volume")
    seen: dict[str, list[float]] = {r["volume"]: r["volume_tpy"] for r in out["rows"]}
    con.print(
        "volumes (t/yr by contract year): "
        + "; ".join(f"{k} {', '.join(f'{v:,.0f}' for v in vs)}" for k, vs in seen.items()),
        markup=False,
    )
    li = out["liabilities"]
    cols = ["liability (default cell)", "nominal", "PV"]
    lines = [
        ["floor payments (payer pays)", li["floor_payments"]],
        ["upside share (payer receives)", li["upside_share_received"]],
        ["net of the price floor", li["net"]],
    ]
    rows = [
        dict(zip(cols, [k, _b(v["nominal_usd"]), _b(v["pv_usd"])], strict=True)) for k, v in lines
    ]
    for g in li["guarantees_max"]:
        # the name without its parenthesis, so the numbers keep their columns at 80 characters
        short = g["name"].split(" (")[0]
        name = f"{short}: max, years {g['from_year']}-{g['from_year'] + g['years'] - 1}"
        rows.append(dict(zip(cols, [name, _b(g["nominal_usd"]), _b(g["pv_usd"])], strict=True)))
    print_table(rows, cols, title="liabilities apart")
    k = out["kappa_range"]
    if k is not None:
        con.print(
            f"mean reversion: kappa {k['kappa_corrected']:g} (half-life "
            f"{k['half_life_corrected_years']:.1f} y, bias-corrected) -> floor cost "
            f"{_b(k['floor_nominal_usd_corrected'])}; kappa {k['kappa_ols']:g} (half-life "
            f"{k['half_life_ols_years']:.1f} y, {k['note']}) -> {_b(k['floor_nominal_usd_ols'])}",
            markup=False,
        )
    for r in out.get("reported_payments", []):
        vols = "; ".join(
            f"on the {v['tonnes']:,.0f} t {basis}: model {_b(v['model_payment_usd'])}, implied "
            f"reference price {v['implied_reference_usd_per_kg']:.1f} USD/kg"
            for basis, v in r["by_volume"].items()
        )
        con.print(
            f"reported payment {r['quarter']}: {_b(r['reported_usd'])} "
            f"({r['sources'][-1]['publisher']}); model {r['model_usd_per_kg']:.1f} USD/kg; {vols}",
            markup=False,
        )


def register(app: typer.Typer) -> None:
    app.command("floor")(floor_cmd)
