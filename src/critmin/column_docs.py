"""Unit and one-line description of every column of every table, written once, as data.

The column types, bounds and fixed values live in the row models (schema.py, columns.py and,
for the two files outside the store, critmin.file_tables); this module adds what a model
cannot say: the unit of each column and what it means. docs/data-contract.md is generated
from both (critmin.contract; ``critmin data contract --markdown``), and a test fails when a
column has no entry here, when an entry names no column, or when the page is stale.

A column named in :data:`COMMON` means the same in every table that has it, unless the
table's own entry in :data:`COLUMNS` says otherwise. Units: ``t`` metric tonnes; ``%``
percent (0-100); ``fraction 0-1``; ``USD`` US dollars; ``id`` a lower-case slug key;
``ISO 3166-1 alpha-3`` a country code (plus the project codes WLD, XOT, EUU); ``date``
ISO 8601 ``YYYY-MM-DD``; ``year`` a calendar year; ``code`` one of a fixed set of values;
``bool`` ``true``/``false``; ``text`` free text; a unit that another column of the row
gives is written with that column's name in backticks.
"""

from __future__ import annotations

Doc = tuple[str, str]  # (unit, description)

COMMON: dict[str, Doc] = {
    "source_id": ("id", "The source of the row's figures: a source_id of table sources."),
    "mineral_id": ("id", "The mineral: a mineral_id of table minerals."),
    "edition": (
        "id",
        "The publication the figure comes from, as publisher slug + publication year; a later "
        "edition's revision is kept beside the earlier one.",
    ),
    "note": ("text", "Remarks on the row as published: caveats, conversions, the exact wording."),
    "iso3": ("ISO 3166-1 alpha-3", "The country (WLD: the reported world total; XOT: others)."),
    "year": ("year", "The calendar year the figure is for."),
    "estimated": ("bool", "The publisher marks the figure as an estimate."),
    "basis": (
        "code",
        "What the tonnes weigh: contained metal or oxide content, or the gross product weight.",
    ),
    "product": ("text", "The series or product as the publisher labels it."),
    "stage": ("code", "The supply-chain stage: mine output or refined output."),
    "name": ("text", "Name in English, as the source gives it."),
    "aliases": ("text list", "Other spellings seen in sources, `|`-separated."),
    "mineral_ids": ("id list", "Minerals concerned, `|`-separated mineral_ids."),
    "date": ("date", "The day of the event."),
}

COLUMNS: dict[str, dict[str, Doc]] = {
    "sources": {
        "source_id": ("id", "Key of the source, cited by every other table."),
        "publisher": ("text", "The body that published the text: agency, company or outlet."),
        "title": ("text", "Title of the document or page."),
        "url": ("URL", "Where the document is published."),
        "published": ("date", "Publication date: YYYY-MM-DD, YYYY-MM or YYYY as far as known."),
        "accessed": ("date", "The day the document was read."),
        "licence": ("text", "Terms of reuse, as the publisher states them."),
        "note": ("text", "Which kind of source it is (primary, press, aggregator) and caveats."),
    },
    "countries": {
        "iso3": ("ISO 3166-1 alpha-3", "Key: the country, territory or aggregate code."),
        "iso2": ("ISO 3166-1 alpha-2", "Two-letter code; empty for the project codes."),
        "kind": ("code", "Country, territory, or an aggregate such as the world total."),
    },
    "minerals": {
        "mineral_id": ("id", "Key of the mineral, element, material or group."),
        "symbol": ("text", "Chemical symbol of an element."),
        "kind": ("code", "An element, a material (a compound or ore), or a group of minerals."),
        "group": ("text", "The family it belongs to, e.g. rare earth element."),
        "reported_as": ("id", "The group whose statistics cover this mineral, if any."),
        "usgs_2025": ("bool", "On the 2025 US critical minerals list."),
        "eu_2023": ("bool", "On the 2023 EU critical raw materials list."),
        "eu_2023_strategic": ("bool", "On the 2023 EU strategic raw materials list."),
        "unit_basis": ("text", "What the production tonnes measure (content, gross weight)."),
        "reserves_as": (
            "id",
            "The group whose reserves stand for this mineral's where reported_as is empty.",
        ),
        "coverage_note": ("text", "Why a production series is missing (shown by data coverage)."),
    },
    "production": {
        "headline": (
            "bool",
            "The series used for concentration of this mineral and stage.",
        ),
        "value": ("t", "Production in the year; empty when not published (flag says why)."),
        "unit": ("code", "Unit of value: always metric tonnes."),
        "flag": ("code", "Why value is missing or bounded (see the flag values below)."),
    },
    "reserves": {
        "value": ("t", "Reserves at the end of the year; empty when not published."),
        "unit": ("code", "Unit of value: always metric tonnes."),
        "flag": ("code", "Why value is missing or bounded (see the flag values below)."),
    },
    "us_supply": {
        "production": ("t", "US production (primary and secondary as published)."),
        "imports": ("t", "US imports for consumption."),
        "exports": ("t", "US exports."),
        "apparent_consumption": ("t", "Production + imports - exports, +/- stock changes."),
        "net_import_reliance_pct": (
            "%",
            "Net imports as a percent of apparent consumption (negative: net exporter).",
        ),
        "nir_flag": (
            "code",
            "Why the reliance is bounded or missing (see the nir_flag values below).",
        ),
        "import_sources": (
            "ISO 3166-1 alpha-3 list",
            "Main import sources, largest first, `|`-separated.",
        ),
        "price": ("`price_unit`", "Average price in the year."),
        "price_unit": ("text", "Currency and unit of price, e.g. USD/kg."),
        "basis": ("code", "Contained or gross weight of the tonnages (empty: not stated)."),
    },
    "import_shares": {
        "period": ("year range", "The years the shares average over, YYYY-YYYY."),
        "iso3": ("ISO 3166-1 alpha-3", "The import source (XOT: Other)."),
        "share_pct": ("%", "This source's share of US imports over the period."),
        "net_import_reliance_pct": ("%", "US net import reliance the figure states."),
    },
    "applications": {
        "applications": ("text", "The mineral's primary applications, in words."),
    },
    "leading_producers": {
        "year": ("year", "The year of the production figures."),
        "label": ("text", "The row as USGS names it, e.g. Titanium (metal)."),
        "iso3": ("ISO 3166-1 alpha-3", "The leading producing country."),
        "production": ("t", "The leading country's production."),
        "share_pct": ("%", "The leader's share of world production, as published."),
        "world_total": ("t", "World production, as published."),
    },
    "end_uses": {
        "sector": ("text", "The end-use sector."),
        "share": ("fraction 0-1", "The sector's share of the region's consumption."),
        "region": ("ISO 3166-1 alpha-3", "Whose consumption (USA: US end use; WLD: world)."),
        "year": ("year", "The year of the split, when stated."),
    },
    "prices": {
        "period": ("period", "YYYY for a year, YYYY-MM for a month, YYYY-Qn for a quarter."),
        "price": ("`currency` per `unit`", "The price as published."),
        "currency": ("ISO 4217", "Currency of price."),
        "unit": ("text", "Quantity the price is per: kg, lb, t, troy oz, g, mtu..."),
        "market": ("text", "Market or price basis, e.g. China FOB, US, realized."),
    },
    "export_controls": {
        "control_id": ("id", "Key of the control: <iso3 lower>-<year>-<short>."),
        "imposing_iso3": ("ISO 3166-1 alpha-3", "Who imposes it (EUU: the European Union)."),
        "mineral_ids": ("id list", "Minerals covered when founded, `|`-separated."),
        "measure": ("code", "Kind of measure."),
        "target": (
            "code list",
            "Whom it applies to: all, ISO3 codes of destinations, military_end_users, "
            "technology; `|`-separated.",
        ),
        "scope": ("text", "Products covered, in words."),
        "description": ("text", "What the measure does, in words."),
        "source_id": ("id", "The founding document: a source_id of table sources."),
    },
    "control_events": {
        "control_id": ("id", "The control: a control_id of table export_controls."),
        "event": ("code", "What happened on date."),
        "until": ("date", "Last day of a suspension (suspended, suspension_extended only)."),
        "minerals_added": ("id list", "Minerals an amendment adds (amended only)."),
        "minerals_removed": ("id list", "Minerals an amendment removes (amended only)."),
        "targets_added": ("code list", "Targets an amendment adds (amended only)."),
        "targets_removed": ("code list", "Targets an amendment removes (amended only)."),
        "quantity": ("`quantity_unit`", "The quota or rate set (quota_set, rate_set only)."),
        "quantity_unit": ("text", "Unit of quantity: t for a quota, % for a rate."),
    },
    "assets": {
        "asset_id": ("id", "Key of the mine or plant."),
        "iso3": ("ISO 3166-1 alpha-3", "Host country."),
        "capacity": ("`capacity_unit`", "Nameplate or stated capacity."),
        "capacity_unit": ("text", "Unit of capacity as stated, e.g. t cobalt/yr."),
        "status": ("code", "Operating state."),
        "operator": ("text", "Company operating the asset."),
    },
    "asset_output": {
        "asset_id": ("id", "The asset: an asset_id of table assets."),
        "value": ("t", "Output of the mineral in the year."),
    },
    "asset_owners": {
        "asset_id": ("id", "The asset: an asset_id of table assets."),
        "owner": ("text", "The owning company or state body."),
        "owner_iso3": ("ISO 3166-1 alpha-3", "Nationality of the owner."),
        "stake_pct": ("%", "Equity stake held."),
        "state_linked": ("bool", "The owner is a state or state-controlled company."),
        "valid_from": ("date", "First day of the stake (empty: start not known)."),
        "valid_to": ("date", "Day the stake ended, exclusive (empty: still held)."),
    },
    "agencies": {
        "agency_id": ("id", "Key: <actor iso3 lower>-<short>, e.g. usa-dow-osc."),
        "parent": ("id", "The agency_id of the department an office belongs to."),
        "actor_iso3": ("ISO 3166-1 alpha-3", "The state the agency belongs to."),
    },
    "fx_rates": {
        "currency": ("ISO 4217", "The currency."),
        "date": ("date", "The day of the rate."),
        "usd_per_unit": ("USD per unit of currency", "Exchange rate."),
    },
    "interventions": {
        "id": ("id", "Key of the ledger row: iv-<actor lower>-<short>-<n> for new rows."),
        "date": ("date", "Day of the announcement or commitment."),
        "actor_iso3": ("ISO 3166-1 alpha-3", "The state acting."),
        "agency": ("id", "The body acting: an agency_id of table agencies."),
        "instrument": ("code", "The kind of support."),
        "amount": ("`currency`", "Amount as published, in its currency."),
        "currency": ("ISO 4217", "Currency of amount."),
        "amount_usd": ("USD", "Amount converted at the rate of fx_date."),
        "fx_date": ("date", "Day of the exchange rate used."),
        "recipient": ("text", "Who receives the support."),
        "host_iso3": ("ISO 3166-1 alpha-3", "Where the supported project is."),
        "asset_id": ("id", "The supported asset: an asset_id of table assets."),
        "stage": ("text", "Supply-chain stage supported, in words."),
        "status": ("code", "How far the commitment has gone."),
        "recorded_at": ("UTC datetime", "When critmin wrote the row (set on write)."),
        "supersedes": ("id", "The row this one corrects."),
        "claim_ids": ("id list", "Headline claims the row counts towards, `|`-separated."),
        "verification": ("code", "How far the source can be trusted (docs/method.md)."),
    },
    "claims": {
        "claim_id": ("id", "Key of the headline claim."),
        "claim": ("text", "The claim as quoted."),
        "expected_usd": ("USD", "The amount the claim states (empty: none stated)."),
        "match_rule": ("text", "Which ledger rows count towards it, in words."),
        "expected_items": ("text list", "Items the claim's source names, `|`-separated."),
        "tolerance": ("fraction 0-1", "Relative gap within which the ledger matches (0.10)."),
    },
    "world_sum_exceptions": {
        "reason": ("text", "Why the sum of countries may differ from the world total."),
    },
    "projects": {
        "project_id": ("id", "Key of the project."),
        "name": ("text", "Project name."),
        "sponsor": ("text", "Company or joint venture developing it."),
        "mineral_id": ("id", "The main mineral: a mineral_id of table minerals."),
        "host_iso3": ("ISO 3166-1 alpha-3", "Where the project is: a country of table countries."),
        "stage": ("code", "What the project produces at: mine, refinery, magnets, recycling."),
        "current_phase": ("code", "Development phase today."),
        "product": ("text", "What it will sell."),
        "planned_capacity_t": ("t/yr", "Planned output a year at nameplate."),
        "planned_start": ("year or month", "Planned first production, YYYY or YYYY-MM."),
        "capex_usd": ("USD", "Capital cost as last published (nominal, of capex_year)."),
        "capex_year": ("year", "The year the capital cost is in."),
        "ledger_ids": ("id list", "Ledger rows (table interventions) funding it, `|`-separated."),
        "source_url": ("URL", "Where the plan is published."),
        "source_title": ("text", "Title of that document."),
        "publisher": ("text", "Who published it."),
        "published": ("date", "Publication date: YYYY-MM-DD, YYYY-MM or YYYY."),
        "note": ("text", "Plan history, derivations and other sources."),
    },
    "nds_inventory": {
        "mineral_id": ("id", "The mineral: a mineral_id of table minerals."),
        "quantity_t": (
            "t",
            "Quantity held; empty when no figure is published (0 only when stated).",
        ),
        "as_of": ("date", "Day the statement refers to."),
        "source_url": ("URL", "Where the statement is published."),
        "source_title": ("text", "Title of that document."),
        "publisher": ("text", "Who published it."),
        "note": ("text", "The statement's wording and what is not known."),
    },
}

# what a row is, for the tables whose row model has no docstring of its own
ABOUT: dict[str, str] = {
    "sources": "One publication a figure comes from.",
    "countries": "One country, territory or aggregate, with the spellings sources use.",
    "minerals": "One mineral, element, material or group, with the lists it is on.",
    "production": "One country's production of a mineral at one stage in one year, as one "
    "edition published it.",
    "reserves": "One country's reserves of a mineral at the end of one year, as one edition "
    "published it.",
    "us_supply": "US salient statistics of a mineral for one year: production, trade, "
    "apparent consumption, net import reliance and price.",
    "end_uses": "One end-use sector's share of a region's consumption of a mineral.",
    "prices": "One published price of a product of a mineral for a year, month or quarter.",
    "assets": "One mine or plant.",
    "asset_output": "One asset's output of a mineral in one year.",
    "asset_owners": "One owner's stake in an asset, in force on day D when valid_from <= D < "
    "valid_to.",
    "fx_rates": "US dollars per unit of a currency on one day.",
    "interventions": "One state commitment (the ledger): who, what instrument, how much, to "
    "whom, for which minerals, how far it has gone, and how well it is sourced.",
}

# the meaning of each fixed value; a test checks each set against the schema's own values
FLAG_MEANINGS: dict[str, str] = {
    "W": "withheld to avoid disclosing company data",
    "NA": "not available",
    "incl": "included in another line",
    ">": "more than the value given",
    "<": "less than the value given",
    "qualitative": "the publisher gives a word (Large, Small), kept in note, not a number",
}
NIR_FLAG_MEANINGS: dict[str, str] = {
    "E": "net exporter",
    ">": "more than the value given",
    "<": "less than the value given",
    "W": "withheld",
    "NA": "not available",
}
VERIFICATION_MEANINGS: dict[str, str] = {
    "primary": "the government body or company itself",
    "press": "a named outlet reporting it",
    "unverified": "an aggregator, blog, third-party copy, staging URL or estimate",
}


def doc(table: str, column: str) -> Doc | None:
    """(unit, description) of ``column`` of ``table``; None when neither list has it."""
    return COLUMNS.get(table, {}).get(column) or COMMON.get(column)
