"""Memo of the base-year calibration, keyed by the content of what it reads.

The base-year fit (:func:`buildrace.engine.calibrate.calibrate`) is a fixed point over
the world, the model parameters and the policies in force in the base year only. It is
most of the cost of one run, and it is the same for a scenario and its reference path,
and for every slider move that leaves the base year alone. Keying it by a digest of
every input it can read (the whole compiled world and parameters, the base-year row of
every policy array, and the engine backend) returns the same bits as recomputing it:
a hit hands back copies, so no caller can change a stored result.

What is left out of the key, and why that is safe: policy rows after the base year,
the demand growth paths and the shock paths (calibration reads year 0 only), the
named projects in flight (``pipeline``: the fit reads base-year capacity and output,
and the projects enter only the run's initial pipeline; it is also by far the largest
array, most of the cost of the digest), and the scenario's text (everything it means
is in the arrays).
"""

from __future__ import annotations

import hashlib
from collections import OrderedDict
from dataclasses import fields, is_dataclass, replace
from typing import Any

import numpy as np

from buildrace.engine import backend
from buildrace.engine.calibrate import Calibration, calibrate
from buildrace.engine.structure import Structure
from buildrace.model.compile import Compiled

MAX_ENTRIES = 16
"""Calibrations kept (each is a few arrays of draws x pairs; 16 cover a slider session)."""

_SKIPPED = frozenset({"scenario", "notes", "growth", "shocks", "policy", "pipeline"})
_memo: OrderedDict[bytes, Calibration] = OrderedDict()


_SCALARS = (int, float, str, bool, type(None), np.generic)


def _feed(out: list, value: Any) -> None:
    """Append ``value``'s bytes to ``out`` with its type and shape, so that distinct inputs
    cannot collide by concatenation.

    The pieces are hashed as one buffer (a digest of the concatenation is the digest of
    the pieces fed in turn): some five hundred small updates cost more than the hashing.
    An array goes in as itself (its buffer, joined without a copy of its bytes), and a
    dataclass's field names are read once per type: the key is asked every run."""
    if type(value) is np.ndarray or isinstance(value, np.ndarray):
        arr = value if value.ndim and value.flags.c_contiguous else np.ascontiguousarray(value)  # (0-d: as (1,))
        code = arr.dtype.str
        head = _HEADS.get((code, arr.shape))
        if head is None:  # formatting the shape costs more than the rest of the array's feed
            if len(_HEADS) > 4096:  # a long session with many worlds: keep the table small
                _HEADS.clear()
            head = _HEADS[code, arr.shape] = f"a{code}{arr.shape}".encode()
        out.append(head)
        out.append(arr if arr.dtype.kind != "O" else arr.tobytes())
    elif isinstance(value, _SCALARS):
        out.append(repr(value).encode())
    elif isinstance(value, dict):
        out.append(f"d{len(value)}".encode())
        for key in sorted(value):
            out.append(str(key).encode())
            _feed(out, value[key])
    elif isinstance(value, (tuple, list)):
        out.append(f"t{len(value)}".encode())
        for item in value:
            _feed(out, item)
    elif is_dataclass(value) and not isinstance(value, type):
        names = _FIELD_NAMES.get(type(value))
        if names is None:
            names = _FIELD_NAMES[type(value)] = tuple((f.name, f.name.encode()) for f in fields(value))
        out.append(type(value).__name__.encode())
        for name, encoded in names:
            out.append(encoded)
            _feed(out, getattr(value, name))
    else:
        out.append(repr(value).encode())


_HEADS: dict[tuple, bytes] = {}
"""Each array's type-and-shape header by (dtype code, shape), formatted once."""

_FIELD_NAMES: dict[type, tuple] = {}
"""Each dataclass type's (field name, its bytes), read once (``fields`` builds a tuple a call)."""


def calibration_key(c: Compiled) -> bytes:
    """Digest of every input the base-year calibration can read."""
    out = [backend.name().encode()]
    for f in fields(c):
        if f.name not in _SKIPPED:
            out.append(f.name.encode())
            _feed(out, getattr(c, f.name))
    for f in fields(c.policy):
        arr = getattr(c.policy, f.name)
        out.append(f.name.encode())
        # time-indexed arrays: the base-year row only; the (E,) fund terms whole
        _feed(out, arr[0] if arr.ndim >= 2 else arr)
    return hashlib.blake2b(b"".join(out), digest_size=20).digest()


def _copy(cal: Calibration) -> Calibration:
    return replace(cal, **{
        f.name: getattr(cal, f.name).copy()
        for f in fields(cal) if isinstance(getattr(cal, f.name), np.ndarray)
    })


def cached_calibrate(c: Compiled, st: Structure) -> Calibration:
    """:func:`~buildrace.engine.calibrate.calibrate`, memoised by input content."""
    key = calibration_key(c)
    hit = _memo.get(key)
    if hit is None:
        hit = calibrate(c, st)
        _memo[key] = hit
        while len(_memo) > MAX_ENTRIES:
            _memo.popitem(last=False)
    else:
        _memo.move_to_end(key)
    return _copy(hit)


def clear() -> None:
    """Forget every stored calibration (tests; memory)."""
    _memo.clear()
