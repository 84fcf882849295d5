"""A dashboard server on an ephemeral port, in a thread, shared by the web tests."""

from __future__ import annotations

import http.client
import json
import threading
from urllib.parse import urlsplit

import pytest

from buildrace.web.server import make_server


class Client:
    """Minimal HTTP client for the tests: status, headers and the parsed JSON body."""

    def __init__(self, url: str):
        parts = urlsplit(url)
        self.url = url
        self.host, self.port = parts.hostname, parts.port

    def request(self, method: str, path: str, body: bytes | str | dict | list | None = None,
                headers: dict[str, str] | None = None):
        if isinstance(body, (dict, list)):
            body = json.dumps(body)
        if isinstance(body, str):
            body = body.encode("utf-8")
        conn = http.client.HTTPConnection(self.host, self.port, timeout=60)
        try:
            conn.request(method, path, body=body, headers=headers or {})
            resp = conn.getresponse()
            raw = resp.read()
            ctype = resp.getheader("Content-Type", "")
            data = json.loads(raw) if ctype.startswith("application/json") else raw.decode("utf-8")
            return resp.status, {k.lower(): v for k, v in resp.getheaders()}, data
        finally:
            conn.close()

    def get(self, path: str):
        return self.request("GET", path)

    def post(self, path: str, body):
        return self.request("POST", path, body, {"Content-Type": "application/json"})


def start_server():
    server = make_server("127.0.0.1", 0)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    return server, thread


def stop_server(server, thread) -> None:
    server.shutdown()
    server.server_close()
    thread.join(timeout=10)


@pytest.fixture(scope="session")
def server():
    srv, thread = start_server()
    yield srv
    stop_server(srv, thread)


@pytest.fixture(scope="session")
def client(server):
    return Client(server.url)
