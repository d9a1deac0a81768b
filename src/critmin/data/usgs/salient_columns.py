"""Column mapping of the U.S. salient-statistics files (data): which published columns make
each mineral's ``us_supply`` row and which are prices, per commodity file code.

This module is only data and the small types that hold it (:class:`Series`,
:class:`PriceColumn`, :class:`SalientFile`); :mod:`critmin.data.usgs.salient` reads it.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Series:
    """Which columns of a salient file make one mineral's ``us_supply`` row.

    Quantity fields list one column or several (summed); ``units`` overrides a column's unit
    token where the header is wrong (``Consump_g`` holds kilograms). ``note`` says what each
    field holds, in words, and is copied to every row.
    """

    mineral_id: str
    basis: str | None
    note: str
    production: tuple[str, ...] = ()
    imports: tuple[str, ...] = ()
    exports: tuple[str, ...] = ()
    consumption: tuple[str, ...] = ()
    nir: str | None = None
    price: str | None = None
    units: tuple[tuple[str, str], ...] = ()


@dataclass(frozen=True)
class PriceColumn:
    """A price column: mineral, product and market; ``unit`` (USD per unit) overrides a wrong
    or missing suffix."""

    mineral_id: str
    product: str
    market: str | None = None
    unit: str | None = None
    note: str | None = None


@dataclass(frozen=True)
class SalientFile:
    series: tuple[Series, ...]
    prices: dict[str, PriceColumn]


def _cols(value: str | tuple[str, ...] | None) -> tuple[str, ...]:
    if value is None:
        return ()
    return (value,) if isinstance(value, str) else value


def _s(
    mineral_id: str,
    basis: str | None,
    note: str,
    *,
    prod: str | tuple[str, ...] | None = None,
    imp: str | tuple[str, ...] | None = None,
    exp: str | tuple[str, ...] | None = None,
    cons: str | tuple[str, ...] | None = None,
    nir: str | None = None,
    price: str | None = None,
    units: dict[str, str] | None = None,
) -> Series:
    return Series(
        mineral_id,
        basis,
        note,
        _cols(prod),
        _cols(imp),
        _cols(exp),
        _cols(cons),
        nir,
        price,
        tuple((units or {}).items()),
    )


P = PriceColumn

# The per-commodity column mapping of the MCS 2025 salient files (headers exactly as
# published). Where a header disagrees with the metadata XML or the MCS 2025 chapter, the
# values follow the chapter and the note says so. `us_supply` production is the primary
# (mine, or primary refinery where there is no mine stage) U.S. production.
_ARGUS = "Argus Non-Ferrous Markets"
_ENG = "Engelhard unfabricated (Platts)"
_REE = "Argus (MCS annual average)"
# fmt: off
_PER_KG = "CSV header ends in _t; the metadata and the MCS 2025 chapter say USD per kilogram"
SALIENT_2025: dict[str, SalientFile] = {
    "alumi": SalientFile(
        (_s("aluminum", "contained",
            "production = primary aluminum; imports and exports = crude metal and "
            "semimanufactures (scrap excluded)",
            prod="USprod_Primary_kt", imp="Imports_Crude_kt", exp="Exports_Crude_kt",
            cons="Consump_Apprnt_kt", nir="NIR_pct", price="Price_Ingot_ctslb"),),
        {"Price_Ingot_ctslb": P("aluminum", "aluminum ingot", "US market spot (Platts)")},
    ),
    "antim": SalientFile(
        (_s("antimony", "contained",
            "production = mine (recoverable antimony); imports and exports = oxide + "
            "unwrought metal, the forms of net import reliance",
            prod="USprod_Mine_t", imp=("Imports_Oxide_t", "Imports_Unwrought_t"),
            exp=("Exports_Oxide_t", "Exports_Unwrought_t"), cons="Consump_t",
            nir="NIR_pct", price="Price_Metal_dlb"),),
        {"Price_Metal_dlb": P("antimony", "antimony metal, 99.65% min", "CIF (Argus)")},
    ),
    "arsen": SalientFile(
        (_s("arsenic", "contained",
            "no U.S. production since 1985; imports = arsenic content of metal and "
            "compounds; exports are gross weight",
            imp="Imports_Total_t", exp="Exports_All_Gross_t", cons="Consump_Est_All_t",
            nir="NIR_All_pct", price="Price_Mtl_US_dkg"),),
        {"Price_Mtl_US_dkg": P("arsenic", "arsenic metal, 99% min", "US warehouse (Argus)", "lb",
                               "CSV header says _dkg; the metadata and the MCS 2025 chapter "
                               "say dollars per pound")},
    ),
    "barit": SalientFile(
        (_s("barite", "gross", "production = mine, sold or used",
            prod="USprod_sold-used_kt", imp="Imports_consumption_kt", exp="Exports_kt",
            cons="Consump_kt", nir="NIR_pct", price="Price_dt"),),
        {"Price_dt": P("barite", "ground barite, average value", "US ex-works")},
    ),
    "bauxi": SalientFile(
        (_s("bauxite", "gross",
            "bauxite, dry weight; the alumina columns are kept as a price only",
            prod="Bauxite_Mine_kt", imp="Bauxite_Imports_kt", exp="Bauxite_Exports_kt",
            cons="Bauxite_Consump_Apprnt_kt", nir="Bauxite_NIR_pct",
            price="Bauxite_Price_dt"),),
        {
            "Bauxite_Price_dt": P("bauxite", "bauxite, average value of imports",
                                  "US imports f.a.s."),
            "Alumina_Price_kt": P("bauxite", "alumina, average value of imports",
                                  "US imports f.a.s.", "t",
                                  "CSV header says _kt; the metadata says dollars per metric ton"),
        },
    ),
    "beryl": SalientFile(
        (_s("beryllium", "contained", "production = mine shipments; beryllium content",
            prod="USprod_Shipments_t", imp="Imports_t", exp="Exports_t",
            cons="Consump_Apparent_t", nir="NIR_pct", price="Price_Alloy_dkg"),),
        {"Price_Alloy_dkg": P("beryllium",
                              "beryllium-copper master alloy, per kg of contained beryllium",
                              "US imports unit value")},
    ),
    "bismu": SalientFile(
        (_s("bismuth", "contained",
            "production = primary refinery; secondary output not included; trade = metal, "
            "alloys and scrap",
            prod="USprod_Refinery_t", imp="Imports_Mtl_Alloy_and_Scrap_Total_t",
            exp="Exports_Mtl_Alloy_and_Scrap_Total_t", cons="Consump_Apprnt_t",
            nir="NIR_Consump_pct", price="Price_Average_dlb"),),
        {"Price_Average_dlb": P("bismuth", "bismuth metal, 99.99%",
                                "Rotterdam warehouse (Fastmarkets AMM)")},
    ),
    "boron": SalientFile(
        (_s("boron", "gross",
            "boron minerals and compounds, gross weight; trade summed over refined borax, "
            "boric acid, colemanite and ulexite",
            prod="USprod_kt",
            imp=("Imports_Refined_kt", "Imports_H3BO3_kt", "Imports_Colemanite_kt",
                 "Imports_Ulexite_kt"),
            exp=("Exports_H3BO3_kt", "Exports_Refined_kt"), cons="Consump_kt", nir="NIR_pct",
            price="Price_CIF_dt"),),
        {"Price_CIF_dt": P("boron", "boron minerals and compounds, average value of imports",
                           "US imports CIF")},
    ),
    "chrom": SalientFile(
        (_s("chromium", "contained",
            "chromium content of all forms (chromite ore, ferrochromium, metal, chemicals, "
            "stainless steel and scrap); production = mine",
            prod="USprod_Mine_kt", imp="Imports_kt", exp="Exports_kt",
            cons="Consump_Apparent_kt", nir="NIR_pct", price="Price_Ferrochromium_dlb"),),
        {
            "Price_Ore_dt": P("chromium", "chromite ore, gross weight", _ARGUS),
            "Price_Ferrochromium_dlb": P("chromium", "ferrochromium, per lb of chromium content",
                                         _ARGUS),
            "Price_Metal_dlb": P("chromium", "chromium metal", _ARGUS),
        },
    ),
    "cobal": SalientFile(
        (_s("cobalt", "contained", "production = mine; cobalt content",
            prod="USprod_Mine_t", imp="Imports_t", exp="Exports_t", cons="Consump_Apparent_t",
            nir="NIR_pct", price="Price_Spot_dlb"),),
        {
            "Price_Spot_dlb": P("cobalt", "cobalt cathode", "US spot (Platts)"),
            "Price_LME_dlb": P("cobalt", "cobalt cathode", "LME cash"),
        },
    ),
    "coppe": SalientFile(
        (_s("copper", "contained",
            "production = mine (recoverable copper); imports and exports = refined copper, "
            "the basis of net import reliance",
            prod="USprod_Mine_kt", imp="Imports_Refined_kt", exp="Exports_Refined_kt",
            cons="Consump_Apparent_kt", nir="NIR_pct", price="Price_US_ctslb"),),
        {
            "Price_US_ctslb": P("copper", "copper cathode", "US producer (COMEX + premium)"),
            "Price_COMEX_ctslb": P("copper", "high-grade copper", "COMEX first position"),
            "Price_LME_ctslb": P("copper", "grade A copper", "LME cash"),
        },
    ),
    "felds": SalientFile(
        (_s("feldspar", "gross", "feldspar only; the nepheline syenite columns are not imported",
            prod="USprod_Feldspar_kt", imp="Imports_Feldspar_kt", exp="Exports_Feldspar_kt",
            cons="Consump_Feldspar_kt", nir="NIR_Feldspar_pct", price="Price_Feldspar_dt"),),
        {"Price_Feldspar_dt": P("feldspar", "marketable feldspar, average value", "US")},
    ),
    "fluor": SalientFile(
        (_s("fluorspar", "gross",
            "production = finished metallurgical-grade fluorspar; trade = all grades",
            prod="USprod_Metallurgical_kt", imp="Imports_Total_Fl_kt",
            exp="Exports_All_grades_kt", cons="Consump_Apprnt_kt", nir="NIR_pct",
            price="Price_Acid_dt"),),
        {
            "Price_Acid_dt": P("fluorspar", "acid-grade fluorspar, average value of imports",
                               "US imports CIF"),
            "Price_Metallurgical_dt": P("fluorspar",
                                        "metallurgical-grade fluorspar, average value of imports",
                                        "US imports CIF"),
        },
    ),
    "galli": SalientFile(
        (_s("gallium", "contained",
            "production = primary; imports = gallium metal (gallium arsenide excluded); "
            "consumption = reported",
            prod="USprod_Primary_kg", imp="Imports_Metal_kg", exp="Exports_kg",
            cons="Consump_kg", nir="NIR_pct", price="Price_Low-purity_dkg"),),
        {
            "Price_High-purity_dkg": P("gallium", "high-purity refined gallium",
                                       "US imports unit value"),
            "Price_Low-purity_dkg": P("gallium", "low-purity primary gallium",
                                      "US imports unit value"),
        },
    ),
    "germa": SalientFile(
        (_s("germanium", "contained",
            "production = primary refinery; trade = germanium metal only (GeO2 and GeCl4 not "
            "included); the header 'Consump_g' holds kilograms (metadata)",
            prod="USprod_Primary_kg", imp="Imports_Metal_kg", exp="Exports_Metal_kg",
            cons="Consump_g", nir="NIR_ct", price="Price_Metal_dkg",
            units={"Consump_g": "kg"}),),
        {
            "Price_Metal_dkg": P("germanium", "germanium metal, 99.999%", "Europe (Argus)"),
            "Price_GeO2_dkg": P("germanium", "germanium dioxide, 99.999%", "Europe (Argus)"),
        },
    ),
    "graph": SalientFile(
        (_s("graphite", "gross", "natural graphite",
            prod="USprod_t", imp="Imports_t", exp="Exports_t", cons="Consump_t",
            nir="NIR_pct", price="Price_Flake_dt"),),
        {
            "Price_Flake_dt": P("graphite", "flake graphite, average value of imports",
                                "at foreign ports"),
            "Price_Lump_dt": P("graphite",
                               "lump and chip graphite (Sri Lanka), average value of imports",
                               "at foreign ports"),
            "Price_Amorphous_dt": P("graphite", "amorphous graphite, average value of imports",
                                    "at foreign ports"),
        },
    ),
    "indiu": SalientFile(
        (_s("indium", "contained",
            "production = refinery; consumption estimated equal to imports",
            prod="USprod_Refinery_t", imp="Imports_t", exp="Exports_t", cons="Consump_t",
            nir="NIR_pct", price="Price_NY_dkg"),),
        {
            "Price_NY_dkg": P("indium", "indium, 99.99% min", "New York dealer"),
            "Price_FOB_dkg": P("indium", "indium, 99.99% min", "US warehouse FOB"),
            "Price_Rotterdam_dkg": P("indium", "indium, 99.99% min", "Rotterdam, duties unpaid"),
        },
    ),
    "lead": SalientFile(
        (_s("lead", "contained",
            "production = mine, lead in concentrates; imports and exports = refined metal. "
            "The CSV headers are shifted from the 5th value column on (checked against the "
            "MCS 2025 lead chapter): 'Imports_Concentrates_kt' holds refined-metal imports, "
            "'Exports_kt' refined-metal exports, 'Consump_North_American_kt' apparent "
            "consumption, 'Price_LME_ctslb' the North American price",
            prod="USprod_Mine_kt", imp="Imports_Concentrates_kt", exp="Exports_kt",
            cons="Consump_North_American_kt", nir="NIR_Metal_pct",
            price="Price_LME_ctslb"),),
        {"Price_LME_ctslb": P("lead", "refined lead", "North American (Platts)",
                              note="the column headed Price_LME_ctslb holds the North American "
                                   "price (header shift; MCS 2025 lead chapter)")},
    ),
    "lithium": SalientFile(
        (_s("lithium", "contained", "lithium content",
            prod="USprod_t", imp="Imports_t", exp="Exports_t", cons="Consump_t",
            nir="NIR_pct", price="Price_dt"),),
        {"Price_dt": P("lithium", "battery-grade lithium carbonate",
                       "contract, delivered Europe and US")},
    ),
    "manga": SalientFile(
        (_s("manganese", "contained",
            "production = mine; imports and exports are published by form in gross weight and "
            "are left out; consumption = apparent, manganese content",
            prod="USprod_kt", cons="Consump_Apparent_kt", nir="NIR_pct",
            price="Price_CN_CIF_dt"),),
        {"Price_CN_CIF_dt": P("manganese",
                              "metallurgical-grade manganese ore, per metric ton unit of Mn "
                              "content", "China CIF", "mtu",
                              "dollars per metric ton unit (10 kg of contained manganese)")},
    ),
    "mgmet": SalientFile(
        (_s("magnesium", "contained",
            "production = primary magnesium metal; the column headed 'Price_European_dlb' "
            "holds the U.S. spot Western price (USD/lb) and 'Price_dt' the European "
            "free-market price (USD/t), per the MCS 2025 chapter",
            prod="USprod_Primary_kt", imp="Imports_kt", exp="Exports_kt",
            cons="Consump_Apparent_kt", nir="NIR_pct", price="Price_European_dlb"),),
        {
            "Price_European_dlb": P("magnesium", "magnesium metal", "US spot Western (Platts)",
                                    note="column headed Price_European_dlb; U.S. spot Western "
                                         "per the MCS 2025 chapter"),
            "Price_dt": P("magnesium", "magnesium metal", "European free market (Platts)"),
        },
    ),
    "molyb": SalientFile(
        (_s("molybdenum", "contained",
            "production = mine; trade = ore and concentrates + primary products; molybdenum "
            "content",
            prod="USprod_t", imp=("Imports_ore_concentrates_t", "Imports_products_t"),
            exp=("Exports_ore_concentrates_t", "Exports_products_t"),
            cons="Consump_Apparent_t", nir="NIR_pct", price="Price_dkg"),),
        {"Price_dkg": P("molybdenum", "molybdic oxide (57% Mo), per kg of molybdenum content",
                        "US (Argus)")},
    ),
    "nicke": SalientFile(
        (_s("nickel", "contained",
            "production = mine; trade summed over ores, primary and secondary forms; "
            "consumption = total apparent",
            prod="USprod_Mine_t",
            imp=("Imports_Ores_t", "Imports_Primary_t", "Imports_Seconday_t"),
            exp=("Exports_Ores_t", "Exports_Primary_t", "Exports_Seconday_t"),
            cons="Consump_Apparent_Total_t", nir="NIR_ct", price="Price_dt"),),
        {"Price_dt": P("nickel", "nickel cathode", "LME cash")},  # Price_dlb: same, in USD/lb
    ),
    "niobi": SalientFile(
        (_s("niobium", "contained", "production = mine; niobium content",
            prod="USprod_Mine_t", imp="Imports_t", exp="Exports_t", cons="Consump_Apparent_t",
            nir="NIR_pct", price="Price_dkg"),),
        {"Price_dkg": P("niobium", "ferroniobium, average unit value of imports (gross weight)",
                        "US imports")},
    ),
    "phosp": SalientFile(
        (_s("phosphate", "gross",
            "production = marketable phosphate rock; U.S. producers no longer export "
            "phosphate rock",
            prod="USprod_Marketable_kt", imp="Imports_kt", cons="Consump_kt", nir="NIR_pct",
            price="Price_dt"),),
        {"Price_dt": P("phosphate", "marketable phosphate rock, all grades", "US f.o.b. mine")},
    ),
    "plati": SalientFile(
        (
            _s("platinum", "contained", "production = mine; trade excludes waste and scrap",
               prod="USprod_Platinum_kg", imp="Imports_Platinum_kg",
               exp="Exports_Platinum_kg", cons="Consump_Platinum_kg",
               nir="NIR_Platinum_pct", price="Price_Platinum_dto"),
            _s("palladium", "contained", "production = mine; trade excludes waste and scrap",
               prod="USprod_Palladium_kg", imp="Imports_Palladium_kg",
               exp="Exports_Palladium_kg", cons="Consump_Palladium_kg",
               nir="NIR_Palladium_pct", price="Price_Palladium_dto"),
        ),
        {
            "Price_Palladium_dto": P("palladium", "palladium", _ENG),
            "Price_Platinum_dto": P("platinum", "platinum", _ENG),
            "Price_Iridium_dto": P("iridium", "iridium", _ENG),
            "Price_Rhodium_dto": P("rhodium", "rhodium", _ENG),
            "Price_Ruthenium_dto": P("ruthenium", "ruthenium", _ENG),
        },
    ),
    "potas": SalientFile(
        (_s("potash", "contained", "K2O equivalent; production = marketable potash",
            prod="USprod_Marketable_kt", imp="Imports_kt", exp="Exports_kt",
            cons="Consump_kt", nir="NIR_pct", price="Price_All_dt"),),
        {
            "Price_All_dt": P("potash", "all potash products, per t of K2O equivalent",
                              "US f.o.b. mine"),
            "Price_Muriate_dt": P("potash", "muriate of potash (MOP), per t of K2O equivalent",
                                  "US f.o.b. mine"),
        },
    ),
    "rareee": SalientFile(
        (_s("rare_earths", "contained",
            "rare-earth-oxide equivalent; production = mineral concentrates; trade, "
            "consumption and net import reliance = compounds and metals (exports include ores)",
            prod="USprod_Concentrate_t",
            imp=("Imports_Compounds_t", "Imports_Alloys_t", "Imports_Metals_t"),
            exp=("Exports_Ores-Compounds_t", "Exports_Alloys_t", "Exports_Metals_t"),
            cons="Consump_Compounds-Metals_t", nir="NIR_Compounds-Metals_t",
            price="Price_Nd2O3_dkg"),),
        {
            "Price_CeO2_dkg": P("cerium", "cerium oxide, 99.5% min", _REE),
            "Price_Dy2O3_dkg": P("dysprosium", "dysprosium oxide, 99.5% min", _REE),
            "Price_Eu2O3_dkg": P("europium", "europium oxide, 99.99% min", _REE),
            "Price_La2O3_dkg": P("lanthanum", "lanthanum oxide, 99.5% min", _REE),
            "Price_Mischmetal_dkg": P("rare_earths", "mischmetal (65% Ce, 35% La)", _REE),
            "Price_Nd2O3_dkg": P("neodymium", "neodymium oxide, 99.5% min", _REE),
            "Price_TbO2_dkg": P("terbium", "terbium oxide, 99.99% min", _REE),
        },
    ),
    "rheni": SalientFile(
        (_s("rhenium", "contained",
            "production = rhenium recovered from molybdenite concentrates; imports = unwrought "
            "metal + ammonium perrhenate",
            prod="USprod_kg", imp=("Imports_unwrought_kg", "Imports_NH4ReO4_kg"),
            exp="Exports_kg", cons="Consump_kg", nir="NIR_pct", price="Price_Metal_dkg"),),
        {
            "Price_Metal_dkg": P("rhenium", "rhenium metal pellets, 99.99%", "US average value"),
            "Price_NH4ReO4_dkg": P("rhenium", "ammonium perrhenate", "US average value"),
        },
    ),
    "scand": SalientFile(
        (_s("scandium", None,
            "U.S. salient statistics give prices and net import reliance only",
            nir="NIR_ct", price="Price_Cmpds_Oxide_dg"),),
        {col: P("scandium", product, "year-end catalogue price") for col, product in (
            ("Price_Cmpds_Acetate_dg", "scandium acetate, 99.9%, 5-g lot"),
            ("Price_Cmpds_Chloride_dg", "scandium chloride, 99.9%, 5-g lot"),
            ("Price_Cmpds_Fluoride_dg", "scandium fluoride, 1- to 5-g lot"),
            ("Price_Cmpds_Iodide_dg", "scandium iodide, 99.999%, 5-g lot"),
            ("Price_Cmpds_Oxide_dg", "scandium oxide, 99.99%, 5-kg lot"),
            ("Price_Mtl_Dendritic_dg", "scandium metal, distilled dendritic, 2-g lot"),
            ("Price_Mtl_Ingot_dg", "scandium metal ingot, 5-g lot"),
            ("Price_Mtl_Alloy_1kg_dkg", "scandium-aluminum alloy, 1-kg lot"),
            ("Price_Mtl_Alloy_1000kg_dkg", "scandium-aluminum alloy, 1,000-kg lot"),
        )},
    ),
    "simet": SalientFile(
        (_s("silicon", "contained", "ferrosilicon and silicon metal combined, silicon content",
            prod="USprod_FeSi-Si_kt", imp=("Imports_FeSi_kt", "Imports_Si_kt"),
            exp=("Exports_FeSi_kt", "Exports_Si_kt"), cons="Consump_FeSi-Si_kt",
            nir="NIR_FeSi-Si_pct", price="Price_Si_ctslb"),),
        {
            "Price_FeSi50_ctslb": P("silicon", "ferrosilicon, 50% Si, per lb of contained silicon",
                                    "US (CRU)"),
            "Price_FeSi75_ctslb": P("silicon", "ferrosilicon, 75% Si, per lb of contained silicon",
                                    "US import mean (Platts)"),
            "Price_Si_ctslb": P("silicon", "metallurgical-grade silicon metal",
                                "US import mean (Platts)"),
        },
    ),
    "silve": SalientFile(
        (_s("silver", "contained", "production = mine",
            prod="USprod_Mine_t", imp="Imports_t", exp="Exports_t", cons="Consump_t",
            nir="NIR_pct", price="Price_Bullion_dtoz"),),
        {"Price_Bullion_dtoz": P("silver", "silver bullion", "Engelhard industrial (Platts)")},
    ),
    "stron": SalientFile(
        (_s("strontium", "contained",
            "strontium content; trade = celestite + strontium compounds",
            prod="USprod_t", imp=("Imports_Celestite_t", "Imports_Compounds_t"),
            exp="Exports_Compounds_t", cons="Consump_Total_t", nir="NIR_pct",
            price="Price_dt"),),
        {"Price_dt": P("strontium", "celestite, average value of imports",
                       "US imports, port of exportation")},
    ),
    "tanta": SalientFile(
        (_s("tantalum", "contained", "production = mine; tantalum content",
            prod="USprod_Mine_t", imp="Imports_t", exp="Exports_t", cons="Consump_t",
            nir="NIR_pct", price="Price_Ta2O5_dkg"),),
        {"Price_Ta2O5_dkg": P("tantalum", "tantalite, per kg of Ta2O5 content",
                              "annual average (CRU, IREESM)")},
    ),
    "tellu": SalientFile(
        (_s("tellurium", "contained", "production = refinery",
            prod="USprod_t", imp="Imports_t", exp="Exports_t", cons="Consump_t",
            nir="NIR_pct", price="Price_US_dkg"),),
        {
            "Price_US_dkg": P("tellurium", "tellurium, 99.95% min", "US FOB"),
            "Price_Europe_dkg": P("tellurium", "tellurium, 99.99% min",
                                  "Rotterdam warehouse (Argus)"),
        },
    ),
    "timin": SalientFile(
        (),  # U.S. titanium supply is taken from the sponge-metal file (titan), as in MCS T5
        {
            "Price_dt": P("titanium", "rutile, bulk, 95% TiO2 min", "Australia f.o.b.",
                          note="1st of four columns headed Price_dt; rutile per the metadata"),
            "Price_dt#2": P("titanium", "ilmenite and leucoxene, bulk", "Australia f.o.b.",
                            note="2nd column headed Price_dt; per the metadata"),
            "Price_dt#3": P("titanium", "ilmenite, average unit value of imports",
                            "US imports (landed duty-paid)",
                            note="3rd column headed Price_dt; per the metadata"),
            "Price_dt#4": P("titanium", "titanium slag, 80-95% TiO2, unit value of imports",
                            "US imports (landed duty-paid)",
                            note="4th column headed Price_dt; per the metadata"),
        },
    ),
    "tin": SalientFile(
        (_s("tin", "contained",
            "no U.S. mine or smelter production (secondary only, not imported); imports, "
            "exports, consumption and net import reliance = refined tin",
            imp="Imports_Refined_t", exp="Exports_Refined_t", cons="Consump_t",
            nir="NIR_Refined_pct", price="Price_NY_ctslb"),),
        {
            "Price_NY_ctslb": P("tin", "refined tin", "New York dealer (Platts)"),
            "Price_LME_ctslb": P("tin", "refined tin", "LME cash"),
        },
    ),
    "titan": SalientFile(
        (_s("titanium", "contained",
            "titanium sponge metal (the TiO2 pigment columns are left out)",
            prod="USprod_Sponge_t", imp="Imports_Sponge_t", exp="Exports_Sponge_t",
            cons="Consump_Sponge_Apparent_t", nir="NIR_Sponge_pct",
            price="Price_Sponge_dkg"),),
        {
            "Price_Sponge_dkg": P("titanium", "titanium sponge, unit value of imports",
                                  "US imports (landed duty-paid)"),
            "Price_Dioxide_dt": P("titanium", "TiO2 pigment, unit value of imports",
                                  "US imports (landed duty-paid)"),
        },
    ),
    "tungs": SalientFile(
        (_s("tungsten", "contained",
            "production = mine; trade = concentrate + other forms; tungsten content",
            prod="USprod_Mine_t", imp=("Imports_Concentrate_t", "Imports_Other_t"),
            exp=("Exports_Concentrate_t", "Exports_Other_t"), cons="Consump_Apparent_t",
            nir="NIR_ct", price="Price_WO3_dt"),),
        {"Price_WO3_dt": P("tungsten", "tungsten concentrate, per dry metric ton unit of WO3",
                           "Rotterdam warehouse", "mtu WO3",
                           "dollars per metric ton unit (10 kg) of WO3")},
    ),
    "vanad": SalientFile(
        (_s("vanadium", "contained",
            "production = primary ore and concentrate; trade summed over all forms; vanadium "
            "content",
            prod="USprod_Primary_t",
            imp=("Imports_Al-V_t", "Imports_Residue_t", "Imports_FeV_t", "Imports_Oxide_t",
                 "Imports_Chem_t", "Imports_Metal_t", "Imports_Ore_t", "Imports_V2O5_t"),
            exp=("Exports_Al-V_t", "Exports_Residue_t", "Exports_FeV_t", "Exports_Oxide_t",
                 "Exports_Metal_t", "Exports_Ore_t", "Exports_V2O5_t"),
            cons="Consump_Apprnt_t", nir="NIR_pct", price="Price_V2O5_dlb"),),
        {"Price_V2O5_dlb": P("vanadium", "vanadium pentoxide, 98% V2O5", "China (Argus)")},
    ),
    "yttri": SalientFile(
        (_s("yttrium", "contained", "Y2O3 equivalent; production = mine",
            prod="USprod_Mine_t", imp="Imports_All_t", exp="Exports_Compounds_t",
            cons="Consump_t", nir="NIR_pct", price="Price_Y2O3_dkg"),),
        {
            "Price_Y2O3_dkg": P("yttrium", "yttrium oxide, 99.999%", "China FOB (Argus)"),
            "Price_Metal_dkg": P("yttrium", "yttrium metal, 99.9%", "China FOB (Argus)"),
        },
    ),
    "zinc": SalientFile(
        (_s("zinc", "contained",
            "production = mine (zinc in ores and concentrates); imports, exports, consumption "
            "and net import reliance = refined zinc",
            prod="USprod_Ores_kt", imp="Imports_Refined_kt", exp="Exports_Refined_kt",
            cons="Consump_Refined_kt", nir="NIR_Refined_pct", price="Price_ctslb"),),
        {
            "Price_ctslb": P("zinc", "special high grade zinc", "North American (Platts)"),
            "Price_LME_ctslb": P("zinc", "zinc", "LME cash"),
        },
    ),
    "zirco": SalientFile(
        (
            _s("zirconium", "contained",
               "zirconium ores and concentrates, ZrO2 content (65% of gross weight)",
               prod="USprod_ZrO2_t", imp="Imports_ZrO2_t", exp="Exports_Zr_ore_t",
               cons="Consump_ZrO2_content_t", nir="NIR_Zr_ore_pct",
               price="Price_Zircon_premium_CIF_CN_t"),
            _s("hafnium", "contained", "hafnium, unwrought (including powders)",
               imp="Imports_Hf_unwrought_t", exp="Exports_Hf_unwrought_t", nir="NIR_Hf_pct",
               price="Price_Hf_unwrought_t"),
        ),
        {
            "Price_Zircon_premium_CIF_CN_t": P("zirconium", "zircon, premium grade, gross weight",
                                               "China CIF (Fastmarkets IM)", "t"),
            "Price_Zircon_imported_t": P("zirconium", "zircon, imported, gross weight",
                                         "US imports (landed duty-paid)", "t"),
            "Price_Zircon_sponge_CN_t": P("zirconium", "zirconium sponge",
                                          "China ex-works (Argus)", "kg", _PER_KG),
            "Price_Hf_unwrought_t": P("hafnium", "hafnium, unwrought", "Argus annual average",
                                      "kg", _PER_KG),
        },
    ),
}
# fmt: on
# MCS 2024 salient files are read for the rare-earth oxide prices of 2019 only; their headers
# are those of MCS 2025 for this commodity. Other MCS 2024/2022 salient layouts are not mapped.
SALIENT: dict[int, dict[str, SalientFile]] = {
    2025: SALIENT_2025,
    2024: {"raree": SALIENT_2025["rareee"]},
}
