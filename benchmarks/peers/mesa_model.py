"""The reduced case as a Mesa 3 agent model: one agent per producer (economy x stage).

Each producer agent keeps its own capacity, ramping capacity, experience, pipeline and
order book, prices its output by its learning curve, and invests; the model runs the
markets (logit preference and the spill allocation) each step. Plain Python on scalars,
the way an agent-based model is written; the equations are those of :mod:`.reduced`.

Reference: Kazil, Masad & Crooks (2020), "Utilizing Python for Agent-Based Modeling:
The Mesa Framework", *SBP-BRiMS*; ter Hoeven et al. (2025), "Mesa 3", *JOSS* 10(107).
"""

from __future__ import annotations

import math

import mesa
import numpy as np

from .reduced import ECONOMIES, SETTLED, SPILL_ROUNDS, STAGES, Case


class Producer(mesa.Agent):
    """One economy's producers of one stage."""

    def __init__(self, model: ReducedChain, e: int, s: int, scale: float) -> None:
        super().__init__(model)
        case = model.case
        self.e, self.s = e, s
        self.capacity = float(case.k0[e, s])
        self.ramping = 0.0
        self.experience = float(case.x0[e, s])
        self.x0 = float(case.x0[e, s])
        self.b = float(case.b[e, s]) * scale
        self.lead = int(case.lead[e, s])
        self.life = float(case.life[s])
        self.ramp_years = float(case.ramp[s])
        self.pipeline = 0.0
        self.book = [0.0] * (case.years + 2)  # arrivals by year index
        self.cost = 0.0
        self.avail = 0.0
        self.output = 0.0
        self.won = 0.0

    def learn(self) -> float:
        return (max(self.experience, self.x0) / self.x0) ** (-self.b)

    def price(self, cell_cost: float) -> None:
        case = self.model.case
        if self.s == 0:
            self.cost = float(case.c0_cell[self.e]) * self.learn()
        else:
            self.cost = float(case.conv0[self.e]) * self.learn() + case.a * cell_cost
        self.avail = max(case.u * (self.capacity - 0.5 * self.ramping), 0.0)

    def invest_and_age(self, t: int) -> None:
        case = self.model.case
        self.experience += self.output
        growth = (1.0 + case.g) ** self.lead
        survive = (1.0 - 1.0 / self.life) ** self.lead
        order = case.resp * max((self.output + self.won) * growth / case.u - self.capacity * survive - self.pipeline, 0.0)
        if order != 0.0:
            self.book[min(t + self.lead, len(self.book) - 1)] += order
        arriving = self.book[t + 1]
        retire = self.capacity / max(self.life, 1.0)
        matured = self.ramping / max(self.ramp_years, 1.0)
        ramping = max(self.ramping - matured - min(retire, self.ramping), 0.0) + arriving
        self.capacity = max(self.capacity - retire, 0.0) + arriving
        self.ramping = min(ramping, self.capacity)
        self.pipeline = self.pipeline + order - arriving


def spill(demand: list[float], head0: list[float], pref: list[list[float]]) -> tuple[list[list[float]], list[float]]:
    """The spill allocation for one stage: markets' demand over suppliers' headroom."""
    M, E = len(demand), len(head0)
    w0 = [[pref[m][e] * head0[e] for e in range(E)] for m in range(M)]
    flows = [[0.0] * E for _ in range(M)]
    rem, head = list(demand), list(head0)
    for r in range(SPILL_ROUNDS):
        w = w0 if r == 0 else [[w0[m][e] * (1.0 if head[e] > 0 else 0.0) for e in range(E)] for m in range(M)]
        if r and not any(rem[m] > 0 and sum(w[m]) > 0 for m in range(M)):
            break
        alloc = []
        for m in range(M):
            total = sum(w[m])
            alloc.append([rem[m] * (w[m][e] / (total if total > 0 else 1.0)) for e in range(E)])
        for e in range(E):
            load = sum(alloc[m][e] for m in range(M))
            if load > head[e]:
                for m in range(M):
                    alloc[m][e] *= head[e] / load
        for e in range(E):
            left = max(head[e] - sum(alloc[m][e] for m in range(M)), 0.0)
            head[e] = 0.0 if left <= SETTLED * head0[e] else left
        for m in range(M):
            for e in range(E):
                flows[m][e] += alloc[m][e]
            left = max(rem[m] - sum(alloc[m]), 0.0)
            rem[m] = 0.0 if left <= SETTLED * demand[m] else left
    return flows, rem


class ReducedChain(mesa.Model):
    """The two-stage, two-economy chain; ``step()`` advances one year."""

    def __init__(self, case: Case, draw: int = 0) -> None:
        super().__init__(seed=draw)
        self.case = case
        self.t = 0
        scale = float(case.b_scale[draw])
        self.producers = [[Producer(self, e, s, scale) for s in range(len(STAGES))] for e in range(len(ECONOMIES))]
        T = case.years
        self.record = {k: np.zeros((T, 2, 2)) for k in ("production", "capacity", "unit_cost")}

    def _preferences(self, s: int) -> list[list[float]]:
        case = self.case
        E = len(ECONOMIES)
        pref = []
        for m in range(E):
            dl = [self.producers[e][s].cost * (1.0 + case.tariff[m, e, s]) + (case.transport[s] if m != e else 0.0) for e in range(E)]
            av = [self.producers[e][s].avail for e in range(E)]
            capsum = sum(av)
            mean = sum(a * d for a, d in zip(av, dl, strict=True)) / capsum if capsum > 0 else sum(dl) / E
            mean = mean if mean > 0 else 1.0
            pref.append([math.exp(-case.lam[s] * d / mean) for d in dl])
        return pref

    def step(self) -> None:
        case, t = self.case, self.t
        E = len(ECONOMIES)
        for e in range(E):
            self.producers[e][0].price(0.0)
            self.producers[e][1].price(self.producers[e][0].cost)
        unmet = {}
        prefs = {}
        demand = [float(case.d0[m]) * (1.0 + case.g) ** t for m in range(E)]
        for s in (1, 0):  # packs first: their output sets the demand for cells
            prefs[s] = self._preferences(s)
            flows, unmet[s] = spill(demand, [self.producers[e][s].avail for e in range(E)], prefs[s])
            for e in range(E):
                self.producers[e][s].output = sum(flows[m][e] for m in range(E))
            demand = [case.a * self.producers[m][1].output for m in range(E)]
        for s in (0, 1):
            for e in range(E):
                p = self.producers[e][s]
                self.record["production"][t, e, s] = p.output
                self.record["capacity"][t, e, s] = p.capacity
                self.record["unit_cost"][t, e, s] = p.cost
            for e in range(E):  # unmet demand is won in proportion to preference and presence
                won = 0.0
                for m in range(E):
                    ww = [prefs[s][m][j] * (self.producers[j][s].avail + 1.0) for j in range(E)]
                    tot = sum(ww)
                    won += unmet[s][m] * (ww[e] / tot if tot > 0 else 0.0)
                self.producers[e][s].won = won
        self.agents.do("invest_and_age", t)
        self.t += 1


def run_mesa(case: Case, draw: int = 0) -> dict[str, np.ndarray]:
    """Run one draw of the reduced case; (T, E, S) production, capacity and unit cost."""
    model = ReducedChain(case, draw)
    for _ in range(case.years):
        model.step()
    return model.record
