"""The dashboard application served by uvicorn on an ephemeral port, in a thread."""

from __future__ import annotations

import socket
import threading
import time

import pytest

uvicorn = pytest.importorskip("uvicorn", reason="the web tests need the 'web' extra")

from buildrace.web.app import create_app  # noqa: E402


class LiveServer:
    """uvicorn serving ``app`` on 127.0.0.1 and a free port, in a daemon thread.

    ``url`` is where it listens; ``app`` the application (its ``state.cache`` counts
    hits). :meth:`stop` asks uvicorn to exit and waits for the thread.
    """

    def __init__(self, app=None, timeout: float = 30.0):
        self.app = app if app is not None else create_app()
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self.sock.bind(("127.0.0.1", 0))
        self.port = self.sock.getsockname()[1]
        self.url = f"http://127.0.0.1:{self.port}"
        config = uvicorn.Config(self.app, log_level="warning", lifespan="on")
        self.server = uvicorn.Server(config)
        self.thread = threading.Thread(target=self.server.run, kwargs={"sockets": [self.sock]}, daemon=True)
        self.thread.start()
        deadline = time.monotonic() + timeout
        while not self.server.started:
            if not self.thread.is_alive() or time.monotonic() > deadline:
                raise RuntimeError("uvicorn did not start")
            time.sleep(0.02)

    def stop(self) -> None:
        self.server.should_exit = True
        self.thread.join(timeout=10)
        self.sock.close()


@pytest.fixture(scope="session")
def server():
    live = LiveServer()
    yield live
    live.stop()
