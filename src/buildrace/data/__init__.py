"""Embedded base-year worlds, read with :mod:`importlib.resources` (no network)."""

from __future__ import annotations

from importlib import resources
from importlib.abc import Traversable

WORLDS = ("world_2010", "world_2018", "world_2024")


def world_files(name: str) -> Traversable:
    """Return the folder of an embedded world's tables."""
    return resources.files(__name__).joinpath(name)


__all__ = ["WORLDS", "world_files"]
