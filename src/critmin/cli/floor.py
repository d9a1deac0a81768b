"""`critmin floor`: what a price floor could cost (Monte Carlo beside the closed form, Q5)."""

from __future__ import annotations

import sys
from collections.abc import Callable
from typing import Any, TypeVar

import typer

from critmin.cli.output import print_json, print_table
from critmin.defaults import FLOOR_PATHS, SEED

T = TypeVar("T")

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


def _jumps(text: str) -> list[float] | bool:
    from critmin.errors import InputError

    if text.strip().lower() in {"none", "off", "0"}:
        return False
    vals = _floats(text, "--jumps")
    if len(vals) != 3:
        reason = "give LAMBDA,MEAN,SD (jumps a year, log-jump mean and sd)"
        raise InputError(reason, field="--jumps", value=text)
    return vals


def _named(fn: Callable[..., T], **kw: Any) -> T:
    """``fn(**kw)`` (a floor capability) with an error on a contract or model field renamed
    to the option that sets it."""
    from critmin.errors import InputError

    try:
        return fn(definition_field="--definition", **kw)
    except InputError as exc:
        head = (exc.field or "").split(".")[0]
        if head not in _OPTION:
            raise
        reason = str(exc).split(": ", 1)[-1].split(" (got ")[0]
        raise InputError(reason, field=_OPTION[head], value=exc.value) from None


def _print_summary(title: str, d: dict[str, Any]) -> None:
    from rich.console import Console
    from rich.markup import escape

    from critmin.cli.output import printable

    c, m = d["contract"], d["model"]
    vol = ", ".join(f"{v:,.0f}" for v in c["volume_tpy"])
    if m["kind"] == "gbm":
        params = f"mu {m['mu']:g}"
    else:
        params = f"kappa {m['kappa']:g}, theta {m['theta_level']:g}"
    j = m["jumps"]
    jumps = "" if j is None else f", jumps {j['intensity']:g}/yr N({j['mean']:g}, {j['sd']:g}^2)"
    cap = c["annual_cap_usd"]
    out = Console()
    out.print(f"[bold]{escape(printable(title))}[/bold]")
    out.print(
        f"floor {c['floor']:g} {c['currency']}/{c['unit']} for {c['term_years']:g} years, "
        f"{c['settlement']}; volume {vol} t/yr; discount {c['discount_rate']:.2%}"
        + ("" if cap is None else f"; annual cap ${cap:,.0f}"),
        markup=False,
    )
    out.print(
        f"model {m['kind']}: spot {m['spot']:g}, sigma {m['sigma']:g}, {params}{jumps}",
        markup=False,
    )

    def b(x: float | None) -> str:
        if x is None:
            return "n/a"
        return f"${x / 1e9:,.3f}B" if abs(x) >= 1e9 else f"${x / 1e6:,.2f}M"

    cols = ["", "Monte Carlo", "+/- 1 s.e.", "closed form"]
    rows = [
        [
            "expected cost (nominal)",
            b(d["expected_cost_usd"]),
            b(d["stderr_usd"]),
            b(d["analytic_expected_cost_usd"]),
        ],
        [
            "expected cost (PV)",
            b(d["pv_cost_usd"]),
            b(d["pv_stderr_usd"]),
            b(d["analytic_pv_cost_usd"]),
        ],
        ["p50 / p95 / p99 (nominal)", f"{b(d['p50_usd'])} / {b(d['p95_usd'])} / {b(d['p99_usd'])}"],
        [
            "p50 / p95 / p99 (PV)",
            f"{b(d['pv_p50_usd'])} / {b(d['pv_p95_usd'])} / {b(d['pv_p99_usd'])}",
        ],
        ["probability of any payout", f"{d['prob_any_payout']:.2%}"],
        [
            "expected paying settlements / years",
            f"{d['expected_payout_settlements']:.1f} / {d['expected_payout_years']:.1f}",
        ],
    ]
    print_table([dict(zip(cols, r, strict=False)) for r in rows], cols, title="cost to the payer")
    if d["analytic_note"]:
        out.print(f"closed form: {d['analytic_note']}", markup=False)
    cols = ["year", "expected payout", "PV", "closed form"]
    yearly = [
        dict(
            zip(
                cols,
                [y["year"], b(y["expected_payout_usd"]), b(y["pv_usd"]), b(y["analytic_usd"])],
                strict=True,
            )
        )
        for y in d["yearly"]
    ]
    print_table(yearly, cols, title="by contract year")
    z = d["mc_minus_analytic_in_stderr"]
    out.print(
        f"{d['paths']:,} paths x {d['steps']} steps, seed {d['seed']}, {d['runtime_s']:.2f} s"
        f" ({d['path_steps_per_s'] / 1e6:,.0f}M path-steps/s); quantiles {d['quantile_method']}"
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
    from critmin.capabilities.floor import floor_band, floor_setup, run_floor
    from critmin.errors import InputError

    if preset is not None and definition is not None:
        raise InputError("give --preset or --definition, not both", field="--preset")
    for opt, val, low in (("--paths", paths, 1), ("--seed", seed, 0), ("--workers", workers, 1)):
        if val < low:
            raise InputError(f"must be an integer >= {low}", field=opt, value=val)
    if model is not None and model not in {"gbm", "ou"}:
        raise InputError("choose gbm or ou", field="--model", value=model)
    model_opts = {"spot": spot, "sigma": vol, "mu": mu, "kappa": kappa, "theta_level": theta}
    setup = _named(
        floor_setup,
        preset=preset,
        definition=definition,
        floor=floor,
        term_years=years,
        volume_tpy=None if volume is None else _floats(volume, "--volume"),
        settlement=settlement,
        discount_rate=rate,
        annual_cap_usd=cap,
        model=model,
        jumps=None if jumps is None else _jumps(jumps),
        paths=paths,
        seed=seed,
        workers=workers,
        **model_opts,
    )

    def show_band() -> None:
        if preset is None and definition is None:
            raise InputError("the band needs --preset or --definition", field="--band")
        out = _named(
            floor_band,
            preset=preset,
            definition=definition,
            model=model,
            jumps=None if jumps is None else _jumps(jumps),
            **model_opts,
        )
        if as_json:
            print_json(out.to_dict())
        else:
            print_band(out.to_dict())

    if band:
        show_band()
        return
    if sys.stderr.isatty() and setup.paths * setup.steps >= LONG_RUN_PATH_STEPS:
        from rich.console import Console
        from rich.progress import BarColumn, Progress, TextColumn, TimeRemainingColumn

        columns = (TextColumn("simulating paths"), BarColumn(), TimeRemainingColumn())
        with Progress(*columns, console=Console(stderr=True), transient=True) as bar:
            task = bar.add_task("paths", total=paths)

            def tick(done: int, _total: int) -> None:
                bar.update(task, completed=done)

            res = run_floor(setup, progress=tick)
    else:
        res = run_floor(setup)
    if as_json:
        print_json(res.to_dict())
        return
    _print_summary(setup.title, res.to_dict())
    if band is None and setup.has_band and setup.model.kind == "ou":
        show_band()


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
