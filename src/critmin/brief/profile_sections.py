"""The brief's optional country sections (``critmin brief --country COD``): a country profile
(critmin.capabilities.profiles.country_profile) as a finding and one table per block, the same rows
``critmin country COD --json`` prints."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from critmin import names
from critmin.brief.config import BriefConfig
from critmin.brief.section import Section, Table, cite, esc, pct, usd


def _with_fraction(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Rows with ``share`` = share_pct / 100: the brief's tables print fractions in %."""
    return [
        {**r, "share": None if r.get("share_pct") is None else r["share_pct"] / 100} for r in rows
    ]


def _controls(title: str, rows: list[dict[str, Any]], who: bool) -> Table:
    columns = [("control_id", "control"), ("mineral_ids", "minerals")]
    if who:
        columns.append(("imposing_iso3", "imposed by"))
    columns += [("measure", "measure"), ("status_text", "status on the date")]
    return Table(
        title,
        columns,
        rows,
        source="sources",
        formats={"mineral_ids": "mineral", "imposing_iso3": "country", "measure": "words"},
    )


def _ledger(title: str, rows: list[dict[str, Any]], other: str, header: str) -> Table:
    return Table(
        title,
        [
            ("date", "date"),
            (other, header),
            ("recipient", "recipient"),
            ("instrument", "instrument"),
            ("amount_usd", "amount"),
            ("status", "status"),
            ("counted", "in the total"),
        ],
        rows,
        source="source_id",
        formats={other: "country", "amount_usd": "usd", "instrument": "words", "status": "words"},
    )


def _in_words(text: str) -> str:
    """A block's note for readers: country codes as names, the CLI's field names in words."""
    text = text.replace("share_pct", "share").replace("owner_iso3 empty", "no owner")
    text = text.replace("--include-unverified adds them", "`ledger summary --include-unverified`")
    return re.sub(r"\b[A-Z]{3}\b", lambda m: names.country(m.group(0)), text)


def country_section(iso3: str, number: int) -> Callable[[BriefConfig], Section]:
    """The maker of section ``number`` (after the six fixed ones): the profile of ``iso3``
    on today's date."""
    return lambda cfg: _country_section(iso3, number)


def _country_section(iso3: str, number: int) -> Section:
    from critmin.capabilities.profiles import country_profile

    res = country_profile(country=iso3)
    p = res.to_dict()
    blocks = {key: p[key] for key in res.BLOCKS}
    iso, name = p["iso3"], p["name"]
    s = Section(f"country-{iso.lower()}", f"{number}. Country profile: {name}")
    prod = _with_fraction(blocks["production"]["rows"])
    leading = [r for r in prod if r.get("rank") == 1]
    if leading:
        parts = [
            f"{names.mineral(r['mineral'])} ({r['stage']}, {r['year']}: {pct(r['share'], 0)})"
            for r in leading
        ]
        ids = {i for r in leading for i in r.get("sources", [])}
        s.finding.append(
            esc(f"{name} is the world's largest producer of {', '.join(parts)}.") + cite(ids)
        )
    elif prod:
        s.finding.append(esc(f"{name} leads no mineral's production in the data."))
    received_block, made_block = blocks["commitments_received"], blocks["commitments_made"]
    counted = [r for r in received_block["rows"] if r.get("counted")]
    received = sum(r.get("amount_usd") or 0.0 for r in counted)
    if received:
        ids = {r["source_id"] for r in counted}
        s.finding.append(
            esc(
                f"States have committed {usd(received)} to projects in {name} "
                "(sourced, announced to disbursed; the table lists what the total leaves out)."
            )
            + cite(ids)
        )
    s.tables.append(
        Table(
            blocks["production"]["title"],
            [
                ("mineral", "mineral"),
                ("stage", "stage"),
                ("year", "year"),
                ("value_t", "output"),
                ("share", "share of world"),
                ("rank", "rank"),
            ],
            prod,
            source="sources",
            formats={"mineral": "mineral", "value_t": "t", "share": "pct"},
        )
    )
    s.tables.append(
        Table(
            blocks["ownership"]["title"],
            [
                ("mineral", "mineral"),
                ("year", "year"),
                ("owner_iso3", "owner nationality"),
                ("share", "share of output"),
            ],
            [
                {**r, "owner_iso3": r.get("owner_iso3") or "unattributed"}
                for r in _with_fraction(blocks["ownership"]["rows"])
            ],
            source="sources",
            formats={"mineral": "mineral", "owner_iso3": "country", "share": "pct"},
        )
    )
    imposed, faced = blocks["controls_imposed"], blocks["controls_faced"]
    s.tables.append(_controls(imposed["title"], imposed["rows"], who=False))
    s.tables.append(_controls(faced["title"], faced["rows"], who=True))
    s.tables.append(_ledger(received_block["title"], received_block["rows"], "actor_iso3", "from"))
    s.tables.append(_ledger(made_block["title"], made_block["rows"], "host_iso3", "host"))
    for block in blocks.values():
        if block["note"]:
            s.notes.append(esc(_in_words(f"{block['title']}: {block['note']}")))
        s.sources.update(src["source_id"] for src in block["sources"])
    s.facts[f"country_{iso}_received_usd"] = received
    return s
