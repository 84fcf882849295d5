"""Derive the compact siting tables shipped in ``src/buildrace/data/siting/``.

Reads the raw public datasets under ``<repo>/../shared/data`` (or ``--data DIR``) and
writes small CSV/JSON tables plus ``PROVENANCE.md``. The raw files are never copied
into the package; only aggregates (counts, sums, simplified outlines) are written.

Run from the repository root::

    python scripts/derive_siting_table.py [--data DIR] [--out DIR]

Outputs
-------
states.csv
    One row per US state and DC: site id, FIPS, abbreviation, name, centroid
    (lon/lat of the largest polygon), total CBP employment 2021.
industry_employment.csv
    CBP 2021 March employment and establishments by state and 3-digit NAICS
    (US Census Bureau, public domain; suppressed cells are absent).
state_distances.csv
    Every unordered pair of states: nearest-county distance where <= 100 miles
    (NBER county distances via Setzler's EconData), centroid great-circle distance,
    and whether the two states share a border (shared TopoJSON arc).
mineral_deposits.csv
    Number of USGS deposit records by state, commodity group and source dataset,
    each point placed in a state by point-in-polygon on the us-atlas outlines.
power_capacity.csv
    Generation capacity (MW) and plant count by state and primary fuel
    (WRI GPPD v1.3.0 joined to EIA-860 2019 for the state).
facilities.csv
    US facilities of the project baseline (shared/data/baseline/facilities.csv)
    with their state, chain, stage and a status class.
us_states_svg.json
    Simplified, projected SVG path strings per state (us-atlas 3.0.1, ISC licence),
    Albers equal-area for the lower 48 with Alaska and Hawaii insets.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import math
import re
from pathlib import Path

import numpy as np
import pandas as pd

REPO = Path(__file__).resolve().parents[1]
DEFAULT_DATA = REPO.parent / "shared" / "data"
DEFAULT_OUT = REPO / "src" / "buildrace" / "data" / "siting"
CBP_YEAR = 2021

STATE_ABBR = {
    "01": "AL",
    "02": "AK",
    "04": "AZ",
    "05": "AR",
    "06": "CA",
    "08": "CO",
    "09": "CT",
    "10": "DE",
    "11": "DC",
    "12": "FL",
    "13": "GA",
    "15": "HI",
    "16": "ID",
    "17": "IL",
    "18": "IN",
    "19": "IA",
    "20": "KS",
    "21": "KY",
    "22": "LA",
    "23": "ME",
    "24": "MD",
    "25": "MA",
    "26": "MI",
    "27": "MN",
    "28": "MS",
    "29": "MO",
    "30": "MT",
    "31": "NE",
    "32": "NV",
    "33": "NH",
    "34": "NJ",
    "35": "NM",
    "36": "NY",
    "37": "NC",
    "38": "ND",
    "39": "OH",
    "40": "OK",
    "41": "OR",
    "42": "PA",
    "44": "RI",
    "45": "SC",
    "46": "SD",
    "47": "TN",
    "48": "TX",
    "49": "UT",
    "50": "VT",
    "51": "VA",
    "53": "WA",
    "54": "WV",
    "55": "WI",
    "56": "WY",
}

# Commodity groups of the deposit counts; rare earths are every MinMod commodity whose
# parent is "Rare Earth Elements" plus the generic entry itself.
COMMODITY_GROUPS = ("lithium", "nickel", "cobalt", "manganese", "copper", "graphite", "rare_earths")

# Datasets that cover a single state would make that state look richer than any other
# simply because it was surveyed in more detail (SOURCE.md warns about California).
SINGLE_STATE_DATASETS = ("usgs_mrds_california", "ardf")


def site_of(fips: str) -> str:
    return f"US:{STATE_ABBR[fips]}"


# --------------------------------------------------------------------------- geometry


def decode_topology(path: Path) -> tuple[list[np.ndarray], list[dict]]:
    """Return absolute lon/lat arcs and the state geometries of a us-atlas TopoJSON."""
    topo = json.loads(path.read_text())
    scale = np.array(topo["transform"]["scale"])
    translate = np.array(topo["transform"]["translate"])
    arcs = [np.cumsum(np.array(a, dtype=float), axis=0) * scale + translate for a in topo["arcs"]]
    geoms = [g for g in topo["objects"]["states"]["geometries"] if g["id"] in STATE_ABBR]
    return arcs, geoms


def polygons_of(geom: dict) -> list[list[list[int]]]:
    return geom["arcs"] if geom["type"] == "MultiPolygon" else [geom["arcs"]]


def ring_coords(ring: list[int], arcs: list[np.ndarray]) -> np.ndarray:
    parts = []
    for i in ring:
        a = arcs[i] if i >= 0 else arcs[~i][::-1]
        parts.append(a if not parts else a[1:])
    return np.concatenate(parts)


def _albers(lon: np.ndarray, lat: np.ndarray, lon0: float, lat0: float, p1: float, p2: float):
    """Albers equal-area conic (Snyder 1987, USGS PP 1395, doi:10.3133/pp1395), sphere."""
    lon, lat = np.radians(lon), np.radians(lat)
    lon0, lat0, p1, p2 = map(math.radians, (lon0, lat0, p1, p2))
    n = (math.sin(p1) + math.sin(p2)) / 2
    c = math.cos(p1) ** 2 + 2 * n * math.sin(p1)
    rho0 = math.sqrt(c - 2 * n * math.sin(lat0)) / n
    rho = np.sqrt(c - 2 * n * np.sin(lat)) / n
    theta = n * (lon - lon0)
    return rho * np.sin(theta), rho0 - rho * np.cos(theta)


def project(fips: str, lonlat: np.ndarray) -> np.ndarray:
    """Project to a 960 x 600 SVG viewport, AlbersUSA-like with AK and HI insets."""
    lon, lat = lonlat[:, 0].copy(), lonlat[:, 1]
    if fips == "02":
        lon = np.where(lon > 0, lon - 360, lon)
        x, y = _albers(lon, lat, -154, 50, 55, 65)
        k, tx, ty = 0.35 * 1070, 210, 495
    elif fips == "15":
        x, y = _albers(lon, lat, -157, 3, 8, 18)
        k, tx, ty = 1070, 300, 475 + 1070 * 0.28
    else:
        x, y = _albers(lon, lat, -96, 37.5, 29.5, 45.5)
        k, tx, ty = 1070, 480, 250
    return np.column_stack([tx + k * x, ty - k * y])


def simplify(points: np.ndarray, tol: float) -> np.ndarray:
    """Douglas-Peucker line simplification (Douglas & Peucker 1973,
    doi:10.3138/FM57-6770-U75U-7727); endpoints are kept so shared arcs still meet."""
    if len(points) < 3:
        return points
    keep = np.zeros(len(points), dtype=bool)
    keep[[0, -1]] = True
    stack = [(0, len(points) - 1)]
    while stack:
        i, j = stack.pop()
        if j <= i + 1:
            continue
        a, b = points[i], points[j]
        seg = b - a
        norm = math.hypot(*seg)
        rel = points[i + 1 : j] - a
        if norm == 0:
            d = np.hypot(rel[:, 0], rel[:, 1])
        else:
            d = np.abs(seg[0] * rel[:, 1] - seg[1] * rel[:, 0]) / norm
        k = int(np.argmax(d))
        if d[k] > tol:
            m = i + 1 + k
            keep[m] = True
            stack += [(i, m), (m, j)]
    return points[keep]


def state_geometry(topo_path: Path, tol: float = 0.6):
    """Outlines, centroids and adjacency from the us-atlas states TopoJSON."""
    arcs, geoms = decode_topology(topo_path)
    owner: dict[int, set[str]] = {}
    for g in geoms:
        for poly in polygons_of(g):
            for ring in poly:
                for i in ring:
                    owner.setdefault(i if i >= 0 else ~i, set()).add(g["id"])
    # Arcs are projected and simplified once, so borders shared by two states stay shared.
    simple: dict[int, np.ndarray] = {}
    for i, fipss in owner.items():
        simple[i] = simplify(project(next(iter(fipss)), arcs[i]), tol)
    svg, centroids, lonlat_polys = {}, {}, {}
    for g in geoms:
        fips = g["id"]
        d_parts, polys = [], []
        best_area, best_c = -1.0, (0.0, 0.0)
        for poly in polygons_of(g):
            rings_ll = [ring_coords(r, arcs) for r in poly]
            polys.append(rings_ll)
            outer = rings_ll[0]
            x, y = outer[:, 0], outer[:, 1]
            if fips == "02":
                x = np.where(x > 0, x - 360, x)
            cross = x[:-1] * y[1:] - x[1:] * y[:-1]
            area = cross.sum() / 2
            if abs(area) > best_area and area != 0:
                best_area = abs(area)
                cx = ((x[:-1] + x[1:]) * cross).sum() / (6 * area)
                cy = ((y[:-1] + y[1:]) * cross).sum() / (6 * area)
                best_c = (cx, cy)
            for ring in poly:
                pts = []
                for i in ring:
                    a = simple[i] if i >= 0 else simple[~i][::-1]
                    pts.append(a if not pts else a[1:])
                pts = np.concatenate(pts)
                if len(pts) < 4:
                    continue
                # Drop islands smaller than a pixel: they cost bytes and show nothing.
                px, py = pts[:, 0], pts[:, 1]
                if abs((px[:-1] * py[1:] - px[1:] * py[:-1]).sum()) / 2 < 1.0:
                    continue
                q = np.round(pts, 1)
                d_parts.append("M" + "L".join(f"{v[0]:g},{v[1]:g}" for v in q[:-1]) + "Z")
        svg[fips] = "".join(d_parts)
        centroids[fips] = best_c
        lonlat_polys[fips] = polys
    adjacency = set()
    for fipss in owner.values():
        if len(fipss) == 2:
            a, b = sorted(fipss)
            adjacency.add((a, b))
    return (
        svg,
        centroids,
        adjacency,
        lonlat_polys,
        {g["id"]: g["properties"]["name"] for g in geoms},
    )


def locate_points(lon: np.ndarray, lat: np.ndarray, polys: dict) -> np.ndarray:
    """State FIPS of each point by point-in-polygon (outer ring minus holes)."""
    from matplotlib.path import Path as MplPath

    out = np.full(len(lon), "", dtype=object)
    pts = np.column_stack([lon, lat])
    for fips, plist in polys.items():
        for rings in plist:
            inside = MplPath(rings[0]).contains_points(pts)
            for hole in rings[1:]:
                inside &= ~MplPath(hole).contains_points(pts)
            out[inside & (out == "")] = fips
    return out


def haversine_miles(lon1, lat1, lon2, lat2):
    lon1, lat1, lon2, lat2 = map(np.radians, (lon1, lat1, lon2, lat2))
    a = (
        np.sin((lat2 - lat1) / 2) ** 2
        + np.cos(lat1) * np.cos(lat2) * np.sin((lon2 - lon1) / 2) ** 2
    )
    return 2 * 3958.8 * np.arcsin(np.sqrt(a))


# --------------------------------------------------------------------------- tables


def derive_industry(data: Path) -> tuple[pd.DataFrame, pd.DataFrame]:
    cbp = pd.read_csv(data / "census-cbp-setzler" / "CBP_state_industry3.csv")
    cbp = cbp[(cbp["year"] == CBP_YEAR) & cbp["employment_march"].notna()].copy()
    cbp["fips"] = cbp["state_fips"].map(lambda v: f"{int(v):02d}")
    cbp = cbp[cbp["fips"].isin(STATE_ABBR)]
    ind = pd.DataFrame(
        {
            "site": cbp["fips"].map(site_of),
            "naics": cbp["naics"].astype(int),
            "employment": cbp["employment_march"].astype(int),
            "establishments": cbp["establishments"].astype(int),
        }
    ).sort_values(["site", "naics"])
    tot = pd.read_csv(data / "census-cbp-setzler" / "CBP_state_total.csv")
    tot = tot[tot["year"] == CBP_YEAR].copy()
    tot["fips"] = tot["state_fips"].map(lambda v: f"{int(v):02d}")
    tot = tot[tot["fips"].isin(STATE_ABBR)][["fips", "employment_march"]]
    return ind, tot.rename(columns={"employment_march": "employment_total"})


def derive_distances(data: Path, centroids: dict, adjacency: set) -> pd.DataFrame:
    raw = pd.read_csv(data / "census-cbp-setzler" / "state_distance_100miles.csv")
    near = {}
    for a, b, d in raw.itertuples(index=False):
        fa, fb = f"{int(a):02d}", f"{int(b):02d}"
        if fa in STATE_ABBR and fb in STATE_ABBR and fa != fb:
            key = tuple(sorted((fa, fb)))
            near[key] = min(d, near.get(key, np.inf))
    rows = []
    fipss = sorted(STATE_ABBR)
    for i, a in enumerate(fipss):
        for b in fipss[i + 1 :]:
            (lo1, la1), (lo2, la2) = centroids[a], centroids[b]
            rows.append(
                {
                    "site_a": site_of(a),
                    "site_b": site_of(b),
                    "nearest_county_miles": round(near[(a, b)], 1) if (a, b) in near else np.nan,
                    "centroid_miles": round(float(haversine_miles(lo1, la1, lo2, la2)), 1),
                    "adjacent": int((a, b) in adjacency),
                }
            )
    return pd.DataFrame(rows)


def derive_minerals(data: Path, polys: dict) -> pd.DataFrame:
    folder = data / "usgs-mineral-deposits"
    lookup = pd.read_csv(folder / "minmod_commodity_lookup.csv")
    ree_id = lookup.loc[lookup["name"] == "Rare Earth Elements", "minmod_id"].iloc[0]
    rare = set(lookup.loc[lookup["parent"] == ree_id, "name"]) | {"Rare Earth Elements"}
    groups = {
        "lithium": {"Lithium"},
        "nickel": {"Nickel"},
        "cobalt": {"Cobalt"},
        "manganese": {"Manganese"},
        "copper": {"Copper"},
        "graphite": {"Graphite", "Graphite > Carbon"},
        "rare_earths": rare,
    }
    mm = pd.read_csv(folder / "usgs_deposits_minmod_flat.csv", low_memory=False)
    mm = mm[(mm["country"] == "United States") & mm["longitude"].notna()].copy()
    mm["fips"] = locate_points(mm["longitude"].to_numpy(), mm["latitude"].to_numpy(), polys)
    mm = mm[mm["fips"] != ""]
    comm = mm["commodities_normalized"].fillna("").str.split(";")
    rows = []
    for group, names in groups.items():
        hit = comm.map(lambda xs, names=names: any(x.strip() in names for x in xs))
        sub = mm[hit]
        counts = sub.groupby(["fips", "dataset"]).size()
        for (fips, dataset), n in counts.items():
            rows.append(
                {"site": site_of(fips), "commodity": group, "dataset": dataset, "deposits": int(n)}
            )
    li = pd.read_csv(folder / "usgs_lithium_us_2019" / "Site.csv", encoding="cp1252")
    li = li[li["Commodity"].str.contains("lithium", case=False, na=False)]
    li["fips"] = locate_points(
        li["Approx_Lon"].to_numpy(float), li["Approx_Lat"].to_numpy(float), polys
    )
    for fips, n in li[li["fips"] != ""].groupby("fips").size().items():
        rows.append(
            {
                "site": site_of(fips),
                "commodity": "lithium",
                "dataset": "usgs_lithium_us_2019",
                "deposits": int(n),
            }
        )
    return pd.DataFrame(rows).sort_values(["site", "commodity", "dataset"])


FUEL_GROUPS = {
    "Solar": "solar",
    "Wind": "wind",
    "Hydro": "hydro",
    "Nuclear": "nuclear",
    "Geothermal": "geothermal",
    "Biomass": "biomass",
    "Waste": "biomass",
    "Gas": "gas",
    "Coal": "coal",
    "Oil": "oil",
    "Petcoke": "oil",
    "Storage": "storage",
    "Cogeneration": "other",
    "Other": "other",
}


def derive_power(data: Path) -> pd.DataFrame:
    folder = data / "power-plants-gppd-eia860"
    g = pd.read_csv(folder / "gppd_database_USA.csv", low_memory=False)
    e = pd.read_csv(folder / "eia860_2019_plants.csv", low_memory=False)
    g["plant_code"] = g["gppd_idnr"].str[3:].astype(int)
    e = e[["Plant Code", "State"]].rename(columns={"Plant Code": "plant_code", "State": "abbr"})
    e["plant_code"] = pd.to_numeric(e["plant_code"], errors="coerce")
    j = g.merge(e.dropna(), on="plant_code", how="inner")
    j = j[j["capacity_mw"] > 0]
    j["fuel"] = j["primary_fuel"].map(FUEL_GROUPS).fillna("other")
    abbrs = set(STATE_ABBR.values())
    j = j[j["abbr"].isin(abbrs)]
    out = j.groupby(["abbr", "fuel"]).agg(
        capacity_mw=("capacity_mw", "sum"), plants=("capacity_mw", "size")
    )
    out = out.reset_index()
    out["site"] = "US:" + out["abbr"]
    out["capacity_mw"] = out["capacity_mw"].round(1)
    return out[["site", "fuel", "capacity_mw", "plants"]].sort_values(["site", "fuel"])


STATUS_CLASSES = (
    "cancelled",
    "suspended",
    "delayed",
    "operating",
    "ramping",
    "commissioning",
    "under construction",
    "construction",
    "permitting",
    "planned",
    "target",
)


def status_class(text: str) -> str:
    t = str(text).lower()
    for key in STATUS_CLASSES:
        if key in t:
            return {
                "under construction": "construction",
                "commissioning": "ramping",
                "target": "planned",
                "permitting": "planned",
            }.get(key, key)
    return "planned"


def derive_facilities(data: Path) -> pd.DataFrame:
    f = pd.read_csv(data / "baseline" / "facilities.csv")
    f = f[(f["region"] == "US") & f["state_or_province"].isin(set(STATE_ABBR.values()))]
    rows = []
    for r in f.itertuples(index=False):
        for stage in str(r.stage).split(";"):
            rows.append(
                {
                    "site": f"US:{r.state_or_province}",
                    "chain": r.sector,
                    "stage": stage.strip(),
                    "status_class": status_class(r.status),
                    "year": int(r.year),
                    "name": r.name,
                }
            )
    return pd.DataFrame(rows).sort_values(["site", "chain", "stage", "name"])


def source_commit(path: Path) -> str:
    text = path.read_text()
    m = re.search(r"[Cc]ommit:?\s*`?([0-9a-f]{40})", text)
    if m:
        return m.group(1)
    m = re.search(r"`?(us-atlas@[\d.]+)`?", text)
    return m.group(1) if m else "see SOURCE.md"


def write_provenance(data: Path, out: Path, files: dict[str, int]) -> None:
    srcs = {
        "census-cbp-setzler": "CBP_state_industry3.csv, CBP_state_total.csv, state_distance_100miles.csv",
        "usgs-mineral-deposits": "usgs_deposits_minmod_flat.csv, minmod_commodity_lookup.csv, usgs_lithium_us_2019/Site.csv",
        "power-plants-gppd-eia860": "gppd_database_USA.csv (v1.3.0), eia860_2019_plants.csv",
        "us-atlas-topojson": "states-10m.json (npm us-atlas@3.0.1, ISC)",
        "baseline": "facilities.csv (project baseline, see SOURCES.md)",
    }
    lines = [
        "# Provenance of the siting tables",
        "",
        f"Derived by `scripts/derive_siting_table.py` on {dt.date.today().isoformat()} from the raw",
        "files below (not shipped). Rerun the script to rebuild; it is deterministic.",
        "",
        "| raw folder | files read | version / commit |",
        "|---|---|---|",
    ]
    for folder, names in srcs.items():
        sm = (
            data
            / folder
            / ("SOURCE.md" if (data / folder / "SOURCE.md").exists() else "SOURCES.md")
        )
        ver = source_commit(sm) if sm.exists() else "n/a"
        if folder == "baseline":
            ver = "project baseline 2024 (sources S1-S4x in SOURCES.md)"
        lines.append(f"| {folder} | {names} | {ver} |")
    lines += [
        "",
        "| table | rows | what |",
        "|---|---|---|",
    ]
    what = {
        "states.csv": "state id, FIPS, name, centroid (largest polygon; lon/lat and map x/y), CBP 2021 total employment",
        "industry_employment.csv": f"CBP {CBP_YEAR} March employment by state x 3-digit NAICS (public domain)",
        "state_distances.csv": "nearest-county miles (<=100, NBER via EconData), centroid miles, shared border",
        "mineral_deposits.csv": "USGS deposit records by state, commodity group, dataset (point-in-polygon)",
        "power_capacity.csv": "GPPD v1.3.0 capacity (MW) by state (EIA-860 2019) and fuel",
        "facilities.csv": "US facilities of the project baseline with status class",
        "us_states_svg.json": "simplified projected SVG outlines (us-atlas 3.0.1, ISC; Census 2017 boundaries)",
    }
    for name, n in files.items():
        lines.append(f"| {name} | {n} | {what[name]} |")
    lines += [
        "",
        "Notes",
        "",
        f"- Deposit datasets covering one state only ({', '.join(SINGLE_STATE_DATASETS)}) are kept",
        "  in `mineral_deposits.csv` but excluded by default when scoring, because they would",
        "  rank a state by survey effort rather than endowment.",
        "- Licences: CBP and EIA-860 and USGS data are US federal works (public domain); GPPD is",
        "  CC BY 4.0 (WRI et al.); EconData MIT (Setzler); us-atlas ISC (Bostock); MinMod MIT.",
        "- The US Cluster Mapping definitions (GPL-2.0) are not used in or copied into these tables.",
        "",
    ]
    (out / "PROVENANCE.md").write_text("\n".join(lines))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA, help="raw data folder")
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT, help="output folder")
    args = parser.parse_args(argv)
    data, out = args.data, args.out
    out.mkdir(parents=True, exist_ok=True)

    svg, centroids, adjacency, polys, names = state_geometry(
        data / "us-atlas-topojson" / "states-10m.json"
    )
    ind, tot = derive_industry(data)
    states = pd.DataFrame(
        {
            "site": [site_of(f) for f in sorted(STATE_ABBR)],
            "fips": sorted(STATE_ABBR),
            "abbr": [STATE_ABBR[f] for f in sorted(STATE_ABBR)],
            "name": [names[f] for f in sorted(STATE_ABBR)],
            "lon": [round(centroids[f][0], 3) for f in sorted(STATE_ABBR)],
            "lat": [round(centroids[f][1], 3) for f in sorted(STATE_ABBR)],
            "svg_x": [
                round(float(project(f, np.array([centroids[f]]))[0, 0]), 1)
                for f in sorted(STATE_ABBR)
            ],
            "svg_y": [
                round(float(project(f, np.array([centroids[f]]))[0, 1]), 1)
                for f in sorted(STATE_ABBR)
            ],
        }
    ).merge(tot, on="fips", how="left")
    tables = {
        "states.csv": states,
        "industry_employment.csv": ind,
        "state_distances.csv": derive_distances(data, centroids, adjacency),
        "mineral_deposits.csv": derive_minerals(data, polys),
        "power_capacity.csv": derive_power(data),
        "facilities.csv": derive_facilities(data),
    }
    counts = {}
    for name, df in tables.items():
        df.to_csv(out / name, index=False)
        counts[name] = len(df)
    svg_doc = {
        "viewBox": "0 0 960 600",
        "source": "us-atlas 3.0.1 states-10m.json (ISC); US Census Bureau 2017 cartographic boundaries",
        "states": {site_of(f): svg[f] for f in sorted(STATE_ABBR)},
    }
    (out / "us_states_svg.json").write_text(json.dumps(svg_doc, separators=(",", ":")))
    counts["us_states_svg.json"] = len(svg)
    write_provenance(data, out, counts)
    for name in [*counts, "PROVENANCE.md"]:
        print(f"{name:28s} {(out / name).stat().st_size / 1024:8.1f} KiB")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
