"""Derive the embedded 2010 base-year world (``src/buildrace/data/world_2010``).

The 2010 world keeps the economies, sites, stages and stage parameters of ``world_2018``
(the engine needs one index across base years) and replaces what changed between 2010
and 2018: capacity and production, final demand and its growth as seen in 2010, the
pipeline of projects under way at the end of 2010, unit costs, capex, electricity prices
and the intensities that moved (polysilicon per GW of wafer, LFP share of pack cells,
battery per car). Every figure written carries a source id of ``sources.csv``:

- the anchors (:data:`ANCHORS`, :data:`DEMAND`, :data:`PIPELINE`) are 2010 figures from
  the sources named in each row;
- battery materials and magnet feedstocks are derived as in ``world_2018``: each stage
  produces what the stages it feeds need through ``inputs.csv``, plus 4%, split by the
  2010 country shares of :data:`UPSTREAM_SHARES`;
- national totals are split over states and provinces by :data:`SITE_SPLIT` where the
  2010 geography is known, else by the ``world_2018`` split of the stage (ASM);
- unit costs are ``world_2018``'s times the 2010/2018 ratio of the stage's real price
  (:data:`COST_FACTOR`); capex is scaled by the square root of that ratio, held to 1-3
  (ASM: equipment cost per unit of capacity fell more slowly than unit cost).

Run from the repository root::

    python scripts/derive_world_2010.py

It reads ``world_2018`` and overwrites the ten tables of ``world_2010``.
"""

from __future__ import annotations

import csv
import math
import re
import shutil
from pathlib import Path

import pandas as pd

ROOT = Path(__file__).resolve().parents[1]
SRC = ROOT / "src" / "buildrace" / "data" / "world_2018"
OUT = ROOT / "src" / "buildrace" / "data" / "world_2010"
UPLIFT = 1.04
"""Supply over need for derived stages (as world_2018: a little slack at each stage)."""

CPI_2010_TO_2024 = 1.439
"""CPI-U 2024 / 2010 annual averages (313.7 / 218.1; W13): 2010 dollars to 2024 dollars."""

# --- anchors: 2010 production and capacity by economy ------------------------------
# (stage, economy, production, capacity, source, confidence)
ANCHORS: list[tuple[str, str, float, float, str, str]] = [
    # polysilicon: world ~155 kt incl. electronic grade
    ("solar_pv.polysilicon", "CN", 45000, 85000, "REC CPIA China 2010 output ~45 kt of ~85 kt capacity (GCL, LDK, Zhonggui)", "recalled"),
    ("solar_pv.polysilicon", "US", 40000, 55000, "REC Hemlock (MI), REC Silicon (WA, MT), MEMC (TX) 2010 output; Y08 Hemlock Clarksville under construction", "recalled"),
    ("solar_pv.polysilicon", "EU", 30000, 35000, "REC Wacker Burghausen 2010 ~30 kt; Y08 Nuenchritz under construction", "recalled"),
    ("solar_pv.polysilicon", "KR", 20000, 27000, "REC OCI Gunsan ~27 kt capacity end-2010; Y05 KCC 6 kt from Feb-2010; Y08 OCI doubling", "recalled"),
    ("solar_pv.polysilicon", "JP", 15000, 20000, "Y05 Tokuyama 9.2 kt and Mitsubishi Materials 4.3 kt capacity in 2010, plus M.Setek; output REC", "medium"),
    ("solar_pv.polysilicon", "ROW", 5000, 7000, "ASM remainder (Russia, Taiwan, India pilot plants)", "assumption"),
    # wafers: world ~21.5 GW (c-Si cells; thin film needs none)
    ("solar_pv.ingot_wafer", "CN", 11.5, 16, "REC CN ~55% of 2010 c-Si wafers (LDK, GCL, ReneSola, Yingli)", "recalled"),
    ("solar_pv.ingot_wafer", "ROW", 3.5, 5, "REC Taiwan (Sino-American, Green Energy), REC Wafer Norway, Singapore", "recalled"),
    ("solar_pv.ingot_wafer", "JP", 2, 2.8, "REC Sharp, Kyocera, SUMCO in-house wafers", "recalled"),
    ("solar_pv.ingot_wafer", "EU", 1.8, 2.5, "REC SolarWorld Freiberg, PV Crystalox, Schott", "recalled"),
    ("solar_pv.ingot_wafer", "US", 1.2, 1.7, "REC SolarWorld Hillsboro, MEMC", "recalled"),
    ("solar_pv.ingot_wafer", "KR", 1, 1.5, "REC Woongjin Energy, Nexolon", "recalled"),
    ("solar_pv.ingot_wafer", "IN", 0.1, 0.2, "ASM small Indian wafer lines", "assumption"),
    # cells: Y02 world 24 GW; China ~11, Taiwan 3.6, Japan 2.2, Germany 2.0, US 1.1 GW
    ("solar_pv.cell", "CN", 10.8, 15.4, "Y02 GTM Research via Earth Policy Institute: China close to 11 GW of 24 GW (Y09 almost 48%); capacity ASM x1/0.70", "medium"),
    ("solar_pv.cell", "ROW", 6.3, 9.7, "Y02 Taiwan 3.6 GW; remainder of the 24 GW (Malaysia incl. First Solar thin film, Philippines) DER; capacity ASM", "derived"),
    ("solar_pv.cell", "JP", 2.2, 3.1, "Y02 Japan 2.2 GW; capacity ASM", "medium"),
    ("solar_pv.cell", "EU", 2.6, 4.3, "Y02 Germany 2.0 GW; rest of the EU ~0.6 GW ASM; capacity ASM", "medium"),
    ("solar_pv.cell", "US", 1.1, 1.6, "Y02 United States 1.1 GW; capacity ASM", "medium"),
    ("solar_pv.cell", "KR", 0.6, 1, "ASM Hyundai Heavy, LG, Shinsung: the rest of Y02's 18% outside the top five", "assumption"),
    ("solar_pv.cell", "IN", 0.4, 0.8, "ASM Moser Baer, Tata BP Solar", "assumption"),
    # modules: ~24 GW; module assembly was more dispersed than cells
    ("solar_pv.module", "CN", 11.5, 17, "REC China ~48% of 2010 modules (Suntech, Yingli, Trina, Canadian Solar); Y09 cell share", "recalled"),
    ("solar_pv.module", "ROW", 4.8, 7.5, "REC First Solar Malaysia thin film, SunPower Philippines, Mexico, Taiwan", "recalled"),
    ("solar_pv.module", "EU", 3.4, 6, "REC European module assembly (Germany, Spain, Italy) 2010", "recalled"),
    ("solar_pv.module", "JP", 2.1, 3, "REC Sharp, Kyocera, Sanyo, Mitsubishi Electric", "recalled"),
    ("solar_pv.module", "US", 1.2, 1.9, "REC US module output 2010 (First Solar Perrysburg, SolarWorld, Sharp Memphis, Evergreen)", "recalled"),
    ("solar_pv.module", "KR", 0.7, 1.1, "ASM Korean module makers", "assumption"),
    ("solar_pv.module", "IN", 0.3, 0.7, "ASM Indian module assemblers", "assumption"),
    # battery cells: H03 world 19 GWh of 30 GWh; Japan and Korea led, China third
    ("li_ion_battery.cell_nmc811", "JP", 7.98, 12.5, "H03 world 19 GWh / 30 GWh; JP share 0.42 REC (Y03 TSR: Korea matched Japan at 38% only in Q1-2011; Y04 Japan >50% in 2008); non-LFP proxy", "recalled"),
    ("li_ion_battery.cell_nmc811", "KR", 6.27, 9.5, "H03; KR share 0.33 REC (Y03 Samsung SDI passed Sanyo in Q2-2010); non-LFP proxy", "recalled"),
    ("li_ion_battery.cell_nmc811", "CN", 3.57, 5.3, "H03; CN non-LFP 0.188 of world REC (ATL, BAK, Lishen, BYD LCO)", "recalled"),
    ("li_ion_battery.cell_lfp", "CN", 0.8, 1.5, "H03; ASM BYD and e-bike/bus LFP ~0.8 GWh", "assumption"),
    ("li_ion_battery.cell_lfp", "US", 0.15, 0.5, "ASM A123 Systems Livonia (opened Sep-2010)", "assumption"),
    ("li_ion_battery.cell_nmc811", "US", 0.04, 0.3, "ASM JCI-Saft Holland MI (opened 2010)", "assumption"),
    ("li_ion_battery.cell_nmc811", "EU", 0.095, 0.2, "ASM Saft, GAIA, Li-Tec: the rest of H03's total", "assumption"),
    ("li_ion_battery.cell_nmc811", "ROW", 0.095, 0.2, "ASM Taiwan, Singapore: the rest of H03's total", "assumption"),
    # packs: EV, bus and storage packs only (consumer cells need no pack stage)
    ("li_ion_battery.pack", "JP", 0.35, 1.2, "ASM Leaf (AESC) and i-MiEV (LEJ) packs: Y01 2010 sales x ~20 kWh, plus hybrids and exports", "assumption"),
    ("li_ion_battery.pack", "CN", 0.3, 1.0, "ASM BYD and e-bus packs", "assumption"),
    ("li_ion_battery.pack", "US", 0.1, 0.6, "ASM A123, Tesla Roadster and Compact Power (Volt) packs", "assumption"),
    ("li_ion_battery.pack", "KR", 0.05, 0.2, "ASM LG Chem and SB LiMotive pack lines", "assumption"),
    ("li_ion_battery.pack", "EU", 0.05, 0.2, "ASM Li-Tec, Saft packs", "assumption"),
    ("li_ion_battery.pack", "ROW", 0.03, 0.1, "ASM Think (Norway) packs", "assumption"),
    ("li_ion_battery.pack", "IN", 0.02, 0.05, "ASM Reva packs", "assumption"),
    # EV assembly: ~8,000 plug-in cars (Y01: i-MiEV 2,809, Roadster 704, Think 685, JAC J3 583, BYD F3DM 417)
    ("ev.assembly", "JP", 3600, 60000, "Y01 i-MiEV 2,809 and Leaf (Dec-2010) ~800; capacity REC Oppama Leaf line 50,000/yr plus Mizushima", "low"),
    ("ev.assembly", "CN", 1500, 10000, "Y01 JAC J3 583, BYD F3DM 417 and others ~500 (ASM); capacity ASM", "low"),
    ("ev.assembly", "US", 1000, 12500, "Y01 Tesla Roadster 704 (final assembly Menlo Park, ASM), Volt 326 (Dec-2010); capacity REC Hamtramck ~10,000 + 2,500", "low"),
    ("ev.assembly", "ROW", 700, 3000, "Y01 Think City 685 (Norway); capacity ASM", "low"),
    ("ev.assembly", "EU", 500, 3000, "ASM small-series EVs (Smart ED, Mini E conversions)", "assumption"),
    ("ev.assembly", "IN", 300, 6000, "ASM Reva Bangalore (capacity ~6,000/yr REC)", "assumption"),
    ("ev.assembly", "KR", 50, 2000, "ASM Hyundai BlueOn pilot series (Sep-2010)", "assumption"),
    # NdFeB: H56 world 98.2 kt, H55 China 78 kt, Japan 19.3% (H56)
    ("ndfeb_magnet.magnet_sintered", "CN", 78000, 120000, "H55 CCR China 2010 sintered output 78 kt; capacity ASM (CCR: capacity far above output)", "medium"),
    ("ndfeb_magnet.magnet_sintered", "JP", 18950, 25000, "DER H56 world 98.2 kt x Japan 19.3%; capacity ASM", "derived"),
    ("ndfeb_magnet.magnet_sintered", "EU", 1250, 2000, "DER H56 remainder (Vacuumschmelze); capacity ASM", "derived"),
    # rare-earth mining: USGS MCS 2012 (Y06) 2010: China 130 kt, India 2.8 kt, Brazil 0.55 kt
    ("ndfeb_magnet.mine_rare_earth", "CN", 130000, 150000, "Y06 USGS MCS 2012 China 130 kt REO in 2010 (Y10: China ~95% of world output); capacity ASM (quota 89 kt plus unlicensed mining)", "medium"),
    ("ndfeb_magnet.mine_rare_earth", "IN", 2800, 4000, "Y06 India 2.8 kt REO; capacity ASM", "recalled"),
    ("ndfeb_magnet.mine_rare_earth", "ROW", 600, 1500, "Y06 Brazil 0.55 kt, Malaysia 0.03 kt; capacity ASM", "recalled"),
]

# --- derived stages: (stage, [(input-consuming stage), ...]) and 2010 country shares
UPSTREAM_SHARES: dict[str, tuple[dict[str, float], str]] = {
    "li_ion_battery.cam_nmc811": ({"JP": 0.45, "CN": 0.35, "KR": 0.15, "EU": 0.03, "US": 0.01, "ROW": 0.01},
                                  "REC Nichia, Toda, Sumitomo MM (JP); Easpring, Reshine, Shanshan (CN); L&F, Umicore Korea (KR); all non-LFP cathodes counted as NMC"),
    "li_ion_battery.cam_lfp": ({"CN": 0.8, "ROW": 0.2}, "REC Tianjin STL, BYD (CN); Phostech Canada (ROW)"),
    "li_ion_battery.anode_graphite": ({"JP": 0.55, "CN": 0.40, "KR": 0.02, "ROW": 0.03},
                                      "REC Hitachi Chemical, Mitsubishi Chemical, JFE (JP); BTR, Shanshan (CN)"),
    "li_ion_battery.process_graphite": ({"CN": 0.99, "ROW": 0.01}, "REC virtually all spherical graphite made in China"),
    "li_ion_battery.mine_graphite": ({"CN": 0.71, "IN": 0.115, "ROW": 0.175}, "REC Y06 USGS MCS 2012 2010: China ~800 kt of ~1.1 Mt, India ~130 kt"),
    "li_ion_battery.refine_lithium": ({"CN": 0.20, "US": 0.05, "ROW": 0.75}, "REC Chile (SQM, SCL) and Argentina (FMC) led lithium chemicals; China ~20%; Chemetall Silver Peak NV"),
    "li_ion_battery.mine_lithium": ({"CN": 0.135, "US": 0.035, "ROW": 0.83}, "REC Y06 USGS MCS 2012 2010: Chile 10.5 kt, Australia 9.3 kt, China ~4 kt, Argentina 3 kt; US withheld (~1 kt)"),
    "li_ion_battery.refine_nickel": ({"JP": 0.45, "CN": 0.30, "EU": 0.15, "ROW": 0.10}, "REC battery-grade nickel sulfate: Sumitomo MM (JP), Jinchuan (CN), Norilsk Harjavalta (EU)"),
    "li_ion_battery.mine_nickel": ({"CN": 0.05, "ROW": 0.95}, "REC Y06 USGS MCS 2012 2010: China ~80 kt of ~1.59 Mt; no US mine"),
    "li_ion_battery.refine_cobalt": ({"CN": 0.55, "EU": 0.20, "JP": 0.05, "ROW": 0.20}, "REC Y07 USGS: China the leading cobalt refiner in 2010; Freeport OMG Kokkola (EU); US refined none"),
    "li_ion_battery.mine_cobalt": ({"CN": 0.07, "ROW": 0.93}, "Y07 USGS 2010 Minerals Yearbook: Congo (Kinshasa) 51% of world cobalt; China ~7% REC; no US mine"),
    "li_ion_battery.refine_manganese": ({"CN": 0.95, "JP": 0.05}, "REC HPMSM almost all Chinese (as world_2018)"),
    "li_ion_battery.mine_manganese": ({"CN": 0.20, "IN": 0.085, "ROW": 0.715}, "REC Y06 USGS MCS 2012 2010: China ~2.6 Mt of ~13 Mt, India ~1.1 Mt"),
    "ndfeb_magnet.metal_alloy": ({"CN": 0.90, "JP": 0.08, "VN": 0.01, "ROW": 0.01}, "REC Chinese alloy makers; Santoku, Showa Denko (JP); Shin-Etsu Vietnam"),
    "ndfeb_magnet.separation_heavy_re_oxide": ({"CN": 1.0}, "REC all Dy/Tb from southern Chinese ionic clays in 2010"),
    "ndfeb_magnet.separation_ndpr_oxide": ({"CN": 0.96, "EU": 0.02, "IN": 0.01, "ROW": 0.01}, "REC China; Rhodia La Rochelle and Silmet (EU); IREL (IN); Solikamsk (ROW)"),
}
UPSTREAM_ORDER = (
    "li_ion_battery.cam_nmc811", "li_ion_battery.cam_lfp", "li_ion_battery.anode_graphite",
    "li_ion_battery.refine_lithium", "li_ion_battery.refine_nickel", "li_ion_battery.refine_cobalt",
    "li_ion_battery.refine_manganese", "li_ion_battery.process_graphite",
    "li_ion_battery.mine_lithium", "li_ion_battery.mine_nickel", "li_ion_battery.mine_cobalt",
    "li_ion_battery.mine_manganese", "li_ion_battery.mine_graphite",
    "ndfeb_magnet.metal_alloy", "ndfeb_magnet.separation_heavy_re_oxide", "ndfeb_magnet.separation_ndpr_oxide",
)
"""Derived stages, each after every stage it feeds."""
UPSTREAM_UTILISATION = {"mine": 0.85, "refine": 0.65, "process": 0.6, "cam": 0.65, "anode": 0.65,
                        "metal": 0.7, "separation": 0.7}
"""Utilisation of derived stages by kind (ASM, as the world_2018 rows)."""

# --- site splits where the 2010 geography differs from 2018 ---------------------------
SITE_SPLIT: dict[tuple[str, str], tuple[dict[str, float], str]] = {
    ("solar_pv.polysilicon", "CN"): ({"CN:JS": 0.45, "CN:HA": 0.15, "CN:SC": 0.15, "CN:JX": 0.15, "CN:NM": 0.05, "CN:XJ": 0.05},
                                     "GCL Xuzhou (JS), Luoyang Zhonggui (HA), Emei/Xinguang (SC), LDK Xinyu (JX)"),
    ("solar_pv.polysilicon", "US"): ({"US:MI": 0.55, "US:WA": 0.25, "US:MT": 0.10, "US:TX": 0.10},
                                     "Hemlock (MI), REC Moses Lake (WA), REC Butte (MT), MEMC Pasadena (TX)"),
    ("solar_pv.ingot_wafer", "CN"): ({"CN:JX": 0.35, "CN:JS": 0.35, "CN:HE": 0.15, "CN:ZJ": 0.15},
                                     "LDK (JX), GCL wafers (JS), Yingli (HE), ReneSola (ZJ)"),
    ("solar_pv.ingot_wafer", "US"): ({"US:OR": 0.6, "US:TX": 0.4}, "SolarWorld Hillsboro (OR), MEMC (TX)"),
    ("solar_pv.cell", "CN"): ({"CN:JS": 0.45, "CN:HE": 0.20, "CN:ZJ": 0.15, "CN:JX": 0.08, "CN:SH": 0.05, "CN:GD": 0.07},
                              "Suntech, Trina, Canadian Solar (JS); Yingli, JA Solar Ningjin (HE); Jinko, LDK (JX)"),
    ("solar_pv.cell", "US"): ({"US:OH": 0.4, "US:OR": 0.3, "US:CA": 0.15, "US:MI": 0.15},
                              "First Solar Perrysburg (OH), SolarWorld Hillsboro (OR), Solyndra (CA), United Solar (MI)"),
    ("solar_pv.module", "CN"): ({"CN:JS": 0.45, "CN:HE": 0.20, "CN:ZJ": 0.15, "CN:JX": 0.08, "CN:SH": 0.05, "CN:GD": 0.07},
                                "as the cells"),
    ("solar_pv.module", "US"): ({"US:OH": 0.35, "US:OR": 0.2, "US:CA": 0.15, "US:TN": 0.15, "US:MI": 0.15},
                                "First Solar (OH), SolarWorld (OR), Solyndra (CA), Sharp Memphis (TN), United Solar (MI)"),
    ("li_ion_battery.cell_nmc811", "CN"): ({"CN:GD": 0.6, "CN:BJ": 0.2, "CN:JS": 0.1, "CN:ZJ": 0.1},
                                           "ATL Dongguan, BAK and BYD Shenzhen (GD); Lishen Tianjin at the nearest site BJ"),
    ("li_ion_battery.cell_nmc811", "US"): ({"US:MI": 1.0}, "JCI-Saft Holland (MI)"),
    ("li_ion_battery.cell_lfp", "CN"): ({"CN:GD": 0.8, "CN:JS": 0.2}, "BYD Shenzhen (GD)"),
    ("li_ion_battery.cell_lfp", "US"): ({"US:MI": 1.0}, "A123 Livonia (MI)"),
    ("li_ion_battery.pack", "CN"): ({"CN:GD": 0.7, "CN:BJ": 0.3}, "BYD Shenzhen (GD), bus packs (BJ)"),
    ("li_ion_battery.pack", "US"): ({"US:MI": 0.5, "US:CA": 0.5}, "A123, Compact Power Troy (MI); Tesla Palo Alto (CA)"),
    ("ev.assembly", "CN"): ({"CN:GD": 0.4, "CN:AH": 0.4, "CN:BJ": 0.2}, "BYD Shenzhen (GD), JAC Hefei (AH)"),
    ("ev.assembly", "US"): ({"US:CA": 0.6, "US:MI": 0.4}, "Tesla Menlo Park (CA), Volt Hamtramck (MI)"),
    ("li_ion_battery.cam_lfp", "CN"): ({"CN:GD": 0.5, "CN:BJ": 0.5}, "BYD (GD), Tianjin STL at the nearest site BJ"),
    ("li_ion_battery.refine_lithium", "US"): ({"US:NV": 0.5, "US:NC": 0.5}, "Chemetall Silver Peak (NV), Kings Mountain (NC)"),
    ("li_ion_battery.mine_lithium", "US"): ({"US:NV": 1.0}, "Silver Peak brine (NV)"),
}
CAPACITY_SPLIT_AS_PRODUCTION = True
"""Site capacity is split like production (the 2010 plants ran at similar rates, ASM)."""

# --- final demand in 2010 and the growth a forecaster used in 2010 -------------------
# (economy, use, value, g1 (to 2030), g2 (2031-2040), g3 (2041-2050), source, confidence)
EV_G = (0.48, 0.08, 0.02)
# new cars sold in 2010, the market EV sales saturate (recalled figures)
CAR_MARKET_2010 = {
    "CN": (13800000, "passenger vehicles 2010 ~13.8 M (CAAM)"),
    "US": (11600000, "light-vehicle sales 2010 ~11.6 M"),
    "EU": (11400000, "EU27 new cars 2010 ~13.4 M less the UK's 2.0 M (ACEA)"),
    "JP": (4960000, "new vehicles 2010 ~4.96 M (JADA)"),
    "KR": (1470000, "domestic car sales 2010 ~1.47 M"),
    "IN": (2400000, "passenger vehicles 2010 ~2.4 M (SIAM)"),
    "VN": (110000, "car sales 2010 ~0.11 M (VAMA)"),
    "ROW": (26300000, "world light vehicles ~72 M less the listed economies"),
}

DEMAND: list[tuple[str, str, float, tuple[float, float, float], str, str]] = [
    ("CN", "use.ev_sales", 1500, EV_G, "Y01 JAC J3 583 and BYD F3DM 417 among the top five, ~1,500 in all (ASM); growth Y11", "low"),
    ("EU", "use.ev_sales", 1600, EV_G, "Y01 Roadster, i-MiEV (from Dec-2010) and small series in the EU, ASM; growth Y11", "low"),
    ("US", "use.ev_sales", 1100, EV_G, "Y01 Roadster US share and Volt 326 (Dec-2010), Leaf 19, ASM; P11 17,813 in 2011; growth Y11", "low"),
    ("KR", "use.ev_sales", 100, EV_G, "ASM Hyundai BlueOn fleet trial; growth Y11", "assumption"),
    ("JP", "use.ev_sales", 2600, EV_G, "Y01 i-MiEV 2,809 (mostly Japan) and Leaf (Dec-2010), ASM; growth Y11", "low"),
    ("IN", "use.ev_sales", 300, EV_G, "ASM Reva; growth Y11", "assumption"),
    ("VN", "use.ev_sales", 0, (0.0, 0.0, 0.0), "ASM none", "assumption"),
    ("ROW", "use.ev_sales", 800, EV_G, "Y01 Think City 685 (Norway) and others, ASM; P10 world 45,000 in 2011; growth Y11", "low"),
    ("CN", "use.pv_installations", 0.5, (0.25, 0.03, 0.01), "REC Y12 EPIA GMO 2011: China ~0.5 GW in 2010; growth ASM from China's 2010 targets", "recalled"),
    ("US", "use.pv_installations", 0.9, (0.15, 0.03, 0.01), "REC Y12 US ~0.9 GW; growth ASM Y12 policy-driven scenario", "recalled"),
    ("EU", "use.pv_installations", 13.2, (0.03, 0.02, 0.01), "REC Y12 EU ~13.2 GW (Germany 7.4, Italy 2.3, Czech Republic 1.5); P08 world 16.8 GW; growth ASM (feed-in tariff cuts)", "recalled"),
    ("JP", "use.pv_installations", 1.0, (0.10, 0.02, 0.0), "REC Y12 Japan ~1.0 GW; growth ASM", "recalled"),
    ("KR", "use.pv_installations", 0.13, (0.08, 0.03, 0.01), "REC Y12 Korea ~0.13 GW; growth ASM", "recalled"),
    ("IN", "use.pv_installations", 0.03, (0.30, 0.06, 0.03), "REC Y12 India ~0.03 GW; growth ASM (JNNSM 2010: 20 GW by 2022)", "recalled"),
    ("VN", "use.pv_installations", 0.0, (0.0, 0.0, 0.0), "ASM none", "assumption"),
    ("ROW", "use.pv_installations", 1.04, (0.15, 0.04, 0.02), "DER P08 world 16.8 GW less the economies above (Australia, Canada, Switzerland...); growth ASM", "derived"),
    ("CN", "use.storage_installations", 0.005, (0.30, 0.10, 0.03), "ASM Li-ion grid storage pilots (Zhangbei, BYD); growth ASM", "assumption"),
    ("US", "use.storage_installations", 0.02, (0.30, 0.10, 0.03), "ASM AES frequency-regulation batteries (~20 MW, short duration); growth ASM", "assumption"),
    ("EU", "use.storage_installations", 0.005, (0.30, 0.10, 0.03), "ASM pilots; growth ASM", "assumption"),
    ("JP", "use.storage_installations", 0.01, (0.30, 0.10, 0.03), "ASM pilots (NaS dominated Japan's grid storage); growth ASM", "assumption"),
    ("KR", "use.storage_installations", 0.005, (0.30, 0.10, 0.03), "ASM pilots; growth ASM", "assumption"),
    ("IN", "use.storage_installations", 0.0, (0.0, 0.0, 0.0), "ASM none", "assumption"),
    ("VN", "use.storage_installations", 0.0, (0.0, 0.0, 0.0), "ASM none", "assumption"),
    ("ROW", "use.storage_installations", 0.005, (0.30, 0.10, 0.03), "ASM pilots; growth ASM", "assumption"),
    ("CN", "use.wind_installations", 18.9, (0.03, 0.01, 0.0), "P01 GWEC 2010: China 18.9 GW; growth Y13", "medium"),
    ("EU", "use.wind_installations", 9.3, (0.03, 0.02, 0.01), "REC EWEA 2010 EU27 ~9.3 GW; growth Y13", "recalled"),
    ("US", "use.wind_installations", 5.1, (0.08, 0.02, 0.01), "P01 US 5.1 GW; growth Y13", "medium"),
    ("IN", "use.wind_installations", 2.1, (0.08, 0.05, 0.02), "REC GWEC 2010 India ~2.1 GW; growth Y13", "recalled"),
    ("JP", "use.wind_installations", 0.22, (0.10, 0.05, 0.02), "REC GWEC 2010 Japan ~0.22 GW; growth Y13", "recalled"),
    ("KR", "use.wind_installations", 0.03, (0.15, 0.05, 0.02), "REC Korea ~0.03 GW; growth Y13", "recalled"),
    ("VN", "use.wind_installations", 0.0, (0.0, 0.0, 0.0), "ASM none (Tuy Phong's first 7.5 MW in 2009)", "assumption"),
    ("ROW", "use.wind_installations", 2.65, (0.10, 0.03, 0.02), "DER P01 world 38.3 GW less the economies above; growth Y13", "derived"),
]

# --- pipeline at the end of 2010 ------------------------------------------------------
PIPELINE = [
    ("US:MI", "li_ion_battery.cell_nmc811", 1.5, "construction", 2012, "LG Chem (Compact Power) Holland cell plant", "REC ARRA-funded, opened 2012", "recalled"),
    ("US:MI", "li_ion_battery.cell_lfp", 0.6, "ramping", 2011, "A123 Systems Livonia/Romulus ramp", "REC", "recalled"),
    ("US:TN", "li_ion_battery.cell_nmc811", 1.2, "construction", 2012, "Nissan/AESC Smyrna cell plant", "REC DOE loan to Nissan (2009)", "recalled"),
    ("US:TN", "ev.assembly", 150000, "construction", 2013, "Nissan Smyrna Leaf line", "REC", "recalled"),
    ("US:CA", "ev.assembly", 20000, "construction", 2012, "Tesla Fremont Model S line", "REC", "recalled"),
    ("US:TN", "solar_pv.polysilicon", 21000, "construction", 2012, "Hemlock Clarksville polysilicon plant", "Y08 Hemlock building a 1.2 bn USD plant in Clarksville TN", "medium"),
    ("EU", "solar_pv.polysilicon", 15000, "construction", 2011, "Wacker Nuenchritz polysilicon plant", "Y08 Wacker building an 800 M EUR plant in Nuenchritz", "medium"),
    ("KR", "solar_pv.polysilicon", 27000, "announced", 2012, "OCI Gunsan expansion (doubling)", "Y08 OCI MoU (Aug-2010) to double capacity", "medium"),
    ("US:CA", "ndfeb_magnet.mine_rare_earth", 19050, "construction", 2012, "Molycorp Mountain Pass Project Phoenix", "REC restart of the Mountain Pass mine", "recalled"),
    ("ROW", "ndfeb_magnet.separation_ndpr_oxide", 2500, "construction", 2012, "Lynas Advanced Materials Plant, Kuantan (phase 1)", "REC phase 1 11 kt REO, NdPr ~23%", "recalled"),
    ("CN:JS", "solar_pv.module", 5, "construction", 2011, "Chinese module expansions (Suntech, Trina, Canadian Solar)", "ASM 2011 capacity additions", "assumption"),
]

# --- 2010 / 2018 real price ratios by stage (unit cost factors) -------------------------
COST_FACTOR: dict[str, tuple[float, str]] = {
    "solar_pv.module": (4.969, "DER H36 module price 2.493 (2010) / 0.502 (2018) USD/W in 2024 USD (history)"),
    "solar_pv.cell": (7.0, "REC 2010 cell prices ~1.1-1.3 USD/W against 0.14 (2018)"),
    "solar_pv.ingot_wafer": (8.0, "REC 2010 multi wafers ~0.7 USD/W against 0.075 (2018)"),
    "solar_pv.polysilicon": (5.5, "REC 2010 contract/spot polysilicon ~55-80 USD/kg against 11.3 (2018)"),
    "li_ion_battery.pack": (6.667, "DER H11 pack price 1,449 (2010) / 217 (2018) USD/kWh in 2024 USD (history)"),
    "li_ion_battery.cell_nmc811": (4.5, "ASM between 2010 consumer cells (~300 USD/kWh) and EV cells (~700) against 132 (2018)"),
    "li_ion_battery.cell_lfp": (4.5, "ASM as the non-LFP cells"),
    "li_ion_battery.cam_nmc811": (1.2, "ASM 2010 cathode prices (LCO, NMC111) somewhat above 2018's"),
    "li_ion_battery.cam_lfp": (1.5, "ASM LFP cathode was a specialty product in 2010"),
    "li_ion_battery.anode_graphite": (1.3, "ASM"),
    "li_ion_battery.refine_lithium": (0.41, "REC lithium carbonate contract ~5.2 USD/kg (2010) against 14.1 (2018), x1.12 for 2010-2018 inflation"),
    "li_ion_battery.mine_lithium": (0.41, "ASM as lithium carbonate"),
    "li_ion_battery.refine_nickel": (1.86, "REC LME nickel ~21.8 kUSD/t (2010) against 13.1 (2018), x1.12 inflation"),
    "li_ion_battery.mine_nickel": (1.86, "ASM as refined nickel"),
    "li_ion_battery.refine_cobalt": (0.63, "REC cobalt ~40.6 USD/kg (2010) against 72.6 (2018), x1.12 inflation"),
    "li_ion_battery.mine_cobalt": (0.63, "ASM as refined cobalt"),
    "li_ion_battery.refine_manganese": (1.0, "ASM"),
    "li_ion_battery.mine_manganese": (1.0, "ASM"),
    "li_ion_battery.process_graphite": (1.0, "ASM"),
    "li_ion_battery.mine_graphite": (1.0, "ASM flake prices of 2010 and 2018 similar"),
    "ndfeb_magnet.separation_ndpr_oxide": (1.2, "REC NdPr oxide ~50-60 USD/kg in 2010 before the 2011 spike (history H50: 272 in 2011) against 52.8 (2018)"),
    "ndfeb_magnet.separation_heavy_re_oxide": (1.4, "REC Dy oxide ~300 USD/kg (2010) against a 236 Dy/Tb blend (2018)"),
    "ndfeb_magnet.mine_rare_earth": (1.2, "ASM as NdPr oxide"),
    "ndfeb_magnet.metal_alloy": (1.2, "ASM as NdPr oxide"),
    "ndfeb_magnet.magnet_sintered": (1.1, "ASM"),
    "ev.assembly": (1.4, "ASM 2010 EVs (Leaf ~33 kUSD, i-MiEV ~45 kUSD) carried ~20 kWh at ~1,000 USD/kWh"),
}

# 2010 industrial electricity prices, nominal USD/MWh, to 2024 USD by CPI_2010_TO_2024
ELECTRICITY = {
    "US": (67.7, "REC EIA 2010 average industrial 6.77 ct/kWh"),
    "CN": (88.6, "REC China large-industry ~0.60 CNY/kWh at 6.77 CNY/USD"),
    "EU": (120.0, "REC Eurostat 2010 industrial ~EUR 0.09/kWh at 1.33 USD/EUR"),
    "JP": (171.0, "REC ~15 JPY/kWh at 87.8 JPY/USD"),
    "KR": (66.0, "REC KEPCO industrial ~76 KRW/kWh at 1,156 KRW/USD"),
    "VN": (53.0, "REC EVN ~1,000 VND/kWh at 19,000 VND/USD"),
    "IN": (109.0, "REC state industrial tariffs ~5 INR/kWh at 45.7 INR/USD"),
    "ROW": (91.0, "ASM world_2018's ROW price in 2010 terms (131 / 1.439)"),
}

# intensities that moved between 2010 and 2018
INTENSITY = {
    ("solar_pv.ingot_wafer", "solar_pv.polysilicon"): (7200.0, "DER world polysilicon 155 kt / world c-Si wafers 21.5 GW (2010; includes electronic grade and inventory), as world_2018's method"),
    ("li_ion_battery.pack", "li_ion_battery.cell_lfp"): (0.05, "DER 2010 world cell output LFP 0.95 of 19.0 GWh (capacity.csv); shares sum to 1"),
    ("li_ion_battery.pack", "li_ion_battery.cell_nmc811"): (0.95, "DER 2010 world cell output non-LFP 18.05 of 19.0 GWh (NMC, NCA, LCO, LMO; NMC811 was not made in 2010 and stands in as a proxy)"),
    ("ev.assembly", "li_ion_battery.pack"): (2.0e-05, "ASM 2010 fleet: Leaf 24 kWh, i-MiEV 16 kWh, Volt 16 kWh, Roadster 53 kWh: ~20 kWh per car"),
}

NEW_SOURCES = [
    ("Y01", "EV Sales blog, \"Memory Lane - 2010\": best-selling plug-in cars of 2010 (i-MiEV 2,809, Tesla Roadster 704, Think City 685, JAC J3 583, BYD F3DM 417; Volt 326 in December)", "https://ev-sales.blogspot.com/2013/07/memory-lane-2010.html"),
    ("Y02", "Earth Policy Institute (J. M. Roney, Oct-2011), \"Solar PV breaks records in 2010\": 24 GW of cells made in 2010 (GTM Research data): China ~11 GW, Taiwan 3.6, Japan 2.2, Germany 2.0, US 1.1; 16.6 GW installed", "http://www.ncwarn.org/2011/10/solar-pv-breaks-records-in-2010-the-earth-policy-institute/"),
    ("Y03", "Autoblog (Jul-2011), citing Techno Systems Research: Korean Li-ion makers matched Japan at 38% in Q1-2011; Samsung SDI passed Sanyo in Q2-2010", "https://www.autoblog.com/2011/07/25/competition-china-south-korea-japan-li-ion-battery-market/"),
    ("Y04", "EVWind: Japan held more than half of the Li-ion market in 2008, Korea 21%", "https://evwind.es/?p=13340"),
    ("Y05", "Polysilicon producer profiles: Tokuyama 9,200 t capacity in 2010, Mitsubishi Materials 4,300 t, KCC 6,000 t from Feb-2010", "http://energyprofessionalsymposium.com/?cat=82"),
    ("Y06", "USGS, Mineral Commodity Summaries 2011 and 2012 (world mine production 2010 by country: lithium, nickel, cobalt, manganese, graphite, rare earths)", "https://pubs.usgs.gov/publication/mineral2012"),
    ("Y07", "USGS 2010 Minerals Yearbook, Congo (Kinshasa): 51% of the world's cobalt production in 2010; Cobalt chapter: world refined cobalt >76,000 t, China the leading refiner", "https://docslib.org/doc/11595680/the-mineral-industry-of-congo-kinshasa-in-2010"),
    ("Y08", "PHOTON Consulting via Electrical Hobby (Oct-2010): Hemlock building a 1.2 bn USD plant in Clarksville TN, Wacker an 800 M EUR plant in Nuenchritz, OCI to double capacity", "http://electricalhobby.com/content-polysilicon-development-outlook-will-reach-234.html"),
    ("Y09", "Washington Post graphic (Dec-2011; Photon International, Earth Policy Institute): China's share of world solar cell production almost 48% in 2010, 38% in 2009", "https://www.washingtonpost.com/business/the-global-market-for-solar-cells/2011/12/16/gIQATywQyO_graphic.html"),
    ("Y10", "USGS technical announcement (Mar-2011), \"The Facts of China's Rare Earth Industry\" (Tse, OFR 2011-1042): China ~95% of world output", "https://archive.usgs.gov/archive/sites/www.usgs.gov/newsroom/article.asp-ID=2712.html"),
    ("Y11", "IEA/EVI Global EV Outlook 2013 (EVI goal of 20 M EVs on the road by 2020) and IEA Technology Roadmap EV/PHEV (2009, 2011 update): the 2010 outlooks behind ~48%/yr EV sales growth to 2030 (ASM reading)", "https://www.readkong.com/page/understanding-the-electric-vehicle-landscape-to-2020-7608322"),
    ("Y12", "EPIA, Global Market Outlook for Photovoltaics until 2015 (May 2011): 2010 installations by country and the policy-driven scenario", "https://pr.euractiv.com/pr/solar-power-crossroads-photovoltaic-market"),
    ("Y13", "GWEC, Global Wind Energy Outlook 2010 (moderate scenario: the annual market grows a few percent a year after 2010), ASM reading", "https://gwec.net/"),
]


SCENARIO_CITES = ("H25", "W13")
"""Ids cited by the baseline_2010 scenario's notes (car duties; the CPI)."""


def _read(name: str) -> pd.DataFrame:
    return pd.read_csv(SRC / name, keep_default_na=False)


def _split(stage: str, economy: str, cap2018: pd.DataFrame) -> tuple[dict[str, float], str]:
    """Site shares of (stage, economy): :data:`SITE_SPLIT`, the single economy site, or 2018's."""
    if (stage, economy) in SITE_SPLIT:
        shares, note = SITE_SPLIT[(stage, economy)]
        return shares, f"DER/REC 2010 site split: {note}"
    if economy not in ("US", "CN"):
        return {economy: 1.0}, ""
    rows = cap2018[(cap2018["stage"] == stage) & (cap2018["site"].str.startswith(economy + ":"))]
    if rows.empty or rows["production"].sum() <= 0:
        raise SystemExit(f"no site for {economy} {stage}: add it to SITE_SPLIT")
    w = rows.set_index("site")["production"] / rows["production"].sum()
    return w.to_dict(), "DER/ASM site split as world_2018 (2010 plants not curated)"


def main() -> None:
    OUT.mkdir(parents=True, exist_ok=True)
    for name in ("sites.csv", "stages.csv", "stage_parameters.csv"):
        shutil.copyfile(SRC / name, OUT / name)

    cap2018 = _read("capacity.csv")
    inputs = _read("inputs.csv")
    for (consumer, inp), (value, note) in INTENSITY.items():
        m = (inputs["consumer"] == consumer) & (inputs["input"] == inp)
        assert m.sum() == 1, (consumer, inp)
        inputs.loc[m, "intensity"] = value
        inputs.loc[m, "source"] = note
        inputs.loc[m, "confidence"] = "derived" if note.startswith("DER") else "assumption"
    m = ~inputs.set_index(["consumer", "input"]).index.isin(list(INTENSITY))
    inputs.loc[m, "source"] = inputs.loc[m, "source"].astype(str) + " (as world_2018)"
    inputs.to_csv(OUT / "inputs.csv", index=False)

    # economy totals: anchors, then derived stages from what they feed
    totals: dict[tuple[str, str], tuple[float, float, str, str]] = {}
    for stage, econ, prod, cap, src, conf in ANCHORS:
        totals[(stage, econ)] = (prod, cap, src, conf)
    world_prod = lambda s: sum(v[0] for (st, _), v in totals.items() if st == s)  # noqa: E731
    for stage in UPSTREAM_ORDER:
        feeds = inputs[inputs["input"] == stage]
        need = sum(float(r.intensity) * world_prod(r.consumer) for r in feeds.itertuples() if not r.consumer.startswith("use."))
        world = need * UPLIFT
        shares, note = UPSTREAM_SHARES[stage]
        kind = stage.split(".")[1].split("_")[0]
        util = UPSTREAM_UTILISATION[kind]
        how = " + ".join(f"{r.consumer.split('.')[1]} x {float(r.intensity):g}" for r in feeds.itertuples())
        for econ, share in shares.items():
            src = (f"DER world = need ({how}) x {UPLIFT:g} = {world:.4g}; {econ} share {share:.3f} ({note}); "
                   f"capacity = production / {util:g} (ASM)")
            totals[(stage, econ)] = (world * share, world * share / util, src, "derived")

    rows = []
    for (stage, econ), (prod, cap, src, conf) in totals.items():
        shares, split_note = _split(stage, econ, cap2018)
        unit = cap2018.loc[cap2018["stage"] == stage, "unit"].iloc[0]
        for site, w in shares.items():
            note = src if not split_note else f"{src}; site share {w:.3f} ({split_note})"
            rows.append({"site": site, "stage": stage, "capacity": round(cap * w, 6), "production": round(prod * w, 6),
                         "unit": unit, "source": note, "confidence": conf})
    pd.DataFrame(rows).to_csv(OUT / "capacity.csv", index=False)

    fd = pd.DataFrame([
        {"economy": e, "use": u, "value": v, "unit": {"use.ev_sales": "vehicles", "use.pv_installations": "GW",
                                                       "use.storage_installations": "GWh", "use.wind_installations": "GW"}[u],
         "growth_2025_2030": g[0], "growth_2031_2040": g[1], "growth_2041_2050": g[2],
         "market_size": CAR_MARKET_2010[e][0] if u == "use.ev_sales" else None,
         "source": s + (f"; market_size REC {CAR_MARKET_2010[e][1]} (new cars a year: the ceiling of EV sales)"
                        if u == "use.ev_sales" else ""),
         "confidence": c}
        for e, u, v, g, s, c in DEMAND
    ])
    fd.to_csv(OUT / "final_demand.csv", index=False)

    pd.DataFrame([
        {"site": s, "stage": st, "capacity": k, "phase": ph, "online_year": y, "name": n, "source": src, "confidence": c}
        for s, st, k, ph, y, n, src, c in PIPELINE
    ]).to_csv(OUT / "pipeline.csv", index=False)

    esp = _read("economy_stage_parameters.csv")
    for stage, (f, note) in COST_FACTOR.items():
        m = (esp["stage"] == stage) & (esp["parameter"] == "unit_cost")
        esp.loc[m, "value"] = (esp.loc[m, "value"].astype(float) * f).round(6)
        esp.loc[m, "source"] = f"DER world_2018 unit cost x {f:g} (2010/2018: {note})"
        esp.loc[m, "confidence"] = "derived"
        fc = min(max(math.sqrt(f), 1.0), 3.0)
        m = (esp["stage"] == stage) & (esp["parameter"] == "capex")
        esp.loc[m, "value"] = (esp.loc[m, "value"].astype(float) * fc).round(6)
        esp.loc[m, "source"] = f"DER world_2018 capex x {fc:.3g} (ASM square root of the unit-cost ratio {f:g}, held to 1-3)"
        esp.loc[m, "confidence"] = "derived"
    m = esp["parameter"].isin(["permit_years", "build_years"])
    esp.loc[m, "source"] = "ASM as world_2018 (" + esp.loc[m, "source"].astype(str) + ")"
    esp.to_csv(OUT / "economy_stage_parameters.csv", index=False)

    econ = _read("economies.csv")
    for i, r in econ.iterrows():
        price, note = ELECTRICITY[r["economy"]]
        econ.loc[i, "electricity_price_usd_per_mwh"] = round(price * CPI_2010_TO_2024)
        econ.loc[i, "source"] = f"{note}; x{CPI_2010_TO_2024} to 2024 USD (W13); hurdle as world_2024 (ASM)"
        econ.loc[i, "confidence"] = "assumption" if note.startswith("ASM") else "recalled"
        if float(r.get("market_share_planning", 0) or 0) > 0:
            # an optional column of newer worlds: keep world_2018's weight and say why it held in 2010
            econ.loc[i, "source"] += (
                "; market_share_planning as world_2018 (ASM: the State Council's decision of Oct-2010 on "
                "strategic emerging industries named new-energy vehicles and new energy as targets for scale)"
            )
            econ.loc[i, "confidence"] = "assumption"
    econ.to_csv(OUT / "economies.csv", index=False)

    # sources: every id the tables cite, from the 2018 and 2024 worlds, the history and NEW_SOURCES
    known: dict[str, tuple[str, str]] = {}
    for path in (ROOT / "src" / "buildrace" / "data" / "world_2024" / "sources.csv", SRC / "sources.csv",
                 ROOT / "src" / "buildrace" / "data" / "history" / "sources.csv"):
        with path.open(encoding="utf-8", newline="") as fh:
            for row in csv.DictReader(fh):
                known[row["id"]] = (row["title"], row["url"])
    for sid, title, url in NEW_SOURCES:
        known[sid] = (title, url)
    cited: set[str] = {"DER", "REC", "ASM", *SCENARIO_CITES}
    for name in OUT.glob("*.csv"):
        if name.name == "sources.csv":
            continue
        with name.open(encoding="utf-8", newline="") as fh:
            for row in csv.DictReader(fh):
                cited |= set(re.findall(r"\b([A-Z]{1,2}\d{2}[a-z]?)\b", row.get("source", "")))
    cited = {c for c in cited if c in known} | {"DER", "REC", "ASM"}
    ordered = sorted(cited - {"DER", "REC", "ASM"}) + ["DER", "REC", "ASM"]
    with (OUT / "sources.csv").open("w", encoding="utf-8", newline="") as fh:
        w = csv.writer(fh, lineterminator="\n")
        w.writerow(["id", "title", "url"])
        for sid in ordered:
            w.writerow([sid, *known[sid]])

if __name__ == "__main__":
    main()
