"""Cost kernel (MODEL.md step 3).

``C = F * (Xeff / Xeff0) ** (-b) * A * V * infra + sum_u a(s, u) * P_u + e_s * elec``

- learning (Wright 1936, doi 10.2514/8.155; Way et al. 2022, doi 10.1016/j.joule.2022.08.009):
  ``b = -log2(1 - LR)``, experience ``Xeff = X_site + phi_econ * (X_economy - X_site)
  + phi_world * (X_world - X_economy)``; we count the *rest* of the economy and of the
  world so a site's own output is not counted twice (MODEL.md writes the totals);
- agglomeration (Rosenthal & Strange 2004): ``A = (1 + M / M_ref) ** (-alpha)``, with the
  cluster mass M the site's capacity across the chain's stages, each as a share of the
  world's base-year capacity of that stage;
- vertical integration: ``V = 1 + kappa * (1 - local_input_share)``, the share of the
  input bill bought at home;
- inputs are priced at last year's market price in the producer's economy (a one-year
  lag that keeps the year's steps in order).
"""

from __future__ import annotations

import numpy as np

from buildrace.engine.groups import power


def learning_exponent(learning_rate: np.ndarray) -> np.ndarray:
    """Wright's-law exponent b from a learning rate LR (cost fall per doubling)."""
    return -np.log2(1.0 - np.clip(learning_rate, 0.0, 0.95))


def experience(x_pair, x_econ_pair, x_world_pair, phi_econ, phi_world):
    """Effective experience Xeff (N, P) of each pair."""
    return x_pair + phi_econ * (x_econ_pair - x_pair) + phi_world * (x_world_pair - x_econ_pair)


def learning_factor(xeff, xeff0, b_pair):
    """(Xeff / Xeff0) ** (-b): 1 in the base year, falling as experience accumulates."""
    return power(np.maximum(xeff, xeff0) / xeff0, -b_pair)


def agglomeration(mass_pair, mass_ref, alpha):
    """A = (1 + M / M_ref) ** (-alpha)."""
    return power(1.0 + mass_pair / mass_ref, -alpha)


def integration(local_input_share_pair, kappa_pair):
    """V = 1 + kappa * (1 - local_input_share)."""
    return 1.0 + kappa_pair * (1.0 - local_input_share_pair)


def unit_cost(factor_cost, learn, agglo, integ, infra, input_cost, energy_cost):
    """Total unit cost (N, P) in USD per stage unit."""
    return factor_cost * learn * agglo * integ * infra + input_cost + energy_cost
