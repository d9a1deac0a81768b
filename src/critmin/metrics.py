"""Supply-concentration, ownership-control and exposure formulas (DESIGN.md section 4, Q1-Q3).

Pure functions over plain mappings: no I/O, nothing printed. Quantities are tonnes of the same
product and basis; shares are fractions in [0, 1]; HHI is on the 0-10 000 scale.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

# ISO3 codes that are not single countries: excluded from HHI, top-3 and leader look-ups.
AGGREGATES = frozenset({"WLD", "XOT"})

# US DOJ/FTC Merger Guidelines 2023, section 2.1: HHI above 1 800 is highly concentrated,
# 1 000-1 800 moderately concentrated.
HHI_HIGH = 1800.0
HHI_MODERATE = 1000.0


# Names of the denominator a share is taken of (the JSON field ``denominator``).
WORLD_TOTAL = "world total"
SUM_OF_COUNTRIES = "sum of countries"


def world_total(values: Mapping[str, float], reported: float | None) -> tuple[float, str | None]:
    """The denominator of every share, and its name: the larger of the reported world total
    and the sum of countries.

    denominator = max(W, S), with W the reported world total (if given and > 0) and
    S = sum_i value_i over every row but the world line ("Other countries" and "Rest of world"
    rows included). A world total the source rounded down, or one that leaves a country out,
    can be smaller than the rows it stands above; dividing by it would give shares above 1 and
    an HHI above 10 000, so the sum is used then. Returns (tonnes, name) with name
    ``"world total"`` (W, ties included) or ``"sum of countries"`` (S), and (0.0, None) when
    neither is positive (no share can be stated).
    """
    total = float(sum(v for k, v in values.items() if k != "WLD"))
    if reported is not None and reported > 0 and reported >= total:
        return float(reported), WORLD_TOTAL
    if total > 0:
        return total, SUM_OF_COUNTRIES
    return 0.0, None


def shares(values: Mapping[str, float], world: float) -> dict[str, float]:
    """share_i = value_i / world, for every key except the world line itself.

    Units: value_i and world in the same unit (t); shares are fractions. ``world`` is the
    denominator of :func:`world_total` (never below the sum of the values), so every share is
    in [0, 1] and they add to at most 1; a share is capped at 1 against floating-point
    rounding. Source: DESIGN.md section 4. A non-positive world gives an empty mapping (no
    shares can be stated).
    """
    if world <= 0:
        return {}
    return {k: min(v / world, 1.0) for k, v in values.items() if k != "WLD"}


def hhi(country_shares: Iterable[float]) -> float:
    """Herfindahl-Hirschman index: HHI = sum_i (100 * s_i)^2, on 0-10 000.

    ``country_shares`` are fractions of world supply held by single countries (leave out
    "Other countries" lines: their members are unknown), taken of the denominator of
    :func:`world_total`, so they add to at most 1 and the HHI is at most 10 000 (capped there
    against floating-point rounding). One supplier gives 10 000; n equal suppliers give
    10 000 / n. Source: US DOJ/FTC Merger Guidelines (2023), section 2.1.
    """
    return min(float(sum((100.0 * s) ** 2 for s in country_shares)), 10_000.0)


def hhi_band(value: float) -> str:
    """DOJ/FTC 2023 band of an HHI: 'high' (>1 800), 'moderate' (1 000-1 800), 'low'."""
    if value > HHI_HIGH:
        return "high"
    if value >= HHI_MODERATE:
        return "moderate"
    return "low"


def top_n_share(country_shares: Mapping[str, float], n: int = 3) -> float:
    """Sum of the n largest single-country shares (fraction, at most 1: capped against
    floating-point rounding; the shares of :func:`shares` add to at most 1)."""
    ranked = sorted((s for k, s in country_shares.items() if k not in AGGREGATES), reverse=True)
    return min(float(sum(ranked[:n])), 1.0)


def leader(country_shares: Mapping[str, float]) -> tuple[str, float] | None:
    """(iso3, share) of the largest single-country share, or None if there is none."""
    ranked = [(k, s) for k, s in country_shares.items() if k not in AGGREGATES]
    if not ranked:
        return None
    iso3, share = max(ranked, key=lambda kv: (kv[1], kv[0]))
    return iso3, share


def dual_dominance(mine: Mapping[str, float], refine: Mapping[str, float]) -> dict[str, float]:
    """Dual dominance of each country c: D_c = min(mine share_c, refine share_c).

    A country that leads both stages has a high D_c; a country absent from one stage has
    D_c = 0. Source: DESIGN.md section 4.
    """
    countries = (set(mine) | set(refine)) - AGGREGATES
    return {c: min(mine.get(c, 0.0), refine.get(c, 0.0)) for c in sorted(countries)}


def control_shares(
    output: Mapping[str, float],
    stakes: Mapping[str, Iterable[tuple[str, float]]],
    denominator: float,
) -> tuple[dict[str, float], float, float]:
    """Ownership-weighted control share by owner nationality.

    control_n = sum_a output_a * stake_{a,n} / denominator, with output_a the asset's
    production (t), stake_{a,n} the fraction of asset a held by owners of nationality n, and
    the denominator world (or host-country) production (t). Output of assets without
    ownership data, the part of an asset no listed owner holds, and production outside the
    register all count as unattributed: unattributed = 1 - sum_n control_n.
    Returns (control by nationality, unattributed share, register coverage = sum_a output_a
    / denominator). Source: DESIGN.md section 4 (Q2).
    """
    if denominator <= 0:
        return {}, 1.0, 0.0
    by_n: dict[str, float] = {}
    for asset, out in output.items():
        for nationality, stake in stakes.get(asset, ()):
            by_n[nationality] = by_n.get(nationality, 0.0) + out * stake / denominator
    attributed = sum(by_n.values())
    coverage = sum(output.values()) / denominator
    return dict(sorted(by_n.items(), key=lambda kv: -kv[1])), 1.0 - attributed, coverage


def exposure_score(
    net_import_reliance: float, controlled_share: float, weight: float = 1.0
) -> float:
    """US exposure to export controls on a mineral.

    score = NIR x C x w, with NIR the US net import reliance (fraction of apparent
    consumption, 0..1; a net exporter counts 0), C the share of world supply (at the most
    controlled stage) produced by countries with an export control in force on the mineral
    (0..1), and w an end-use weight (1 by default: every use counts; pass the share of end
    uses in the sectors you care about to narrow it). Range 0..1. Source: DESIGN.md section 4.
    """
    nir = min(max(net_import_reliance, 0.0), 1.0)
    c = min(max(controlled_share, 0.0), 1.0)
    return nir * c * weight
