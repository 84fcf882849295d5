"""Policy levers, one module per family, and the explicit registry that compiles them.

:func:`apply_policies` starts from arrays that mean "no policy" and lets each lever of
the scenario act on them, in the order listed (effects combine: tariffs add, bans and
caps multiply, time cuts multiply).
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from buildrace.model.index import Index, Policy
from buildrace.model.parameters import ModelParameters
from buildrace.model.scenario import Scenario
from buildrace.model.world import World
from buildrace.policies import alliance, fiscal, place, trade
from buildrace.policies._common import Context

REGISTRY: dict[str, Callable] = {
    "tariff": trade.tariff,
    "import_ban": trade.import_ban,
    "decoupling": trade.decoupling,
    "export_control": trade.export_control,
    "rules_of_origin": trade.rules_of_origin,
    "local_content": trade.local_content,
    "production_credit": fiscal.production_credit,
    "investment_credit": fiscal.investment_credit,
    "sovereign_fund": fiscal.sovereign_fund,
    "designate_cluster": place.designate_cluster,
    "green_lane": place.green_lane,
    "workforce": place.workforce,
    "national_champion": place.national_champion,
    "allied_pooling": alliance.allied_pooling,
    "stockpile": alliance.stockpile,
}


def neutral_arrays(index: Index) -> dict[str, np.ndarray]:
    """Policy arrays meaning 'no policy'."""
    T, E, S, P = len(index.years), len(index.economies), len(index.stages), len(index.pair_site)
    eye = np.broadcast_to(np.eye(E), (T, E, E)).copy()
    return {
        "tariff": np.zeros((T, E, E, S)),
        "trade_factor": np.ones((T, E, E, S)),
        "credit": np.zeros((T, E, S)),
        "credit_share": np.zeros((T, E, S)),
        "itc": np.zeros((T, E, S)),
        "local_share": np.zeros((T, E, S)),
        "local_members": eye.copy(),
        "permit_mult": np.ones((T, P)),
        "build_mult": np.ones((T, P)),
        "cost_mult": np.ones((T, P)),
        "attract": np.zeros((T, P)),
        "ramp_mult": np.ones((T, P)),
        "kappa_mult": np.ones((T, P)),
        "fund_budget": np.zeros((T, E)),
        "fund_target": np.zeros((T, P)),
        "fund_hurdle": np.full(E, 0.03),
        "fund_equity": np.full(E, 0.5),
        "pool_member": eye.copy(),
        "pool_premium": np.zeros((T, E, E)),
        "stock_months": np.zeros((T, E, S)),
        "licence": np.full((T, E, E, S), np.inf),
        "roo_max": np.ones((T, E, S)),
        "roo_foreign": np.zeros((T, E, E)),
        "roo_rate": np.full((T, E, S), np.nan),
        "credit_feoc": np.ones((T, E, S)),
    }


def apply_policies(scenario: Scenario, world: World, index: Index, model: ModelParameters) -> Policy:
    """Compile every lever of ``scenario`` into :class:`~buildrace.model.compile.Policy`."""
    arrays = neutral_arrays(index)
    ctx = Context(world=world, index=index, model=model)
    for lever in scenario.policies:
        REGISTRY[lever.lever](lever, ctx, arrays)
    for name in ("permit_mult", "build_mult", "cost_mult", "ramp_mult", "kappa_mult"):
        np.clip(arrays[name], 0.0, 1.0, out=arrays[name])
    return Policy(**arrays)


__all__ = ["REGISTRY", "apply_policies", "neutral_arrays"]
