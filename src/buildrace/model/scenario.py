"""A scenario: a base world, the policies of every economy, parameter changes and a horizon."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, TypeAdapter, ValidationInfo, field_validator

from buildrace.model.levers import Lever, is_shock
from buildrace.model.parameters import ParameterOverrides

_LEVER_ADAPTER: TypeAdapter = TypeAdapter(Lever)


class Scenario(BaseModel):
    """A fully resolved scenario (``extends`` already applied by the loader).

    Attributes
    ----------
    name, description
        Identifier and one paragraph for users.
    world
        Name of the embedded base world.
    end_year
        Last simulated year (the horizon); the first is the world's base year.
    seed
        Root seed of the ensemble (explicit randomness: same seed, same bits).
    threshold
        theta of the race metrics (share of the reference path to reach).
    reference
        The reference path the race metrics measure against: a built-in scenario name or
        a scenario file (default: the world's ``baseline``, the policies in force and no
        shock).
    policies
        Levers, in any order.
    parameters
        Overrides of model and stage parameters.
    """

    model_config = ConfigDict(frozen=True, extra="forbid")

    name: str = Field(pattern=r"^[A-Za-z0-9_.\-]+$")
    description: str = ""
    world: str = "world_2024"
    end_year: int = Field(2050, ge=2000, le=2150)
    seed: int = Field(0, ge=0)
    threshold: float = Field(0.95, gt=0.0, le=1.0)
    reference: str | None = Field(None, pattern=r"^[A-Za-z0-9_.\-/ ]+$")
    policies: tuple[Lever, ...] = ()
    parameters: ParameterOverrides = ParameterOverrides()

    @field_validator("policies")
    @classmethod
    def _years_in_horizon(cls, policies, info: ValidationInfo):
        # a field validator, so the error is located at `policies` (key and file line)
        end_year = info.data.get("end_year")
        for i, lever in enumerate(policies):
            if end_year is not None and lever.start > end_year:
                raise ValueError(
                    f"policies[{i}] ({lever.lever}) starts in {lever.start}, after the horizon end_year {end_year}"
                )
        return policies

    @property
    def shocks(self) -> tuple:
        return tuple(p for p in self.policies if is_shock(p))

    def parties(self) -> tuple[list[str], list[str]]:
        """(importers, exporters) of the race: who stops buying, who loses the market.

        From the shock levers (a decoupling's importer and exporter, an export control's
        exporter and named targets); US and CN where the scenario has no shock.
        """
        importers: list[str] = []
        exporters: list[str] = []
        for p in self.shocks:
            if p.lever == "decoupling":
                importers.append(p.importer)
                exporters.append(p.exporter)
            elif p.lever == "export_control":
                exporters.append(p.exporter)
                importers.extend(t for t in p.targets if t not in ("ALL", "all"))
        return list(dict.fromkeys(importers)) or ["US"], list(dict.fromkeys(exporters)) or ["CN"]

    def with_policies(self, extra: Iterable[Mapping[str, Any] | BaseModel]) -> Scenario:
        """Return a copy with ``extra`` levers appended (dicts are validated).

        Raises :class:`~buildrace.errors.InputError` naming the lever and field on a bad lever.
        """
        from pydantic import ValidationError

        from buildrace.errors import InputError

        new = []
        for i, p in enumerate(extra):
            if isinstance(p, BaseModel):
                new.append(p)
                continue
            try:
                new.append(_LEVER_ADAPTER.validate_python(dict(p)))
            except ValidationError as exc:
                err = exc.errors()[0]
                key = ".".join(str(k) for k in err["loc"])
                raise InputError(f"added policies[{i}]{'.' + key if key else ''}: {err['msg']}") from None
        return self.model_copy(update={"policies": self.policies + tuple(new)})

    def without_shocks(self) -> Scenario:
        """The counterfactual: the same scenario with every shock lever removed."""
        kept = tuple(p for p in self.policies if not is_shock(p))
        return self.model_copy(update={"policies": kept, "name": f"{self.name}-counterfactual"})

    def without_policy(self, index: int) -> Scenario:
        kept = tuple(p for i, p in enumerate(self.policies) if i != index)
        return self.model_copy(update={"policies": kept})


__all__ = ["Scenario"]
