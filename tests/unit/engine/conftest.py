"""Fixtures shared by the engine's agreement tests."""

from __future__ import annotations

import pytest

from buildrace.engine import backend


@pytest.fixture(scope="module")
def reference():
    """Run the engine modules' functions on the NumPy path (for every generated example)."""
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv(backend.ENV, "numpy")
        assert not backend.compiled()
        yield
