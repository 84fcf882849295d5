"""Which engine implementation runs the kernels: the compiled one (numba) or the NumPy reference.

``BUILDRACE_ENGINE=numpy`` selects the reference path, ``numba`` (the default) the
compiled kernels of :mod:`buildrace.engine.compiled` (allocation, market clearing,
sites, origin), :mod:`buildrace.engine.compiled_fit` (the base-year fit) and
:mod:`buildrace.engine.compiled_step` (costs, learning, the chemistry mix, offers and
price index, investment, site projects, the pipeline) and
:mod:`buildrace.engine.compiled_year` (economy costs, credits, demand, prices after
clearing, stocks and accounts, the base-year pipeline). Where numba is not installed, or
cannot be imported with this NumPy, the compiled choice falls back to the reference
path without an error: results agree to 1e-9 relative either way
(``tests/unit/engine/test_compiled_agreement.py``), only the speed differs.

numba is imported on the first kernel call that uses it, never at ``import buildrace``
(importing numba and LLVM costs about half a second).
"""

from __future__ import annotations

import os
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from types import ModuleType

from buildrace.errors import InputError

ENV = "BUILDRACE_ENGINE"
"""Environment variable that selects the engine: ``numpy`` or ``numba``."""
CHOICES = ("numba", "numpy")

_compiled: ModuleType | None = None
_unavailable: str | None = None
_last: tuple[str | None, str] | None = None  # the variable's last raw value and what it selects
_pins = threading.local()  # .value: (kernel module or None,) while a run pins the choice (see pinned)


def requested() -> str:
    """The engine the environment asks for (default ``numba``).

    Raises
    ------
    InputError
        When ``BUILDRACE_ENGINE`` holds anything but ``numpy`` or ``numba``.
    """
    global _last
    raw = os.environ.get(ENV)
    if _last is not None and _last[0] == raw:  # asked a few hundred times a run: parse once per setting
        return _last[1]
    value = (raw or "numba").strip().lower() or "numba"
    if value not in CHOICES:
        raise InputError(f"{ENV}={value!r}: choose 'numpy' (reference path) or 'numba' (compiled)")
    _last = (raw, value)
    return value


def kernels() -> ModuleType | None:
    """The compiled kernel module when the compiled engine is selected and importable, else None."""
    pin = getattr(_pins, "value", None)
    if pin is not None:  # inside pinned(): the choice made when the run started
        return pin[0]
    return _select()


@contextmanager
def pinned() -> Iterator[None]:
    """Within the block, this thread's kernel choice is the one in force on entering it.

    A run asks which engine to use a few hundred times; reading the environment each
    time costs more than some of the phases it dispatches. Per thread, so that runs on
    several threads never see each other's pins.
    """
    previous = getattr(_pins, "value", None)
    _pins.value = (_select(),)
    try:
        yield
    finally:
        _pins.value = previous


def _select() -> ModuleType | None:
    global _compiled, _unavailable
    if requested() != "numba":
        return None
    if _compiled is None and _unavailable is None:
        try:
            from buildrace.engine import compiled as module
        except ImportError as exc:  # numba absent or built for another NumPy: the reference path runs
            _unavailable = str(exc)
        else:
            _compiled = module
    return _compiled


def compiled() -> bool:
    """True when kernels run compiled (numba selected and importable)."""
    return kernels() is not None


def name() -> str:
    """The engine in use: ``numba`` or ``numpy`` (after any fallback)."""
    return "numba" if compiled() else "numpy"


def unavailable_reason() -> str | None:
    """Why the compiled engine fell back to the reference path (None when it did not)."""
    kernels()
    return _unavailable
