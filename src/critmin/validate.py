"""Consistency rules of DESIGN.md section 3, with a strict flag.

Always: keys unique; every mineral id, country, source id and asset id resolves; no negative
tonnes; ownership stakes of an asset add to at most 100 %; end-use shares of a mineral add to
at most 1; the sum of countries ("Other countries" / "Rest of world" rows included) does not
exceed the reported world total by more than 2 % plus half a rounding step of that total (see
:func:`rounding_slack`) unless the case is on the reviewed exception list (table
``world_sum_exceptions``, each with its reason); ledger correction chains neither fork nor
loop, and no correction is recorded before the row it corrects.
Strict adds: the sum of countries is also not more than 10 % *below* the world total (same
exception list); every source has a URL and a publication date; the minerals table flags all
60 minerals of the USGS 2025 list; group members point to a group row; ledger USD amounts agree
with the FX table.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import TYPE_CHECKING, Any

from critmin.editions import check_editions
from critmin.schema import TABLES, Failure

if TYPE_CHECKING:
    import polars as pl

    from critmin.store import StoreArg

WORLD_SUM_OVER = 0.02  # sum of countries above the world total: double counts (IEA nickel)
WORLD_SUM_TOLERANCE = 0.10  # DESIGN.md section 3: sum below the world total (strict)
SHARE_TOLERANCE = 0.01
USGS_2025_COUNT = 60  # USGS final 2025 List of Critical Minerals


def _rowid(row: dict[str, Any], key: tuple[str, ...]) -> str:
    return ",".join(f"{k}={row.get(k)}" for k in key)


def check_keys(name: str, frame: pl.DataFrame) -> list[Failure]:
    key = list(TABLES[name].key)
    if frame.is_empty():
        return []
    counts = frame.group_by(key, maintain_order=True).len()
    dup = counts.filter(counts["len"] > 1)
    return [
        Failure(name, _rowid(r, tuple(key)), key[-1], r["len"], "duplicate key")
        for r in dup.to_dicts()
    ]


def check_refs(frames: dict[str, pl.DataFrame]) -> list[Failure]:
    out: list[Failure] = []
    keysets: dict[str, set[Any]] = {}
    for name, spec in TABLES.items():
        if len(spec.key) == 1 and name in frames:
            keysets[name] = set(frames[name][spec.key[0]].to_list())
    for name, spec in TABLES.items():
        frame = frames.get(name)
        if frame is None or frame.is_empty():
            continue
        for col, target in spec.refs.items():
            known = keysets.get(target, set())
            cols = list(dict.fromkeys([*spec.key, col]))
            for row in frame.select(cols).unique(maintain_order=True).to_dicts():
                values = row[col] if isinstance(row[col], list) else [row[col]]
                for v in values:
                    if v is None:
                        continue
                    if v not in known:
                        out.append(
                            Failure(name, _rowid(row, spec.key), col, v, f"not found in {target}")
                        )
    # export-control targets are ISO3 codes of countries or one of the target words
    from critmin.schema import TARGET_WORDS

    known = keysets.get("countries", set())
    target_cols: tuple[tuple[str, tuple[str, ...]], ...] = (
        ("export_controls", ("target",)),
        ("control_events", ("targets_added", "targets_removed")),
    )
    for name, columns in target_cols:
        frame = frames.get(name)
        if frame is None or frame.is_empty():
            continue
        key = TABLES[name].key
        for row in frame.to_dicts():
            for col in columns:
                for v in row[col] or []:
                    if v not in TARGET_WORDS and v not in known:
                        out.append(Failure(name, _rowid(row, key), col, v, "not a country"))
    return out


def rounding_slack(world: float) -> float:
    """Half a rounding step of a reported world total: the most rounding can have taken off.

    The step is the place of the total's last non-zero digit, read as at least two significant
    figures (USGS rounds world totals to two or three): 900 -> 10, 1 990 -> 10, 100 000 ->
    10 000, 1 000 000 -> 100 000, 3 483 697 -> 1. Returns step / 2 (t).
    """
    if world <= 0:
        return 0.0
    n = round(world)
    if n != world or n == 0:
        return 0.0  # a total given with decimals is not rounded to a power of ten
    step = 1
    while n % (step * 10) == 0:
        step *= 10
    two_figures: int = 10 ** max(len(str(n)) - 2, 0)
    return min(step, two_figures) / 2


def world_sum_limit(world: float) -> float:
    """The largest sum of countries a reported world total admits: world x 1.02 plus
    :func:`rounding_slack` (t)."""
    return world * (1 + WORLD_SUM_OVER) + rounding_slack(world)


def check_world_sum(frames: dict[str, pl.DataFrame], strict: bool) -> list[Failure]:
    """Sum of countries vs the reported world total, per mineral x stage x product x year x
    source.

    The sum takes every row but the world line, "Other countries" / "Rest of world" (XOT)
    included; rows without a value add nothing. It fails when it exceeds
    :func:`world_sum_limit` (a country counted twice: the IEA nickel rest-of-world line held
    Canada again), or, in strict mode, when it falls more than 10 % short of the world total;
    a case on the reviewed exception list (mineral, stage, year and the source that published
    it, with its reason) is excused; the same year from another edition is checked.
    """
    import polars as pl

    prod = frames.get("production")
    if prod is None or prod.is_empty():
        return []
    exc = frames.get("world_sum_exceptions")
    excused = set()
    if exc is not None:
        excused = {(r["mineral_id"], r["stage"], r["year"], r["source_id"]) for r in exc.to_dicts()}
    group = ["mineral_id", "stage", "product", "year", "source_id"]
    world = prod.filter(pl.col("iso3") == "WLD").select([*group, pl.col("value").alias("world")])
    parts = (
        prod.filter(pl.col("iso3") != "WLD")
        .group_by(group)
        .agg(pl.col("value").sum().alias("sum"), pl.len().alias("n"))
    )
    joined = world.join(parts, on=group, how="inner").filter(pl.col("world") > 0)
    out = []
    for r in joined.to_dicts():
        ratio = r["sum"] / r["world"] - 1.0
        over = r["sum"] > world_sum_limit(r["world"])
        under = strict and ratio < -WORLD_SUM_TOLERANCE
        key = (r["mineral_id"], r["stage"], r["year"], r["source_id"])
        if (over or under) and key not in excused:
            if over:
                message = (
                    f"sum of countries exceeds the reported world total {r['world']:g} "
                    f"by {ratio:.1%} (limit {WORLD_SUM_OVER:.0%} plus rounding "
                    f"{rounding_slack(r['world']):g}): a country counted twice?"
                )
            else:
                message = (
                    f"sum of countries falls short of the reported world total {r['world']:g} "
                    f"by {abs(ratio):.1%} (limit {WORLD_SUM_TOLERANCE:.0%})"
                )
            out.append(
                Failure("production", _rowid(r, tuple(group)), "value", round(r["sum"], 3), message)
            )
    return out


def check_control_chains(frames: dict[str, pl.DataFrame]) -> list[Failure]:
    """Every export control's events in order (critmin.control_chain.chain_errors): announced on
    or before effective, nothing after lifted, resumed and suspension_extended only while
    suspended. The same rule refuses an import (store.upsert_rows)."""
    from critmin.control_chain import chains_errors

    ev = frames.get("control_events")
    if ev is None or ev.is_empty():
        return []
    return [
        Failure("control_events", cid, "event", cid, message)
        for cid, message in chains_errors(ev.to_dicts())
    ]


def check_negative(frames: dict[str, pl.DataFrame]) -> list[Failure]:
    out = []
    cols = {
        "production": ["value"],
        "reserves": ["value"],
        "asset_output": ["value"],
        "us_supply": ["production", "imports", "exports", "apparent_consumption"],
        "interventions": ["amount", "amount_usd"],
    }
    for name, columns in cols.items():
        frame = frames.get(name)
        if frame is None:
            continue
        for col in columns:
            for r in frame.filter(frame[col] < 0).to_dicts():
                out.append(Failure(name, _rowid(r, TABLES[name].key), col, r[col], "negative"))
    return out


def check_shares(frames: dict[str, pl.DataFrame]) -> list[Failure]:
    import polars as pl

    out = []
    eu = frames.get("end_uses")
    if eu is not None and not eu.is_empty():
        g = ["mineral_id", "region", "year", "source_id"]
        sums = eu.group_by(g).agg(pl.col("share").sum().alias("total"))
        for r in sums.filter(pl.col("total") > 1 + SHARE_TOLERANCE).to_dicts():
            out.append(
                Failure("end_uses", _rowid(r, tuple(g)), "share", r["total"], "shares add above 1")
            )
    own = frames.get("asset_owners")
    if own is not None and not own.is_empty():
        # stakes in force on each date a stake starts (and on the open start) add to <= 100
        for asset_id, grp in own.group_by("asset_id"):
            rows = grp.to_dicts()
            starts = {r["valid_from"] for r in rows}
            for on in sorted(starts, key=lambda d: d or dt.date.min):
                total = sum(
                    r["stake_pct"]
                    for r in rows
                    if (r["valid_from"] is None or (on is not None and r["valid_from"] <= on))
                    and (r["valid_to"] is None or on is None or on < r["valid_to"])
                )
                if total > 100 + 100 * SHARE_TOLERANCE:
                    out.append(
                        Failure(
                            "asset_owners",
                            f"{asset_id[0]}/{on or 'open start'}",
                            "stake_pct",
                            total,
                            "stakes in force on that day add above 100",
                        )
                    )
    return out


def check_strict_extras(frames: dict[str, pl.DataFrame]) -> list[Failure]:
    out = []
    src = frames.get("sources")
    if src is not None:
        for r in src.to_dicts():
            for col in ("url", "published"):
                if not r[col]:
                    out.append(Failure("sources", r["source_id"], col, r[col], "missing"))
    mins = frames.get("minerals")
    if mins is not None:
        n = int(mins["usgs_2025"].sum())
        if n != USGS_2025_COUNT:
            out.append(
                Failure(
                    "minerals", "*", "usgs_2025", n, f"expected {USGS_2025_COUNT} flagged minerals"
                )
            )
        kinds = dict(zip(mins["mineral_id"].to_list(), mins["kind"].to_list(), strict=True))
        for col in ("reported_as", "reserves_as"):
            if col not in mins.columns:
                continue
            for r in mins.filter(mins[col].is_not_null()).to_dicts():
                if kinds.get(r[col]) != "group":
                    out.append(Failure("minerals", r["mineral_id"], col, r[col], "not a group row"))
    iv, fx = frames.get("interventions"), frames.get("fx_rates")
    if iv is not None and fx is not None:
        rates = {(r["currency"], r["date"]): r["usd_per_unit"] for r in fx.to_dicts()}
        for r in iv.to_dicts():
            if r["amount"] is None or r["currency"] is None:
                continue
            if r["currency"] == "USD":
                expected = r["amount"]
            elif (r["currency"], r["fx_date"]) in rates:
                expected = r["amount"] * rates[(r["currency"], r["fx_date"])]
            else:
                out.append(
                    Failure(
                        "interventions",
                        r["id"],
                        "fx_date",
                        r["fx_date"],
                        f"no {r['currency']} rate on that date",
                    )
                )
                continue
            got = r["amount_usd"]
            if got is None or abs(got - expected) > max(1.0, 1e-6 * expected):
                out.append(
                    Failure(
                        "interventions",
                        r["id"],
                        "amount_usd",
                        got,
                        f"expected {expected:.2f} from the FX table",
                    )
                )
    return out


def check_chains(frames: dict[str, pl.DataFrame]) -> list[Failure]:
    """Ledger correction chains never fork or loop (critmin.ledger.chain_problems), and a
    correction is not recorded before the row it corrects."""
    from critmin.ledger import chain_problems

    iv = frames.get("interventions")
    if iv is None or iv.is_empty():
        return []
    rows = iv.select(["id", "supersedes", "recorded_at"]).to_dicts()
    out = [
        Failure("interventions", p["row"], "supersedes", p["other"], p["problem"])
        for p in chain_problems(rows)
    ]
    at = {r["id"]: r["recorded_at"] for r in rows}
    for r in rows:
        old = at.get(r["supersedes"]) if r["supersedes"] else None
        if old is not None and r["recorded_at"] is not None and r["recorded_at"] < old:
            out.append(
                Failure(
                    "interventions",
                    r["id"],
                    "recorded_at",
                    str(r["recorded_at"]),
                    f"earlier than the row it corrects ({r['supersedes']}, {old})",
                )
            )
    return out


def validate_frames(frames: dict[str, pl.DataFrame], strict: bool = False) -> list[Failure]:
    """Every rule above over a set of tables (as polars frames)."""
    out: list[Failure] = []
    for name, frame in frames.items():
        out += check_keys(name, frame)
    out += check_refs(frames)
    out += check_negative(frames)
    out += check_shares(frames)
    out += check_chains(frames)
    out += check_world_sum(frames, strict)
    out += check_editions(frames)  # critmin.editions: the latest-edition rule stays defined
    out += check_control_chains(frames)
    if strict:
        out += check_strict_extras(frames)
    return out


def check_file_tables(frames: dict[str, pl.DataFrame], folder: Path | None = None) -> list[Failure]:
    """The bundled files outside the store (critmin.file_tables: the project register and the
    stockpile inventory): cells, keys, and references into ``frames``. With ``folder``, a
    ``<name>.csv`` there (``projects.csv``, ``nds_inventory.csv``) is read in place of the
    bundled file."""
    from critmin.file_tables import FILE_TABLES, check

    targets = {t for ft in FILE_TABLES.values() for t in ft.refs.values()}
    keys = {
        name: set(frames[name][TABLES[name].key[0]].to_list()) for name in targets if name in frames
    }
    paths = {}
    if folder is not None:
        paths = {n: folder / f"{n}.csv" for n in FILE_TABLES if (folder / f"{n}.csv").is_file()}
    return check(keys, paths)


def validate_store(strict: bool = False, path: StoreArg = None) -> list[Failure]:
    """Validate what the store holds, and the bundled files outside it."""
    from critmin.store import read_table

    frames = {name: read_table(name, path) for name in TABLES}
    return validate_frames(frames, strict) + check_file_tables(frames)


def validate(strict: bool = False, folder: Path | str | None = None) -> list[Failure]:
    """Validate CSVs in ``folder`` (default: the bundled reference data) without a store.

    Parse failures (file, line, column) come first, then the cross-table rules, then the
    files outside the store (:func:`check_file_tables`).
    """
    import polars as pl

    from critmin.data.bundled import read_reference
    from critmin.schema import polars_schema

    parsed = read_reference(Path(folder) if folder else None)
    frames = {
        name: pl.DataFrame(rows, schema=polars_schema(TABLES[name]), orient="row")
        for name, rows in parsed.rows.items()
    }
    failures: list[Failure] = parsed.failures + validate_frames(frames, strict)
    return failures + check_file_tables(frames, Path(folder) if folder else None)
