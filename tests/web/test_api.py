"""The dashboard's HTTP API through FastAPI's test client: every route, every error, the
limits and the cache; and the application under uvicorn (keep-alive, the serve command)."""

from __future__ import annotations

import csv
import http.client
import io
import json
import math
import re
import subprocess
import sys
import threading
from concurrent.futures import Future, ThreadPoolExecutor

import pytest

pytest.importorskip("fastapi")
from fastapi.testclient import TestClient  # noqa: E402

from buildrace import api  # noqa: E402
from buildrace.web import catalog, schemas  # noqa: E402
from buildrace.web.app import MAX_BODY_BYTES, create_app  # noqa: E402
from buildrace.web.cache import SingleFlightCache  # noqa: E402
from buildrace.web.controls import fill, matches  # noqa: E402
from buildrace.web.errors import field_of  # noqa: E402

CHAINS = {"li_ion_battery", "solar_pv", "ndfeb_magnet", "ev"}
TARIFF = {"lever": "tariff", "importer": "US", "exporter": "CN", "stages": ["solar_pv.module"], "rate": 0.5, "start": 2024}


@pytest.fixture(scope="module")
def client():
    with TestClient(create_app()) as c:
        yield c


def _walk_keys(d, prefix=""):
    keys = set()
    for k, v in d.items():
        keys.add(prefix + str(k))
        if isinstance(v, dict):
            keys |= _walk_keys(v, prefix + str(k) + ".")
    return keys


def control_request(controls, defaults, changes, scenario="race", start=2026):
    """The request the page sends for ``changes`` (control id -> value), as dashboard.js builds it."""
    remove, policies = [], []
    for c in controls:
        if c["id"] not in changes or changes[c["id"]] == defaults[c["id"]]:
            continue
        v = changes[c["id"]]
        remove += c["remove"]
        if v != c["off"] and v is not None:
            policies += [fill(t, v, start) for t in c["add"]]
    return {"scenario": scenario, "policies": policies, "remove": remove}


def assert_error(r, status, message, field="<any>"):
    assert r.status_code == status, r.text
    assert r.headers["content-type"].startswith("application/json")
    data = r.json()
    assert set(data) == {"error", "status", "field"} and data["status"] == status
    assert message in data["error"], data["error"]
    assert "Traceback" not in data["error"]
    if field != "<any>":
        assert data["field"] == field, data
    return data


# --- the description -----------------------------------------------------------------------


def test_openapi_describes_every_route_and_its_errors(client):
    spec = client.get("/openapi.json").json()
    routes = {
        "/api/scenarios": "get", "/api/levers": "get", "/api/strings": "get", "/api/stages": "get",
        "/api/economies": "get", "/api/site": "get", "/api/backtest": "get", "/api/race": "post",
        "/api/race.csv": "post", "/api/report.html": "post", "/api/compare": "post", "/api/explain": "post",
    }
    assert set(spec["paths"]) == set(routes)
    for path, method in routes.items():
        op = spec["paths"][path][method]
        assert {"200", "413", "422"} <= set(op["responses"]), path
        assert ("400" in op["responses"]) == (method == "post") and ("503" in op["responses"]) == (path == "/api/site")
    race = spec["components"]["schemas"]["RaceRequest"]
    assert race["properties"]["draws"]["maximum"] == schemas.MAX_DRAWS
    assert race["properties"]["policies"]["maxItems"] == schemas.MAX_POLICIES
    assert race["properties"]["end_year"]["anyOf"][0]["maximum"] == schemas.MAX_END_YEAR
    assert "race" in race["properties"]["scenario"]["enum"]
    assert "Tariff" in spec["components"]["schemas"]  # the scenario files' lever models
    assert client.get("/docs").status_code == 200


# --- pages and static files ----------------------------------------------------------------


def test_dashboard_page_is_self_contained(client):
    r = client.get("/")
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/html")
    page = r.text
    assert "/static/dashboard.js" in page and "/static/dashboard.css" in page
    assert "http://" not in page and "https://" not in page  # nothing from the network
    assert "script-src 'self'" in r.headers["content-security-policy"]
    for name, ctype in (("dashboard.js", "text/javascript"), ("dashboard.css", "text/css")):
        r = client.get(f"/static/{name}")
        assert r.status_code == 200 and r.headers["content-type"].startswith(ctype) and r.text
        # the only absolute URL is the SVG namespace, which is a name, not a download
        assert not re.search(r"https?://(?!www\.w3\.org/2000/svg)", r.text)


@pytest.mark.parametrize("path", [
    "/static/dashboard.html.bak", "/static/", "/static/%2e%2e", "/static/%2e%2e/%2e%2e/pyproject.toml",
    "/static/..%2f..%2fpyproject.toml", "/static/..%5c..%5cpyproject.toml", "/static/../app.py",
])
def test_static_traversal_is_404(client, path):
    r = client.get(path)
    assert_error(r, 404, "")
    assert "tool.setuptools" not in r.text


def test_static_traversal_on_the_raw_socket_is_404(server):
    # the test client normalises dot segments; a raw request line does not
    for path in ("/static/../../pyproject.toml", "/static/%2e%2e/%2e%2e/pyproject.toml"):
        conn = http.client.HTTPConnection("127.0.0.1", server.port, timeout=10)
        conn.request("GET", path)
        resp = conn.getresponse()
        body = resp.read()
        conn.close()
        assert resp.status == 404 and b"tool.setuptools" not in body


# --- GET routes -------------------------------------------------------------------------------


def test_scenarios_with_control_values(client):
    r = client.get("/api/scenarios")
    body = r.json()
    assert r.status_code == 200 and body["default"] == "race"
    by_name = {s["name"]: s for s in body["scenarios"]}
    assert {"race", "baseline", "team_america", "rare_earth_ban"} <= set(by_name)
    race = by_name["race"]
    assert race["shocks"] == 1 and race["policies"] and race["description"]
    assert race["controls"] == {
        "decoupling": 2026, "credits_45x": True, "solar_tariff": 0.5, "green_lane": 0.0,
        "sovereign_fund": 0, "allied_pooling": False, "rare_earth_control": False,
        "investment_credit": 0.0, "local_content": 0.0, "rules_of_origin": False, "workforce": 0.0,
        "stockpile": 0.0, "graphite_control": 0.9, "cn_credits": 0.0, "allied_credits": 0.0,
        "national_champion": None, "designate_cluster": None, "import_ban": None,
    }
    assert by_name["sovereign_fund"]["controls"]["sovereign_fund"] == 10000
    assert by_name["team_america"]["controls"]["allied_pooling"] is True
    assert by_name["green_lanes"]["controls"]["green_lane"] == 0.5
    assert by_name["rare_earth_ban"]["controls"]["rare_earth_control"] is True
    assert by_name["rare_earth_ban"]["controls"]["decoupling"] is None
    assert by_name["baseline"]["shocks"] == 0


def test_levers_and_controls(client):
    body = client.get("/api/levers").json()
    assert body["levers"] == json.loads(json.dumps(api.levers()))
    tariff = next(lv for lv in body["levers"] if lv["lever"] == "tariff")
    assert tariff["parameters"]["rate"]["maximum"] == 10.0
    ids = [c["id"] for c in body["controls"]]
    assert ids[:2] == ["decoupling", "credits_45x"] and len(ids) == len(set(ids))
    # every lever of `buildrace levers` is reachable from some control
    reachable = {p["lever"] for c in body["controls"] for p in c["add"]}
    assert reachable == {lv["lever"] for lv in body["levers"]}
    assert {c["side"] for c in body["controls"]} == set(body["sides"]) == {"US", "CN", "allies"}
    assert [a["id"] for a in body["assumptions"]] == ["demand_growth", "us_build_years", "us_capex"]
    credits = next(c for c in body["controls"] if c["id"] == "credits_45x")
    assert credits["add"] and all(p["lever"] == "production_credit" for p in credits["add"])


def test_strings_in_both_languages_with_the_same_keys(client):
    body = client.get("/api/strings").json()
    assert body["languages"] == ["en", "vi"]
    assert _walk_keys(body["en"]["ui"]) == _walk_keys(body["vi"]["ui"])
    assert body["vi"]["ui"]["app_title"] == "Cuộc đua chuỗi cung ứng"
    assert body["vi"]["report"]["winner_first"].startswith("Bên thu hẹp")
    # YAML 1.1 would read bare on/off keys as booleans: every key is a string
    assert all(isinstance(k, str) for k in body["en"]["ui"])


def test_stages_and_economies(client):
    stages = client.get("/api/stages").json()
    assert stages["world"] == "world_2024" and len(stages["stages"]) == 26
    cell = next(s for s in stages["stages"] if s["stage"] == "li_ion_battery.cell_lfp")
    assert cell["chain"] == "li_ion_battery" and cell["price_unit"] == "USD/kWh" and cell["inputs"]
    econ = client.get("/api/economies?world=world_2018").json()
    us = next(e for e in econ["economies"] if e["economy"] == "US")
    assert econ["world"] == "world_2018" and us["name_vi"] == "Hoa Kỳ" and "US:MI" in us["sites"]


def test_site_ranks_and_map(client):
    pytest.importorskip("highspy")
    r = client.get("/api/site?chain=li_ion_battery&lang=vi")
    assert r.status_code == 200 and r.headers["x-cache"] == "miss"
    body = r.json()
    assert body["status"] == "optimal" and 1 <= len(body["designations"]) <= 5
    assert [s["rank"] for s in body["sites"][:3]] == [1, 2, 3]
    svg = body["map_svg"]
    assert svg.startswith("<svg") and "<defs>" in svg and svg.count("<use ") >= 48
    assert "Điểm tổng hợp" in svg  # the title in the requested language
    assert body["levers"] and body["levers"][0]["lever"] == "designate_cluster"
    again = client.get("/api/site?chain=li_ion_battery&lang=vi")
    assert again.headers["x-cache"] == "hit" and again.json() == body


def test_backtest_summary(client):
    r = client.get("/api/backtest?base_year=2018&draws=2")
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["base_year"] == 2018 and body["draws"] == 2 and body["series"] > 0
    assert {"prices", "installations"} <= set(body["classes"])
    assert body["fit"]["world"] == "world_2018"


# --- POST /api/race ------------------------------------------------------------------------


@pytest.fixture(scope="module")
def race_default(client):
    r = client.post("/api/race", json={"scenario": "race"})
    assert r.status_code == 200, r.text
    return r.headers, r.json()


def test_race_summary_is_the_api_summary(race_default):
    _, body = race_default
    assert body["summary"] == json.loads(json.dumps(api.race("race").summary))
    assert set(body["summary"]["verdict"]) == CHAINS
    assert body["importer"] == "US" and body["exporter"] == "CN"
    assert body["request"] == {"scenario": "race", "policies": [], "remove": [], "end_year": None,
                               "assumptions": {"demand_growth": 1.0, "us_build_years": 1.0, "us_capex": 1.0},
                               "draws": 1, "seed": None}


def test_race_series_are_complete_and_finite(race_default):
    _, body = race_default
    ser = body["series"]
    years = ser["years"]
    assert years[0] == 2024 and years[-1] == 2050 and ser["bands"] is False
    assert len(ser["stages"]) == 26 and set(ser["stages"]) == set(body["stage_info"])
    cell = ser["stages"]["li_ion_battery.cell_lfp"]
    for name in ("capacity", "capacity_without_shock", "unit_cost", "self_sufficiency"):
        for e in ("US", "CN"):
            assert len(cell[name][e]) == len(years)
    assert len(cell["unmet_share"]["US"]) == len(years)
    values = [v for s in ser["stages"].values() for d in s.values() for vals in d.values() for v in vals]
    assert all(v is None or math.isfinite(v) for v in values)
    assert max(cell["capacity"]["CN"]) > max(cell["capacity"]["US"]) > 0
    info = body["stage_info"]["li_ion_battery.cell_lfp"]
    assert info["price_unit"] == "USD/kWh" and info["name_vi"] and info["chain"] == "li_ion_battery"
    assert body["economy_info"]["CN"]["name_vi"] == "Trung Quốc"


def test_identical_requests_hit_the_cache(client, race_default):
    _, body = race_default
    cache = client.app.state.cache
    hits = cache.hits
    r = client.post("/api/race", json={"scenario": "race"})
    assert r.status_code == 200 and r.headers["x-cache"] == "hit" and r.json() == body
    assert cache.hits == hits + 1
    # the same request spelled with its defaults is the same request
    r = client.post("/api/race", json={"scenario": "race", "policies": [], "remove": [], "draws": 1, "seed": None})
    assert r.headers["x-cache"] == "hit"


def test_horizon_is_a_request_field(client):
    r = client.post("/api/race", json={"scenario": "race", "end_year": 2035})
    assert r.status_code == 200, r.text
    assert r.json()["series"]["years"][-1] == 2035 and r.json()["summary"]["end_year"] == 2035


def test_decoupling_start_moves_the_shock(client, race_default):
    controls = client.get("/api/levers").json()["controls"]
    scen = client.get("/api/scenarios").json()
    defaults = next(s for s in scen["scenarios"] if s["name"] == "race")["controls"]
    r = client.post("/api/race", json=control_request(controls, defaults, {"decoupling": 2032}))
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["summary"]["shock_year"] == 2032 and body["policies_removed"] == 1
    assert body["summary"] != race_default[1]["summary"]


@pytest.mark.parametrize("changes", [
    {"credits_45x": False},
    {"solar_tariff": 1.5},
    {"green_lane": 0.6},
    {"sovereign_fund": 20000},
    {"allied_pooling": True},
    {"rare_earth_control": True},
    {"decoupling": None, "rare_earth_control": True},
    {"investment_credit": 0.3},
    {"local_content": 0.4},
    {"rules_of_origin": True},
    {"workforce": 0.6},
    {"stockpile": 6},
    {"graphite_control": 0.0},
    {"cn_credits": 0.2},
    {"allied_credits": 0.1},
    {"national_champion": "ndfeb_magnet"},
    {"designate_cluster": "US:MI"},
    {"import_ban": "li_ion_battery.cell_lfp", "decoupling": 2032},
])
def test_every_control_makes_valid_levers(client, changes):
    controls = client.get("/api/levers").json()["controls"]
    scen = client.get("/api/scenarios").json()
    defaults = next(s for s in scen["scenarios"] if s["name"] == "race")["controls"]
    r = client.post("/api/race", json=control_request(controls, defaults, changes))
    assert r.status_code == 200, r.text
    assert set(r.json()["summary"]["verdict"]) == CHAINS


def test_controls_remove_what_they_replace():
    sc = api.load_scenario("race")
    full = [p.model_dump(mode="json") for p in sc.policies]
    tariff = {"lever": "tariff", "importer": "US", "exporter": "CN", "stages": "solar_pv.module"}
    assert sum(matches(p, tariff) for p in full) == 1
    assert sum(matches(p, {"lever": "production_credit", "economy": "US"}) for p in full) == 8


def test_draws_give_bands(client):
    r = client.post("/api/race", json={"scenario": "race", "draws": 8, "seed": 3})
    body = r.json()
    assert r.status_code == 200 and body["series"]["bands"] is True and body["summary"]["draws"] == 8
    cell = body["series"]["stages"]["li_ion_battery.cell_lfp"]
    lo, hi, med = cell["capacity_p05"]["CN"], cell["capacity_p95"]["CN"], cell["capacity"]["CN"]
    assert all(a <= m * (1 + 1e-3) and m <= b * (1 + 1e-3) for a, m, b in zip(lo, med, hi, strict=True))


def test_race_csv_download(client):
    r = client.post("/api/race.csv", json={"scenario": "race"})
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/csv")
    assert 'filename="buildrace-race.csv"' in r.headers["content-disposition"]
    rows = csv.reader(io.StringIO(r.text))
    assert next(rows) == ["variable", "draw", "year", "economy", "market", "stage", "value"]
    first = next(rows)
    assert first[0] and int(first[2]) >= 2024
    assert client.post("/api/race.csv", json={"scenario": "race"}).headers["x-cache"] == "hit"
    assert_error(client.post("/api/race.csv", json={"draws": 0}), 422, "draws", "draws")


# --- compare and explain -----------------------------------------------------------------


def test_compare_two_scenarios(client):
    r = client.post("/api/compare", json={"a": {"scenario": "race"}, "b": {"scenario": "team_america"}})
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["a"] == "race" and body["b"] == "team_america" and body["reference"] == "baseline"
    expected = json.loads(json.dumps(api.compare("race", "team_america").summary))
    assert body == expected


def test_compare_against_the_reference(client):
    r = client.post("/api/compare", json={"a": {"scenario": "race", "policies": [TARIFF]}})
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["b"] == "baseline" and body["rows"]
    assert_error(client.post("/api/compare", json={"a": {"scenario": "race"}, "b": {"scenario": "baseline_2018"}}),
                 422, "compare scenarios on one world and horizon", "b")
    assert_error(client.post("/api/compare", json={"a": {"policies": [{"lever": "tarif"}]}}),
                 422, "a.policies[0].lever: unknown lever 'tarif'", "a.policies[0].lever")
    assert_error(client.post("/api/compare", json={"a": {"colour": 1}}),
                 422, "unknown field 'a.colour'; valid: assumptions, end_year, policies, remove, scenario", "a.colour")


def test_explain_contributions_sum_to_the_difference(client):
    r = client.post("/api/explain", json={"scenario": "race", "max_players": 2})
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["scenario"] == "race" and body["runs"] <= 4 and body["players"]
    for m, diff in body["difference"].items():
        parts = [p["contributions"][m] for p in body["players"]]
        if diff is not None and None not in parts:
            assert math.isclose(sum(parts), diff, rel_tol=1e-6, abs_tol=1e-6)
    assert_error(client.post("/api/explain", json={"max_players": 6}), 422, "max_players", "max_players")


# --- errors --------------------------------------------------------------------------------------

BAD_BODIES = [
    ('{"scenario": "race",', 400, "not valid JSON", None),
    ('{"scenario": "race", "draws": NaN}', 400, "NaN at character 30 is not a JSON number; send a finite number or null", None),
    ('{"policies": [{"lever": "tariff", "rate": Infinity}]}', 400, "Infinity at character 42 is not a JSON number", None),
    ('{"draws": -Infinity}', 400, "-Infinity at character 10 is not a JSON number", None),
    ("[" * 5000 + "]" * 5000, 400, "the body nests deeper than 32 levels", None),
    ('{"remove": [{"lever": "tariff", "importer": ' + "[" * 40 + "]" * 40 + "}]}", 400, "nests deeper than 32 levels", None),
    ('{"policies": [{"lever": "tariff", "note": "\\ud800"}]}', 400, "lone UTF-16 surrogate", None),
    ("\xff\xfe", 400, "not valid JSON", None),
    ("[1, 2]", 422, "must be a JSON object", None),
    ({"scenario": "race", "colour": "red"}, 422, "unknown field 'colour'; valid: assumptions, draws, end_year, policies", "colour"),
    ({"scenario": 3}, 422, "scenario: Input should be a valid string", "scenario"),
    ({"scenario": "../../etc/passwd"}, 422, "scenario: unknown scenario '../../etc/passwd'; choose one of: baseline", "scenario"),
    ({"scenario": "nope"}, 422, "unknown scenario 'nope'", "scenario"),
    ({"draws": 0}, 422, "draws: Input should be greater than or equal to 1", "draws"),
    ({"draws": 201}, 422, "draws: Input should be less than or equal to 200", "draws"),
    ({"draws": 2.5}, 422, "draws: Input should be a valid integer", "draws"),
    ({"draws": True}, 422, "draws: Input should be a valid integer", "draws"),
    ({"draws": "3"}, 422, "draws: Input should be a valid integer", "draws"),
    ({"seed": -1}, 422, "seed: Input should be greater than or equal to 0", "seed"),
    ({"end_year": 2100}, 422, "end_year: Input should be less than or equal to 2060", "end_year"),
    ({"end_year": 2025}, 422, "end_year: 2025 is before scenario 'race' (tariff) starts in 2026", "end_year"),
    ({"policies": {"lever": "tariff"}}, 422, "policies: Input should be a valid list", "policies"),
    ({"policies": ["tariff"]}, 422, "policies[0]", "policies[0]"),
    ({"policies": [{"lever": "tarif"}]}, 422, "policies[0].lever: unknown lever 'tarif'; valid levers: allied_pooling", "policies[0].lever"),
    ({"policies": [{"importer": "US"}]}, 422, "policies[0]: each policy needs a 'lever' key", "policies[0]"),
    ({"policies": [{**TARIFF, "rate": 50}]}, 422, "policies[0].rate (tariff): Input should be less than or equal to 10 (got 50)", "policies[0].rate"),
    ({"policies": [{**TARIFF, "colour": 1}]}, 422, "policies[0].colour: tariff has no field 'colour'; valid fields: end, exporter", "policies[0].colour"),
    ({"policies": [{k: v for k, v in TARIFF.items() if k != "rate"}]}, 422, "policies[0].rate (tariff): missing; add it", "policies[0].rate"),
    ({"policies": [{**TARIFF, "start": 2030, "end": 2028}]}, 422, "end (2028) is before start (2030)", "policies[0]"),
    ({"policies": [{**TARIFF, "start": 2070}]}, 422, "policies[0] (tariff).start: 2070 is after the horizon", "policies[0].start"),
    ({"policies": [{"lever": "green_lane", "economy": "US", "start": 2026}, {**TARIFF, "stages": ["solar_pv.modul"]}]},
     422, "policies[1] (tariff).stages[0]: unknown stage or chain 'solar_pv.modul'; valid:", "policies[1].stages[0]"),
    ({"policies": [{**TARIFF, "importer": "XX"}]}, 422, "policies[0] (tariff).importer: unknown economy 'XX'; valid: US, CN", "policies[0].importer"),
    ({"remove": ["decoupling"]}, 422, "has no shock once your changes are applied: turn on the decoupling", "policies"),
    ({"remove": ["decouple"]}, 422, "remove[0].lever: unknown lever 'decouple'", "remove[0].lever"),
    ({"remove": [{"lever": "tariff", "colour": 1}]}, 422, "remove[0]: tariff has no field 'colour'; valid fields: end, exporter", "remove[0]"),
    ({"remove": [3]}, 422, "remove[0]: give a lever name or an object", "remove[0]"),
    ({"scenario": "baseline"}, 422, "scenario 'baseline' has no shock", "policies"),
    ({"policies": [TARIFF] * 65}, 422, "policies: List should have at most 64 items", "policies"),
]


@pytest.mark.parametrize("body,status,message,field", BAD_BODIES)
def test_bad_race_requests_get_clear_messages(client, body, status, message, field):
    if isinstance(body, str):
        r = client.post("/api/race", content=body.encode("utf-8", "surrogateescape") if body != "\xff\xfe" else b"\xff\xfe",
                        headers={"Content-Type": "application/json"})
    else:
        r = client.post("/api/race", json=body)
    assert_error(r, status, message, field)


@pytest.mark.parametrize("path,status,message,field", [
    ("/api/site", 422, "chain: missing; add ?chain=", "chain"),
    ("/api/site?chain=coal", 422, "chain: unknown chain 'coal'; choose one of: ev, li_ion_battery", "chain"),
    ("/api/site?chain=ev&k=0", 422, "k: Input should be greater than or equal to 1", "k"),
    ("/api/site?chain=ev&k=abc", 422, "k: Input should be a valid integer", "k"),
    ("/api/site?chain=ev&lang=fr", 422, "lang: Input should be 'en' or 'vi'", "lang"),
    ("/api/site?chain=ev&colour=red", 422, "unknown query parameter 'colour'; valid: chain, k, lang", "colour"),
    ("/api/scenarios?x=1", 422, "unknown query parameter 'x'; valid: none", "x"),
    ("/api/stages?world=world_1990", 422, "world: unknown world 'world_1990'; choose one of: world_2010, world_2018", "world"),
    ("/api/economies?world=", 422, "world: unknown world ''", "world"),
    ("/api/backtest?base_year=2015", 422, "base_year: Input should be greater than or equal to 2016", "base_year"),
    ("/api/backtest?draws=1", 422, "draws: Input should be greater than or equal to 2", "draws"),
    ("/api/backtest?draws=1000", 422, f"draws: Input should be less than or equal to {schemas.MAX_BACKTEST_DRAWS}", "draws"),
    ("/api/nope", 404, "no route '/api/nope'", None),
    ("/nope", 404, "no route '/nope'", None),
])
def test_bad_get_requests(client, path, status, message, field):
    assert_error(client.get(path), status, message, field)


@pytest.mark.parametrize("method,path,allow", [
    ("POST", "/api/scenarios", "GET"), ("DELETE", "/api/levers", "GET"), ("GET", "/api/race", "POST"),
    ("PUT", "/api/compare", "POST"), ("PATCH", "/", "GET"), ("POST", "/static/dashboard.js", "GET"),
    ("BREW", "/api/race", "POST"),
])
def test_wrong_method_is_405(client, method, path, allow):
    r = client.request(method, path)
    data = assert_error(r, 405, f"{path} does not take {method}; it takes {allow}", None)
    assert allow in r.headers["allow"] and data


def test_body_over_the_limit_is_413(client):
    big = json.dumps({"scenario": "race", "policies": [{"lever": "tariff", "note": "x" * 1000}] * 70})
    assert len(big) > MAX_BODY_BYTES
    assert_error(client.post("/api/race", content=big), 413, f"over the limit of {MAX_BODY_BYTES:,} bytes", None)


def test_chunked_body_over_the_limit_is_413(client):
    def chunks():
        for _ in range(80):
            yield b" " * 1024

    assert_error(client.post("/api/race", content=chunks()), 413, "over the limit", None)


def test_head_is_get_without_the_body(client):
    for path in ("/", "/api/levers", "/static/dashboard.js"):
        r = client.head(path)
        assert r.status_code == 200 and r.content == b"" and int(r.headers["content-length"]) > 0
    assert client.head("/api/race").status_code == 405


def test_body_without_content_type_is_read_as_json(client):
    r = client.post("/api/race", content=b'{"draws": 0}')
    assert_error(r, 422, "draws", "draws")


def test_unexpected_errors_are_500_without_traceback(monkeypatch, caplog):
    from buildrace.web import catalog as cat

    def boom():
        raise RuntimeError("secret internals")

    monkeypatch.setattr(cat, "scenarios", boom)
    with TestClient(create_app(), raise_server_exceptions=False) as c:
        r = c.get("/api/scenarios")
    data = assert_error(r, 500, "internal error while answering /api/scenarios; the server log has the details", None)
    assert "secret" not in data["error"]
    assert "secret internals" in caplog.text  # the details go to the log


def test_missing_siting_extra_is_503(monkeypatch):
    import builtins

    real = builtins.__import__

    def no_siting(name, *args, **kwargs):
        if name == "buildrace.siting":
            raise ModuleNotFoundError("No module named 'highspy'", name="highspy")
        return real(name, *args, **kwargs)

    monkeypatch.setattr(builtins, "__import__", no_siting)
    with TestClient(create_app()) as c:
        assert_error(c.get("/api/site?chain=ev&k=2"), 503, "pip install 'buildrace[siting]'", None)


def test_field_of_reads_the_path_a_message_starts_with():
    assert field_of("policies[1] (tariff).stages[0]: unknown stage") == "policies[1].stages[0]"
    assert field_of("remove[0].lever: unknown lever 'x'") == "remove[0].lever"
    assert field_of("scenario 'race' has no shock") is None


# --- the cache -------------------------------------------------------------------------------


def test_single_flight_shares_one_computation():
    pool = ThreadPoolExecutor(max_workers=4)
    cache = SingleFlightCache(pool, size=2)
    gate = threading.Event()
    calls = []

    def slow() -> bytes:
        calls.append(1)
        gate.wait(5)
        return b"x"

    futures = [cache.get_or_compute(("p", "k"), slow) for _ in range(5)]
    gate.set()
    assert [f.result() for f, _ in futures] == [b"x"] * 5
    assert [how for _, how in futures] == ["miss"] + ["shared"] * 4
    assert len(calls) == 1
    assert cache.get_or_compute(("p", "k"), slow)[1] == "hit"
    # a small LRU: the least recently used answer goes first; failures are not kept
    cache.get_or_compute(("p", "a"), lambda: b"a")[0].result()
    cache.get_or_compute(("p", "b"), lambda: b"b")[0].result()
    assert len(cache) == 2 and cache.get_or_compute(("p", "k"), lambda: b"y")[1] == "miss"

    def fail() -> bytes:
        raise ValueError("no")

    with pytest.raises(ValueError):
        cache.get_or_compute(("p", "f"), fail)[0].result()
    assert cache.get_or_compute(("p", "f"), lambda: b"ok")[1] == "miss"
    pool.shutdown()


def test_concurrent_identical_requests_compute_once():
    app = create_app()
    body = {"scenario": "race", "policies": [{**TARIFF, "rate": 0.75}]}
    with TestClient(app) as c, ThreadPoolExecutor(max_workers=6) as pool:
        got = list(pool.map(lambda _: c.post("/api/race", json=body), range(6)))
    assert all(r.status_code == 200 for r in got)
    assert sorted(r.headers["x-cache"] for r in got).count("miss") == 1
    assert app.state.cache.computed == 1


# --- under uvicorn ------------------------------------------------------------------------------


def test_keep_alive_and_json_errors_over_http(server):
    conn = http.client.HTTPConnection("127.0.0.1", server.port, timeout=30)
    for _ in range(3):  # one connection, three requests: HTTP/1.1 keep-alive
        conn.request("GET", "/api/levers")
        resp = conn.getresponse()
        assert resp.status == 200 and resp.version == 11
        json.loads(resp.read())
    conn.request("BREW", "/api/levers")
    resp = conn.getresponse()
    assert resp.status == 405 and json.loads(resp.read())["status"] == 405
    conn.close()


def test_import_has_no_side_effects():
    code = "import threading, buildrace.web.app, buildrace.cli.serve; print(threading.active_count())"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "1" and out.stderr == ""


def test_serve_command_is_registered(capsys):
    from buildrace.cli.main import main

    with pytest.raises(SystemExit) as exc:
        main(["serve", "--help"])
    assert exc.value.code == 0
    out = capsys.readouterr().out
    assert "--port" in out and "--workers" in out and "--host" in out
    assert main(["serve", "--port", "70000"]) == 2
    assert "--port 70000 is out of range" in capsys.readouterr().err
    assert main(["serve", "--workers", "0"]) == 2
    assert "--workers 0 is out of range" in capsys.readouterr().err


def test_serve_command_serves(tmp_path):
    """``buildrace serve --port 0`` prints its address and answers until stopped."""
    import os
    import signal
    import time

    proc = subprocess.Popen([sys.executable, "-m", "buildrace.cli.main", "serve", "--port", "0", "--quiet"],
                            stderr=subprocess.PIPE, text=True)
    try:
        line = proc.stderr.readline()
        m = re.search(r"http://127\.0\.0\.1:(\d+)/", line)
        assert m, line
        deadline = time.monotonic() + 30
        while True:
            try:
                conn = http.client.HTTPConnection("127.0.0.1", int(m.group(1)), timeout=10)
                conn.request("GET", "/api/scenarios")
                resp = conn.getresponse()
                break
            except ConnectionRefusedError:
                assert time.monotonic() < deadline
                time.sleep(0.1)
        assert resp.status == 200 and json.loads(resp.read())["default"] == "race"
        conn.close()
    finally:
        os.kill(proc.pid, signal.SIGINT)
        proc.wait(timeout=20)
    assert proc.returncode == 0


def test_catalog_reads_every_scenario():
    assert [s["name"] for s in catalog.scenarios()["scenarios"]] == list(schemas.scenario_names())


# --- assumptions and the report ------------------------------------------------------------


def test_assumptions_apply_to_the_run_and_its_reference(client, race_default):
    r = client.post("/api/race", json={"scenario": "race", "assumptions": {"demand_growth": 1.5, "us_build_years": 0.75}})
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["request"]["assumptions"]["demand_growth"] == 1.5
    cell = body["series"]["stages"]["li_ion_battery.cell_lfp"]
    default = race_default[1]["series"]["stages"]["li_ion_battery.cell_lfp"]
    # both paths move: the reference path shares the assumption
    assert cell["capacity_without_shock"]["CN"] != default["capacity_without_shock"]["CN"]
    assert set(cell) >= {"unit_cost_reference", "self_sufficiency_reference", "unmet_share_reference"}
    assert_error(client.post("/api/race", json={"assumptions": {"demand_growth": 5}}), 422,
                 "less than or equal to 2", "assumptions.demand_growth")
    assert_error(client.post("/api/race", json={"assumptions": {"rain": 1}}), 422, "rain", "assumptions.rain")


def test_report_download(client):
    r = client.post("/api/report.html", json={"scenario": "race", "lang": "vi"})
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/html")
    assert 'filename="buildrace-race-vi.html"' in r.headers["content-disposition"]
    assert 'lang="vi"' in r.text[:400]
    assert_error(client.post("/api/report.html", json={"lang": "fr"}), 422, "'en' or 'vi'", "lang")


def test_a_failure_is_retried_even_before_its_callback_has_run():
    # a future's outcome is visible before its done-callbacks run: a request in between
    # must not be handed the failed computation again
    pool = ThreadPoolExecutor(max_workers=1)
    cache = SingleFlightCache(pool, size=2)
    failed: Future = Future()
    failed.set_exception(ValueError("no"))
    cache._flying[("p", "f")] = failed  # finished, its callback not yet run
    future, how = cache.get_or_compute(("p", "f"), lambda: b"ok")
    assert how == "miss" and future.result() == b"ok"
    done: Future = Future()
    done.set_result(b"x")
    cache._flying[("p", "d")] = done
    assert cache.get_or_compute(("p", "d"), lambda: b"y")[1] == "hit"
    pool.shutdown()
