"""Column mapping of the MCS 2025 salient files, magnesium metal to zirconium (file codes mgmet-z).

Headers exactly as published; where a header disagrees with the metadata XML or the MCS 2025
chapter, the values follow the chapter and the note says so."""

from __future__ import annotations

from critmin.data.usgs.salient_types import (
    ENGELHARD,
    PER_KG_NOTE,
    REE_ARGUS,
    P,
    SalientFile,
    series,
)

# fmt: off
COLUMNS: dict[str, SalientFile] = {
    "mgmet": SalientFile(
        (series("magnesium", "contained",
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
        (series("molybdenum", "contained",
            "production = mine; trade = ore and concentrates + primary products; molybdenum "
            "content",
            prod="USprod_t", imp=("Imports_ore_concentrates_t", "Imports_products_t"),
            exp=("Exports_ore_concentrates_t", "Exports_products_t"),
            cons="Consump_Apparent_t", nir="NIR_pct", price="Price_dkg"),),
        {"Price_dkg": P("molybdenum", "molybdic oxide (57% Mo), per kg of molybdenum content",
                        "US (Argus)")},
    ),
    "nicke": SalientFile(
        (series("nickel", "contained",
            "production = mine; trade summed over ores, primary and secondary forms; "
            "consumption = total apparent",
            prod="USprod_Mine_t",
            imp=("Imports_Ores_t", "Imports_Primary_t", "Imports_Seconday_t"),
            exp=("Exports_Ores_t", "Exports_Primary_t", "Exports_Seconday_t"),
            cons="Consump_Apparent_Total_t", nir="NIR_ct", price="Price_dt"),),
        {"Price_dt": P("nickel", "nickel cathode", "LME cash")},  # Price_dlb: same, in USD/lb
    ),
    "niobi": SalientFile(
        (series("niobium", "contained", "production = mine; niobium content",
            prod="USprod_Mine_t", imp="Imports_t", exp="Exports_t", cons="Consump_Apparent_t",
            nir="NIR_pct", price="Price_dkg"),),
        {"Price_dkg": P("niobium", "ferroniobium, average unit value of imports (gross weight)",
                        "US imports")},
    ),
    "phosp": SalientFile(
        (series("phosphate", "gross",
            "production = marketable phosphate rock; U.S. producers no longer export "
            "phosphate rock",
            prod="USprod_Marketable_kt", imp="Imports_kt", cons="Consump_kt", nir="NIR_pct",
            price="Price_dt"),),
        {"Price_dt": P("phosphate", "marketable phosphate rock, all grades", "US f.o.b. mine")},
    ),
    "plati": SalientFile(
        (
            series("platinum", "contained", "production = mine; trade excludes waste and scrap",
               prod="USprod_Platinum_kg", imp="Imports_Platinum_kg",
               exp="Exports_Platinum_kg", cons="Consump_Platinum_kg",
               nir="NIR_Platinum_pct", price="Price_Platinum_dto"),
            series("palladium", "contained", "production = mine; trade excludes waste and scrap",
               prod="USprod_Palladium_kg", imp="Imports_Palladium_kg",
               exp="Exports_Palladium_kg", cons="Consump_Palladium_kg",
               nir="NIR_Palladium_pct", price="Price_Palladium_dto"),
        ),
        {
            "Price_Palladium_dto": P("palladium", "palladium", ENGELHARD),
            "Price_Platinum_dto": P("platinum", "platinum", ENGELHARD),
            "Price_Iridium_dto": P("iridium", "iridium", ENGELHARD),
            "Price_Rhodium_dto": P("rhodium", "rhodium", ENGELHARD),
            "Price_Ruthenium_dto": P("ruthenium", "ruthenium", ENGELHARD),
        },
    ),
    "potas": SalientFile(
        (series("potash", "contained", "K2O equivalent; production = marketable potash",
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
        (series("rare_earths", "contained",
            "rare-earth-oxide equivalent; production = mineral concentrates; trade, "
            "consumption and net import reliance = compounds and metals (exports include ores)",
            prod="USprod_Concentrate_t",
            imp=("Imports_Compounds_t", "Imports_Alloys_t", "Imports_Metals_t"),
            exp=("Exports_Ores-Compounds_t", "Exports_Alloys_t", "Exports_Metals_t"),
            cons="Consump_Compounds-Metals_t", nir="NIR_Compounds-Metals_t",
            price="Price_Nd2O3_dkg"),),
        {
            "Price_CeO2_dkg": P("cerium", "cerium oxide, 99.5% min", REE_ARGUS),
            "Price_Dy2O3_dkg": P("dysprosium", "dysprosium oxide, 99.5% min", REE_ARGUS),
            "Price_Eu2O3_dkg": P("europium", "europium oxide, 99.99% min", REE_ARGUS),
            "Price_La2O3_dkg": P("lanthanum", "lanthanum oxide, 99.5% min", REE_ARGUS),
            "Price_Mischmetal_dkg": P("rare_earths", "mischmetal (65% Ce, 35% La)", REE_ARGUS),
            "Price_Nd2O3_dkg": P("neodymium", "neodymium oxide, 99.5% min", REE_ARGUS),
            "Price_TbO2_dkg": P("terbium", "terbium oxide, 99.99% min", REE_ARGUS),
        },
    ),
    "rheni": SalientFile(
        (series("rhenium", "contained",
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
        (series("scandium", None,
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
        (series("silicon", "contained", "ferrosilicon and silicon metal combined, silicon content",
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
        (series("silver", "contained", "production = mine",
            prod="USprod_Mine_t", imp="Imports_t", exp="Exports_t", cons="Consump_t",
            nir="NIR_pct", price="Price_Bullion_dtoz"),),
        {"Price_Bullion_dtoz": P("silver", "silver bullion", "Engelhard industrial (Platts)")},
    ),
    "stron": SalientFile(
        (series("strontium", "contained",
            "strontium content; trade = celestite + strontium compounds",
            prod="USprod_t", imp=("Imports_Celestite_t", "Imports_Compounds_t"),
            exp="Exports_Compounds_t", cons="Consump_Total_t", nir="NIR_pct",
            price="Price_dt"),),
        {"Price_dt": P("strontium", "celestite, average value of imports",
                       "US imports, port of exportation")},
    ),
    "tanta": SalientFile(
        (series("tantalum", "contained", "production = mine; tantalum content",
            prod="USprod_Mine_t", imp="Imports_t", exp="Exports_t", cons="Consump_t",
            nir="NIR_pct", price="Price_Ta2O5_dkg"),),
        {"Price_Ta2O5_dkg": P("tantalum", "tantalite, per kg of Ta2O5 content",
                              "annual average (CRU, IREESM)")},
    ),
    "tellu": SalientFile(
        (series("tellurium", "contained", "production = refinery",
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
        (series("tin", "contained",
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
        (series("titanium", "contained",
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
        (series("tungsten", "contained",
            "production = mine; trade = concentrate + other forms; tungsten content",
            prod="USprod_Mine_t", imp=("Imports_Concentrate_t", "Imports_Other_t"),
            exp=("Exports_Concentrate_t", "Exports_Other_t"), cons="Consump_Apparent_t",
            nir="NIR_ct", price="Price_WO3_dt"),),
        {"Price_WO3_dt": P("tungsten", "tungsten concentrate, per dry metric ton unit of WO3",
                           "Rotterdam warehouse", "mtu WO3",
                           "dollars per metric ton unit (10 kg) of WO3")},
    ),
    "vanad": SalientFile(
        (series("vanadium", "contained",
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
        (series("yttrium", "contained", "Y2O3 equivalent; production = mine",
            prod="USprod_Mine_t", imp="Imports_All_t", exp="Exports_Compounds_t",
            cons="Consump_t", nir="NIR_pct", price="Price_Y2O3_dkg"),),
        {
            "Price_Y2O3_dkg": P("yttrium", "yttrium oxide, 99.999%", "China FOB (Argus)"),
            "Price_Metal_dkg": P("yttrium", "yttrium metal, 99.9%", "China FOB (Argus)"),
        },
    ),
    "zinc": SalientFile(
        (series("zinc", "contained",
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
            series("zirconium", "contained",
               "zirconium ores and concentrates, ZrO2 content (65% of gross weight)",
               prod="USprod_ZrO2_t", imp="Imports_ZrO2_t", exp="Exports_Zr_ore_t",
               cons="Consump_ZrO2_content_t", nir="NIR_Zr_ore_pct",
               price="Price_Zircon_premium_CIF_CN_t"),
            series("hafnium", "contained", "hafnium, unwrought (including powders)",
               imp="Imports_Hf_unwrought_t", exp="Exports_Hf_unwrought_t", nir="NIR_Hf_pct",
               price="Price_Hf_unwrought_t"),
        ),
        {
            "Price_Zircon_premium_CIF_CN_t": P("zirconium", "zircon, premium grade, gross weight",
                                               "China CIF (Fastmarkets IM)", "t"),
            "Price_Zircon_imported_t": P("zirconium", "zircon, imported, gross weight",
                                         "US imports (landed duty-paid)", "t"),
            "Price_Zircon_sponge_CN_t": P("zirconium", "zirconium sponge",
                                          "China ex-works (Argus)", "kg", PER_KG_NOTE),
            "Price_Hf_unwrought_t": P("hafnium", "hafnium, unwrought", "Argus annual average",
                                      "kg", PER_KG_NOTE),
        },
    ),
}
# fmt: on
