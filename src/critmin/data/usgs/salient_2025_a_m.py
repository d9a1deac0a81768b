"""Column mapping of the MCS 2025 salient files, aluminum to magnesium compounds (file codes a-m).

Headers exactly as published; where a header disagrees with the metadata XML or the MCS 2025
chapter, the values follow the chapter and the note says so."""

from __future__ import annotations

from critmin.data.usgs.salient_types import (
    ARGUS,
    P,
    SalientFile,
    series,
)

# fmt: off
COLUMNS: dict[str, SalientFile] = {
    "alumi": SalientFile(
        (series("aluminum", "contained",
            "production = primary aluminum; imports and exports = crude metal and "
            "semimanufactures (scrap excluded)",
            prod="USprod_Primary_kt", imp="Imports_Crude_kt", exp="Exports_Crude_kt",
            cons="Consump_Apprnt_kt", nir="NIR_pct", price="Price_Ingot_ctslb"),),
        {"Price_Ingot_ctslb": P("aluminum", "aluminum ingot", "US market spot (Platts)")},
    ),
    "antim": SalientFile(
        (series("antimony", "contained",
            "production = mine (recoverable antimony); imports and exports = oxide + "
            "unwrought metal, the forms of net import reliance",
            prod="USprod_Mine_t", imp=("Imports_Oxide_t", "Imports_Unwrought_t"),
            exp=("Exports_Oxide_t", "Exports_Unwrought_t"), cons="Consump_t",
            nir="NIR_pct", price="Price_Metal_dlb"),),
        {"Price_Metal_dlb": P("antimony", "antimony metal, 99.65% min", "CIF (Argus)")},
    ),
    "arsen": SalientFile(
        (series("arsenic", "contained",
            "no U.S. production since 1985; imports = arsenic content of metal and "
            "compounds; exports are gross weight",
            imp="Imports_Total_t", exp="Exports_All_Gross_t", cons="Consump_Est_All_t",
            nir="NIR_All_pct", price="Price_Mtl_US_dkg"),),
        {"Price_Mtl_US_dkg": P("arsenic", "arsenic metal, 99% min", "US warehouse (Argus)", "lb",
                               "CSV header says _dkg; the metadata and the MCS 2025 chapter "
                               "say dollars per pound")},
    ),
    "barit": SalientFile(
        (series("barite", "gross", "production = mine, sold or used",
            prod="USprod_sold-used_kt", imp="Imports_consumption_kt", exp="Exports_kt",
            cons="Consump_kt", nir="NIR_pct", price="Price_dt"),),
        {"Price_dt": P("barite", "ground barite, average value", "US ex-works")},
    ),
    "bauxi": SalientFile(
        (series("bauxite", "gross",
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
        (series("beryllium", "contained", "production = mine shipments; beryllium content",
            prod="USprod_Shipments_t", imp="Imports_t", exp="Exports_t",
            cons="Consump_Apparent_t", nir="NIR_pct", price="Price_Alloy_dkg"),),
        {"Price_Alloy_dkg": P("beryllium",
                              "beryllium-copper master alloy, per kg of contained beryllium",
                              "US imports unit value")},
    ),
    "bismu": SalientFile(
        (series("bismuth", "contained",
            "production = primary refinery; secondary output not included; trade = metal, "
            "alloys and scrap",
            prod="USprod_Refinery_t", imp="Imports_Mtl_Alloy_and_Scrap_Total_t",
            exp="Exports_Mtl_Alloy_and_Scrap_Total_t", cons="Consump_Apprnt_t",
            nir="NIR_Consump_pct", price="Price_Average_dlb"),),
        {"Price_Average_dlb": P("bismuth", "bismuth metal, 99.99%",
                                "Rotterdam warehouse (Fastmarkets AMM)")},
    ),
    "boron": SalientFile(
        (series("boron", "gross",
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
        (series("chromium", "contained",
            "chromium content of all forms (chromite ore, ferrochromium, metal, chemicals, "
            "stainless steel and scrap); production = mine",
            prod="USprod_Mine_kt", imp="Imports_kt", exp="Exports_kt",
            cons="Consump_Apparent_kt", nir="NIR_pct", price="Price_Ferrochromium_dlb"),),
        {
            "Price_Ore_dt": P("chromium", "chromite ore, gross weight", ARGUS),
            "Price_Ferrochromium_dlb": P("chromium", "ferrochromium, per lb of chromium content",
                                         ARGUS),
            "Price_Metal_dlb": P("chromium", "chromium metal", ARGUS),
        },
    ),
    "cobal": SalientFile(
        (series("cobalt", "contained", "production = mine; cobalt content",
            prod="USprod_Mine_t", imp="Imports_t", exp="Exports_t", cons="Consump_Apparent_t",
            nir="NIR_pct", price="Price_Spot_dlb"),),
        {
            "Price_Spot_dlb": P("cobalt", "cobalt cathode", "US spot (Platts)"),
            "Price_LME_dlb": P("cobalt", "cobalt cathode", "LME cash"),
        },
    ),
    "coppe": SalientFile(
        (series("copper", "contained",
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
        (series("feldspar", "gross",
                "feldspar only; the nepheline syenite columns are not imported",
            prod="USprod_Feldspar_kt", imp="Imports_Feldspar_kt", exp="Exports_Feldspar_kt",
            cons="Consump_Feldspar_kt", nir="NIR_Feldspar_pct", price="Price_Feldspar_dt"),),
        {"Price_Feldspar_dt": P("feldspar", "marketable feldspar, average value", "US")},
    ),
    "fluor": SalientFile(
        (series("fluorspar", "gross",
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
        (series("gallium", "contained",
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
        (series("germanium", "contained",
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
        (series("graphite", "gross", "natural graphite",
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
        (series("indium", "contained",
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
        (series("lead", "contained",
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
        (series("lithium", "contained", "lithium content",
            prod="USprod_t", imp="Imports_t", exp="Exports_t", cons="Consump_t",
            nir="NIR_pct", price="Price_dt"),),
        {"Price_dt": P("lithium", "battery-grade lithium carbonate",
                       "contract, delivered Europe and US")},
    ),
    "manga": SalientFile(
        (series("manganese", "contained",
            "production = mine; imports and exports are published by form in gross weight and "
            "are left out; consumption = apparent, manganese content",
            prod="USprod_kt", cons="Consump_Apparent_kt", nir="NIR_pct",
            price="Price_CN_CIF_dt"),),
        {"Price_CN_CIF_dt": P("manganese",
                              "metallurgical-grade manganese ore, per metric ton unit of Mn "
                              "content", "China CIF", "mtu",
                              "dollars per metric ton unit (10 kg of contained manganese)")},
    ),
}
# fmt: on
