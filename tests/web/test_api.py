"""The dashboard's HTTP API in-process: every route, every error, the limits and the cache."""

from __future__ import annotations

import http.client
import json
import math
import re
import subprocess
import sys

import pytest

from buildrace import api
from buildrace.web import handlers
from buildrace.web.controls import matches
from buildrace.web.server import MAX_BODY_BYTES, ResponseCache

from .conftest import Client, start_server, stop_server

CHAINS = {"li_ion_battery", "solar_pv", "ndfeb_magnet", "ev"}


def _walk_keys(d, prefix=""):
    keys = set()
    for k, v in d.items():
        keys.add(prefix + str(k))
        if isinstance(v, dict):
            keys |= _walk_keys(v, prefix + str(k) + ".")
    return keys


def control_request(controls, defaults, changes, scenario="race"):
    """The request the page sends for ``changes`` (control id -> value), as dashboard.js builds it."""
    def fill(tpl, value):
        if tpl == "{value}":
            return value
        if isinstance(tpl, list):
            return [fill(x, value) for x in tpl]
        if isinstance(tpl, dict):
            return {k: fill(v, value) for k, v in tpl.items()}
        return tpl

    remove, policies = [], []
    for c in controls:
        if c["id"] not in changes or changes[c["id"]] == defaults[c["id"]]:
            continue
        v = changes[c["id"]]
        remove += c["remove"]
        if v is True or (isinstance(v, (int, float)) and not isinstance(v, bool) and v > 0):
            policies += [fill(t, v) for t in c["add"]]
    return {"scenario": scenario, "policies": policies, "remove": remove}


# --- pages and static files ----------------------------------------------------------


def test_dashboard_page_is_self_contained(client):
    status, headers, page = client.get("/")
    assert status == 200 and headers["content-type"].startswith("text/html")
    assert "/static/dashboard.js" in page and "/static/dashboard.css" in page
    assert "http://" not in page and "https://" not in page  # nothing from the network
    assert "script-src 'self'" in headers["content-security-policy"]
    for name, ctype in (("dashboard.js", "text/javascript"), ("dashboard.css", "text/css")):
        status, headers, body = client.get(f"/static/{name}")
        assert status == 200 and headers["content-type"].startswith(ctype) and body
        # the only absolute URL is the SVG namespace, which is a name, not a download
        assert not re.search(r"https?://(?!www\.w3\.org/2000/svg)", body)


def test_static_files_are_a_fixed_list(client):
    for path in ("/static/../server.py", "/static/dashboard.html.bak", "/static/"):
        status, _, body = client.get(path)
        assert status == 404 and "dashboard.js" in body["error"]


# --- GET routes --------------------------------------------------------------------------


def test_scenarios_with_control_values(client):
    status, _, body = client.get("/api/scenarios")
    assert status == 200 and body["default"] == "race"
    by_name = {s["name"]: s for s in body["scenarios"]}
    assert {"race", "baseline", "team_america", "rare_earth_ban"} <= set(by_name)
    race = by_name["race"]
    assert race["shocks"] == 1 and race["policies"] and race["description"]
    assert race["controls"] == {
        "decoupling": 2026, "credits_45x": True, "solar_tariff": 0.5, "green_lane": 0.0,
        "sovereign_fund": 0, "allied_pooling": False, "rare_earth_control": False,
    }
    assert by_name["sovereign_fund"]["controls"]["sovereign_fund"] == 10000
    assert by_name["team_america"]["controls"]["allied_pooling"] is True
    assert by_name["green_lanes"]["controls"]["green_lane"] == 0.5
    assert by_name["rare_earth_ban"]["controls"]["rare_earth_control"] is True
    assert by_name["rare_earth_ban"]["controls"]["decoupling"] is None
    assert by_name["baseline"]["shocks"] == 0


def test_levers_and_controls(client):
    status, _, body = client.get("/api/levers")
    assert status == 200
    names = {lv["lever"] for lv in body["levers"]}
    assert {"tariff", "decoupling", "green_lane", "sovereign_fund", "allied_pooling"} <= names
    tariff = next(lv for lv in body["levers"] if lv["lever"] == "tariff")
    assert tariff["parameters"]["rate"]["maximum"] == 10.0
    ids = [c["id"] for c in body["controls"]]
    assert ids == ["decoupling", "credits_45x", "solar_tariff", "green_lane", "sovereign_fund",
                   "allied_pooling", "rare_earth_control"]
    credits = next(c for c in body["controls"] if c["id"] == "credits_45x")
    assert credits["add"] and all(p["lever"] == "production_credit" for p in credits["add"])


def test_strings_in_both_languages_with_the_same_keys(client):
    status, _, body = client.get("/api/strings")
    assert status == 200 and body["languages"] == ["en", "vi"]
    assert _walk_keys(body["en"]["ui"]) == _walk_keys(body["vi"]["ui"])
    assert body["vi"]["ui"]["app_title"] == "Cuộc đua chuỗi cung ứng"
    assert body["vi"]["report"]["winner_first"].startswith("Bên thu hẹp")
    # YAML 1.1 would read bare on/off keys as booleans: every key is a string
    assert all(isinstance(k, str) for k in body["en"]["ui"])


def test_site_ranks_and_map(client):
    status, headers, body = client.get("/api/site?chain=li_ion_battery&lang=vi")
    assert status == 200 and headers["x-cache"] == "miss"
    assert body["status"] == "optimal" and 1 <= len(body["designations"]) <= 5
    assert [s["rank"] for s in body["sites"][:3]] == [1, 2, 3]
    svg = body["map_svg"]
    assert svg.startswith("<svg") and "<defs>" in svg and svg.count("<use ") >= 48
    assert "Điểm tổng hợp" in svg  # the title in the requested language
    assert body["levers"] and body["levers"][0]["lever"] == "designate_cluster"
    status, headers, again = client.get("/api/site?chain=li_ion_battery&lang=vi")
    assert headers["x-cache"] == "hit" and again == body


# --- POST /api/race ------------------------------------------------------------------------


@pytest.fixture(scope="module")
def race_default(client):
    status, headers, body = client.post("/api/race", {"scenario": "race"})
    assert status == 200, body
    return headers, body


def test_race_summary_is_the_api_summary(race_default):
    _, body = race_default
    expected = json.loads(json.dumps(api.race("race").summary))
    assert body["summary"] == expected
    assert set(body["summary"]["verdict"]) == CHAINS
    assert body["importer"] == "US" and body["exporter"] == "CN"


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


def test_identical_requests_hit_the_cache(client, race_default, server):
    headers, body = race_default
    assert headers["x-cache"] in ("miss", "hit")
    hits = server.cache.hits
    status, headers, again = client.post("/api/race", {"scenario": "race"})
    assert status == 200 and headers["x-cache"] == "hit" and again == body
    assert server.cache.hits == hits + 1
    # the same request spelled with its defaults is the same request
    status, headers, _ = client.post("/api/race", {"scenario": "race", "policies": [], "remove": [], "draws": 1, "seed": None})
    assert headers["x-cache"] == "hit"


def test_response_cache_is_a_small_lru():
    cache = ResponseCache(size=2)
    cache.put(("a", "1"), b"1")
    cache.put(("a", "2"), b"2")
    assert cache.get(("a", "1")) == b"1"  # now the most recent
    cache.put(("a", "3"), b"3")  # evicts ("a", "2")
    assert cache.get(("a", "2")) is None and cache.get(("a", "1")) == b"1" and len(cache) == 2


def test_decoupling_start_moves_the_shock(client, race_default):
    status, _, controls = client.get("/api/levers")
    _, _, scen = client.get("/api/scenarios")
    defaults = next(s for s in scen["scenarios"] if s["name"] == "race")["controls"]
    req = control_request(controls["controls"], defaults, {"decoupling": 2032})
    status, _, body = client.post("/api/race", req)
    assert status == 200, body
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
])
def test_every_control_makes_valid_levers(client, changes):
    _, _, levers = client.get("/api/levers")
    _, _, scen = client.get("/api/scenarios")
    defaults = next(s for s in scen["scenarios"] if s["name"] == "race")["controls"]
    req = control_request(levers["controls"], defaults, changes)
    status, _, body = client.post("/api/race", req)
    assert status == 200, body
    assert set(body["summary"]["verdict"]) == CHAINS


def test_controls_remove_what_they_replace():
    sc = api.load_scenario("race")
    full = [p.model_dump(mode="json") for p in sc.policies]
    tariff = {"lever": "tariff", "importer": "US", "exporter": "CN", "stages": "solar_pv.module"}
    assert sum(matches(p, tariff) for p in full) == 1
    assert sum(matches(p, {"lever": "production_credit", "economy": "US"}) for p in full) == 8


def test_draws_give_bands(client):
    status, _, body = client.post("/api/race", {"scenario": "race", "draws": 8, "seed": 3})
    assert status == 200 and body["series"]["bands"] is True and body["summary"]["draws"] == 8
    cell = body["series"]["stages"]["li_ion_battery.cell_lfp"]
    lo, hi, med = cell["capacity_p05"]["CN"], cell["capacity_p95"]["CN"], cell["capacity"]["CN"]
    assert all(a <= m * (1 + 1e-3) and m <= b * (1 + 1e-3) for a, m, b in zip(lo, med, hi, strict=True))


# --- errors ----------------------------------------------------------------------------------

BAD_BODIES = [
    ('{"scenario": "race",', 400, "not valid JSON at line 1"),
    ("[1, 2]", 400, "must be a JSON object"),
    ('{"scenario": "race", "draws": NaN}', 400, "not valid JSON"),
    ({"scenario": "race", "colour": "red"}, 400, "unknown field 'colour'; valid fields: scenario, policies"),
    ({"scenario": 3}, 400, "scenario: give a scenario name"),
    ({"scenario": "../../etc/passwd"}, 422, "scenario: unknown scenario '../../etc/passwd'; choose one of: baseline"),
    ({"scenario": "nope"}, 422, "unknown scenario 'nope'"),
    ({"draws": 0}, 400, "draws: 0 is out of range; give a whole number from 1 to 200"),
    ({"draws": 201}, 400, "draws: 201 is out of range"),
    ({"draws": 2.5}, 400, "draws: must be a whole number from 1 to 200"),
    ({"draws": True}, 400, "draws: must be a whole number"),
    ({"seed": -1}, 400, "seed: -1 is out of range"),
    ({"policies": {"lever": "tariff"}}, 400, "policies: must be a list"),
    ({"policies": ["tariff"]}, 400, "policies[0]: each policy must be an object"),
    ({"policies": [{"lever": "tarif"}]}, 422, "policies[0].lever: unknown lever 'tarif'; valid levers: allied_pooling"),
    ({"policies": [{"importer": "US"}]}, 422, "policies[0]: each policy needs a 'lever' key"),
    ({"policies": [{"lever": "tariff", "importer": "US", "exporter": "CN", "stages": ["solar_pv.module"],
                    "rate": 50, "start": 2024}]}, 422, "policies[0].rate (tariff): Input should be less than or equal to 10"),
    ({"policies": [{"lever": "tariff", "importer": "US", "exporter": "CN", "stages": ["solar_pv.module"],
                    "rate": 0.5, "start": 2024, "colour": 1}]}, 422, "policies[0].colour: tariff has no field 'colour'"),
    ({"policies": [{"lever": "tariff", "importer": "US", "exporter": "CN", "stages": ["solar_pv.module"],
                    "start": 2024}]}, 422, "policies[0].rate (tariff): missing; add it"),
    ({"policies": [{"lever": "green_lane", "economy": "US", "start": 2026},
                   {"lever": "tariff", "importer": "US", "exporter": "CN", "stages": ["solar_pv.modul"],
                    "rate": 0.5, "start": 2024}]}, 422, "policies[1] (tariff).stages[0]: unknown stage or chain 'solar_pv.modul'; valid:"),
    ({"policies": [{"lever": "tariff", "importer": "XX", "exporter": "CN", "stages": ["solar_pv"],
                    "rate": 0.5, "start": 2024}]}, 422, "policies[0] (tariff).importer: unknown economy 'XX'; valid: US, CN"),
    ({"remove": ["decoupling"]}, 422, "has no shock once your changes are applied: turn on the decoupling"),
    ({"remove": ["decouple"]}, 422, "remove[0].lever: unknown lever 'decouple'"),
    ({"remove": [{"lever": "tariff", "colour": 1}]}, 422, "remove[0]: tariff has no field 'colour'; valid fields: end, exporter"),
    ({"remove": [3]}, 422, "remove[0]: give a lever name or an object"),
    ({"policies": [{}] * 65}, 400, "policies: 65 entries; give at most 64"),
]


@pytest.mark.parametrize("body,status,message", BAD_BODIES)
def test_bad_race_requests_get_clear_messages(client, body, status, message):
    got, headers, data = client.post("/api/race", body)
    assert got == status, data
    assert headers["content-type"].startswith("application/json")
    assert set(data) == {"error"} and message in data["error"], data["error"]
    assert "Traceback" not in data["error"]


@pytest.mark.parametrize("path,status,message", [
    ("/api/site", 400, "chain: missing; add ?chain=li_ion_battery"),
    ("/api/site?chain=coal", 422, "chain: unknown chain 'coal'; choose one of: ev, li_ion_battery"),
    ("/api/site?chain=ev&k=0", 400, "k: give a whole number of sites from 1 to 10"),
    ("/api/site?chain=ev&k=abc", 400, "k: give a whole number"),
    ("/api/site?chain=ev&lang=fr", 400, "lang: unknown language 'fr'; use one of: en, vi"),
    ("/api/site?chain=ev&colour=red", 400, "unknown query parameter 'colour'; this route takes: chain, k, lang"),
    ("/api/scenarios?x=1", 400, "unknown query parameter 'x'"),
    ("/api/nope", 404, "no route '/api/nope'; routes: GET /, GET /api/scenarios"),
    ("/api/race", 405, "/api/race takes POST"),
])
def test_bad_get_requests(client, path, status, message):
    got, _, data = client.get(path)
    assert got == status and message in data["error"], data


def test_post_to_a_get_route_is_405(client):
    status, _, data = client.post("/api/scenarios", {})
    assert status == 405 and "takes GET" in data["error"]


def test_body_over_the_limit_is_413(client):
    big = json.dumps({"scenario": "race", "policies": [{"lever": "tariff", "note": "x" * 1000}] * 70})
    assert len(big) > MAX_BODY_BYTES
    status, _, data = client.post("/api/race", big)
    assert status == 413
    assert f"over the limit of {MAX_BODY_BYTES:,} bytes" in data["error"]


def test_missing_content_length_is_411(client):
    conn = http.client.HTTPConnection(client.host, client.port, timeout=10)
    conn.putrequest("POST", "/api/race")
    conn.putheader("Content-Type", "application/json")
    conn.endheaders()
    resp = conn.getresponse()
    data = json.loads(resp.read())
    conn.close()
    assert resp.status == 411 and "Content-Length" in data["error"]


def test_malformed_request_line_is_json(client):
    conn = http.client.HTTPConnection(client.host, client.port, timeout=10)
    conn.putrequest("BREW", "/")
    conn.endheaders()
    resp = conn.getresponse()
    body = resp.read()
    conn.close()
    assert resp.status == 501 and "error" in json.loads(body)


def test_unexpected_errors_are_500_without_traceback(monkeypatch, capfd):
    def boom():
        raise RuntimeError("secret internals")

    monkeypatch.setattr(handlers, "run_scenarios", boom)
    srv, thread = start_server()
    try:
        status, _, data = Client(srv.url).get("/api/scenarios")
    finally:
        stop_server(srv, thread)
    assert status == 500
    assert data == {"error": "internal error while answering /api/scenarios; the server log has the details"}
    assert capfd.readouterr().err == ""  # a server made without log=True writes nothing


def test_import_has_no_side_effects():
    code = "import threading, buildrace.web.server, buildrace.cli.serve; print(threading.active_count())"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "1" and out.stderr == ""


def test_serve_command_is_registered(capsys):
    from buildrace.cli.main import main

    with pytest.raises(SystemExit) as exc:
        main(["serve", "--help"])
    assert exc.value.code == 0
    assert "--port" in capsys.readouterr().out
    assert main(["serve", "--port", "70000"]) == 2
    assert "--port 70000 is out of range" in capsys.readouterr().err
