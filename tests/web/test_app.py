"""The FastAPI application through its test client: routes, errors, limits, single flight."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor

import pytest

fastapi = pytest.importorskip("fastapi")
from fastapi.testclient import TestClient  # noqa: E402

from buildrace.web.app import MAX_BODY_BYTES, create_app  # noqa: E402
from buildrace.web.cache import SingleFlightCache  # noqa: E402


@pytest.fixture(scope="module")
def client():
    with TestClient(create_app()) as c:
        yield c


def test_openapi_lists_routes(client):
    spec = client.get("/openapi.json").json()
    assert {"/api/scenarios", "/api/levers", "/api/race", "/api/site"} <= set(spec["paths"])


def test_scenarios_and_levers(client):
    assert client.get("/api/scenarios").status_code == 200
    assert client.get("/api/levers").status_code == 200


def test_bad_json_is_400(client):
    r = client.post("/api/race", content=b"{not json")
    assert r.status_code == 400 and "not valid JSON" in r.json()["error"]


def test_nan_is_rejected(client):
    r = client.post("/api/race", content=b'{"scenario": "race", "draws": NaN}')
    assert r.status_code == 400


def test_body_over_limit_is_413(client):
    r = client.post("/api/race", content=b" " * (MAX_BODY_BYTES + 1))
    assert r.status_code == 413 and "limit" in r.json()["error"]


def test_wrong_method_is_405(client):
    r = client.delete("/api/levers")
    assert r.status_code == 405 and "DELETE" in r.json()["error"]


def test_static_traversal_is_404(client):
    assert client.get("/static/..%2f..%2fpyproject.toml").status_code == 404


def test_single_flight_shares_one_computation():
    pool = ThreadPoolExecutor(max_workers=4)
    cache = SingleFlightCache(pool)
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
    pool.shutdown()
