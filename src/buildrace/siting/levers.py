"""Turn chosen designations into ``designate_cluster`` policy levers and scenario files.

The lever is the scenario form of MODEL.md's "designate cluster" (sites, chains,
infrastructure budget), so a plan from the optimiser can be simulated like any
other policy.
"""

from __future__ import annotations

from pathlib import Path

import yaml
from pydantic import BaseModel, ConfigDict

from buildrace.siting.optimise import DesignationResult


class ClusterLever(BaseModel):
    """A ``designate_cluster`` lever for the US."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    economy: str = "US"
    sites: tuple[str, ...]
    chains: tuple[str, ...]
    start: int = 2026
    end: int = 2050
    infrastructure_musd: float

    def to_policy(self) -> dict:
        """The lever as a scenario ``policies`` entry."""
        return {
            "lever": "designate_cluster",
            "economy": self.economy,
            "sites": list(self.sites),
            "chains": list(self.chains),
            "start": self.start,
            "end": self.end,
            "infrastructure_musd": round(self.infrastructure_musd, 1),
        }


def levers_from(
    result: DesignationResult, start: int = 2026, end: int = 2050
) -> tuple[ClusterLever, ...]:
    """One lever per chain, listing its designated sites and their total infrastructure."""
    chains = dict.fromkeys(d.chain for d in result.designations)
    out = []
    for chain in chains:
        ds = [d for d in result.designations if d.chain == chain]
        out.append(
            ClusterLever(
                sites=tuple(sorted(d.site for d in ds)),
                chains=(chain,),
                start=start,
                end=end,
                infrastructure_musd=sum(d.cost_musd for d in ds),
            )
        )
    return tuple(out)


def write_scenario(levers: tuple[ClusterLever, ...], path: Path, extends: str = "race") -> Path:
    """Write a scenario file that extends ``extends`` with the levers as policies."""
    doc = {"extends": extends, "policies": [lv.to_policy() for lv in levers]}
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(yaml.safe_dump(doc, sort_keys=False), encoding="utf-8")
    return path


__all__ = ["ClusterLever", "levers_from", "write_scenario"]
