"""The reduced case as a system-dynamics model: a generated Vensim ``.mdl`` run by PySD.

:func:`write_mdl` writes the equations of :mod:`.reduced` as Vensim text: capacity,
ramping capacity, experience and pipeline are stocks (``INTEG``), the lead time is a
chain of one-year delay stocks, the logit trade and its spill rounds are auxiliaries
(two suppliers need at most two spill rounds; a third is written and adds zeros).
PySD translates the file to Python once; :func:`run_pysd` runs it for one draw.
The time step is one year, the same Euler step as buildrace's year loop.

References: Martin-Martinez, Samsó & Houghton (2022), "PySD: System Dynamics Modeling
in Python", *JOSS* 7(78), 4329; Sterman (2000), *Business Dynamics*, ch. 8-11.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from .reduced import ECONOMIES, SETTLED, STAGES, Case

ROUNDS = 3
EC = [e.lower() for e in ECONOMIES]


def _eq(name: str, expr: str, units: str = "", doc: str = "") -> str:
    return f"{name} = {expr}\n\t~\t{units}\n\t~\t{doc}\n\t|\n\n"


def write_mdl(case: Case, path: Path) -> Path:
    """Write the Vensim model of ``case`` (central draw; ``b_scale`` is a parameter)."""
    out = ["{UTF-8}\n"]
    eq = out.append
    eq(_eq("b_scale", "1", "", "learning-exponent multiplier of the draw"))
    for name, value in (("u", case.u), ("g", case.g), ("a", case.a), ("resp", case.resp), ("settled", SETTLED)):
        eq(_eq(name, repr(float(value))))
    for si, s in enumerate(STAGES):
        eq(_eq(f"lam_{s}", repr(float(case.lam[si]))))
        eq(_eq(f"tr_{s}", repr(float(case.transport[si]))))
        eq(_eq(f"life_{s}", repr(float(case.life[si]))))
        eq(_eq(f"ramp_{s}", repr(float(case.ramp[si]))))
    for ei, e in enumerate(EC):
        eq(_eq(f"c0_{e}", repr(float(case.c0_cell[ei]))))
        eq(_eq(f"conv_{e}", repr(float(case.conv0[ei]))))
        eq(_eq(f"d0_{e}", repr(float(case.d0[ei]))))
        for si, s in enumerate(STAGES):
            es = f"{e}_{s}"
            eq(_eq(f"k0_{es}", repr(float(case.k0[ei, si]))))
            eq(_eq(f"x0_{es}", repr(float(case.x0[ei, si]))))
            eq(_eq(f"b0_{es}", repr(float(case.b[ei, si]))))
            eq(_eq(f"b_{es}", f"b0_{es} * b_scale"))
            for mi, m in enumerate(EC):
                eq(_eq(f"tariff_{m}_{es}", repr(float(case.tariff[mi, ei, si]))))
            # stocks: capacity, ramping, experience, pipeline, and the lead-time delay chain
            L = int(case.lead[ei, si])
            eq(_eq(f"cap_{es}", f"INTEG(arr_{es} - retire_{es}, k0_{es})"))
            eq(_eq(f"rmp_{es}", f"INTEG(rnew_{es} - rmp_{es}, 0)"))
            eq(_eq(f"xp_{es}", f"INTEG(q_{es}, x0_{es})"))
            eq(_eq(f"pl_{es}", f"INTEG(ord_{es} - arr_{es}, 0)"))
            for j in range(1, L):
                src = f"ord_{es}" if j == 1 else f"dly{j - 1}_{es}"
                eq(_eq(f"dly{j}_{es}", f"INTEG({src} - dly{j}_{es}, 0)"))
            eq(_eq(f"arr_{es}", f"dly{L - 1}_{es}"))
            eq(_eq(f"retire_{es}", f"cap_{es} / MAX(life_{s}, 1)"))
            eq(_eq(f"rnew_{es}", f"MIN(MAX(rmp_{es} - rmp_{es} / MAX(ramp_{s}, 1) - MIN(retire_{es}, rmp_{es}), 0) + arr_{es}, "
                                 f"MAX(cap_{es} - retire_{es}, 0) + arr_{es})"))
            eq(_eq(f"learn_{es}", f"(MAX(xp_{es}, x0_{es}) / x0_{es}) ^ (-b_{es})"))
            eq(_eq(f"av_{es}", f"MAX(u * (cap_{es} - 0.5 * rmp_{es}), 0)"))
            eq(_eq(f"ord_{es}", f"resp * MAX((q_{es} + won_{es}) * (1 + g) ^ {L} / u - cap_{es} * (1 - 1 / life_{s}) ^ {L} - pl_{es}, 0)"))
        eq(_eq(f"cost_{e}_cell", f"c0_{e} * learn_{e}_cell"))
        eq(_eq(f"cost_{e}_pack", f"conv_{e} * learn_{e}_pack + a * cost_{e}_cell"))
        eq(_eq(f"dem_{e}_pack", f"d0_{e} * (1 + g) ^ Time"))
        eq(_eq(f"dem_{e}_cell", f"a * q_{e}_pack"))
    for s in STAGES:
        eq(_eq(f"capsum_{s}", " + ".join(f"av_{e}_{s}" for e in EC)))
        for m in EC:
            for e in EC:
                freight = f" + tr_{s}" if m != e else ""
                eq(_eq(f"dv_{m}_{e}_{s}", f"cost_{e}_{s} * (1 + tariff_{m}_{e}_{s}){freight}"))
            weighted = " + ".join(f"av_{e}_{s} * dv_{m}_{e}_{s}" for e in EC)
            plain = " + ".join(f"dv_{m}_{e}_{s}" for e in EC)
            eq(_eq(f"mn_{m}_{s}", f"IF THEN ELSE(capsum_{s} > 0, ({weighted}) / capsum_{s}, ({plain}) / {len(EC)})"))
            eq(_eq(f"mp_{m}_{s}", f"IF THEN ELSE(mn_{m}_{s} > 0, mn_{m}_{s}, 1)"))
            for e in EC:
                eq(_eq(f"pf_{m}_{e}_{s}", f"EXP(-lam_{s} * dv_{m}_{e}_{s} / mp_{m}_{s})"))
                eq(_eq(f"w0_{m}_{e}_{s}", f"pf_{m}_{e}_{s} * av_{e}_{s}"))
                eq(_eq(f"ww_{m}_{e}_{s}", f"pf_{m}_{e}_{s} * (av_{e}_{s} + 1)"))
            eq(_eq(f"wt_{m}_{s}", " + ".join(f"ww_{m}_{e}_{s}" for e in EC)))
        # the spill allocation, round by round
        for r in range(ROUNDS):
            def hd(e: str, r: int = r, s: str = s) -> str:  # headroom at the start of round r
                return f"av_{e}_{s}" if r == 0 else f"hd{r}_{e}_{s}"

            def rm(m: str, r: int = r, s: str = s) -> str:  # demand still unserved at round r
                return f"dem_{m}_{s}" if r == 0 else f"rm{r}_{m}_{s}"

            for m in EC:
                for e in EC:
                    w = f"w0_{m}_{e}_{s}" if r == 0 else f"w0_{m}_{e}_{s} * IF THEN ELSE({hd(e)} > 0, 1, 0)"
                    eq(_eq(f"w{r}r_{m}_{e}_{s}", w))
                eq(_eq(f"tt{r}_{m}_{s}", " + ".join(f"w{r}r_{m}_{e}_{s}" for e in EC)))
                for e in EC:
                    eq(_eq(f"al{r}_{m}_{e}_{s}", f"{rm(m)} * (w{r}r_{m}_{e}_{s} / IF THEN ELSE(tt{r}_{m}_{s} > 0, tt{r}_{m}_{s}, 1))"))
            for e in EC:
                eq(_eq(f"ld{r}_{e}_{s}", " + ".join(f"al{r}_{m}_{e}_{s}" for m in EC)))
                eq(_eq(f"sc{r}_{e}_{s}", f"IF THEN ELSE(ld{r}_{e}_{s} > {hd(e)}, {hd(e)} / ld{r}_{e}_{s}, 1)"))
                for m in EC:
                    eq(_eq(f"bb{r}_{m}_{e}_{s}", f"al{r}_{m}_{e}_{s} * sc{r}_{e}_{s}"))
            for m in EC:
                taken = " + ".join(f"bb{r}_{m}_{e}_{s}" for e in EC)
                eq(_eq(f"rx{r}_{m}_{s}", f"MAX({rm(m)} - ({taken}), 0)"))
                eq(_eq(f"rm{r + 1}_{m}_{s}", f"IF THEN ELSE(rx{r}_{m}_{s} <= settled * dem_{m}_{s}, 0, rx{r}_{m}_{s})"))
            for e in EC:
                taken = " + ".join(f"bb{r}_{m}_{e}_{s}" for m in EC)
                eq(_eq(f"hx{r}_{e}_{s}", f"MAX({hd(e)} - ({taken}), 0)"))
                eq(_eq(f"hd{r + 1}_{e}_{s}", f"IF THEN ELSE(hx{r}_{e}_{s} <= settled * av_{e}_{s}, 0, hx{r}_{e}_{s})"))
        for e in EC:
            eq(_eq(f"q_{e}_{s}", " + ".join(f"bb{r}_{m}_{e}_{s}" for r in range(ROUNDS) for m in EC)))
            won = " + ".join(f"rm{ROUNDS}_{m}_{s} * IF THEN ELSE(wt_{m}_{s} > 0, ww_{m}_{e}_{s} / wt_{m}_{s}, 0)" for m in EC)
            eq(_eq(f"won_{e}_{s}", won))
    eq("********************************************************\n\t.Control\n********************************************************~\n\t\tSimulation Control Parameters\n\t|\n\n")
    eq(_eq("FINAL TIME", str(case.years - 1), "Year"))
    eq(_eq("INITIAL TIME", "0", "Year"))
    eq(_eq("SAVEPER", "1", "Year"))
    eq(_eq("TIME STEP", "1", "Year"))
    path.write_text("".join(out), encoding="utf-8")
    return path


def load_pysd(case: Case, folder: Path):
    """Translate the generated model with PySD (once) and load it."""
    import pysd

    return pysd.read_vensim(str(write_mdl(case, folder / "reduced_chain.mdl")))


def run_pysd(model, case: Case, draw: int = 0) -> dict[str, np.ndarray]:
    """Run one draw; (T, E, S) production, capacity and unit cost."""
    cols = {"production": "q", "capacity": "cap", "unit_cost": "cost"}
    names = [f"{v}_{e}_{s}" for v in cols.values() for e in EC for s in STAGES]
    df = model.run(params={"b_scale": float(case.b_scale[draw])}, return_columns=names, progress=False)
    out = {}
    for key, v in cols.items():
        arr = np.zeros((case.years, len(EC), len(STAGES)))
        for ei, e in enumerate(EC):
            for si, s in enumerate(STAGES):
                arr[:, ei, si] = df[f"{v}_{e}_{s}"].to_numpy()
        out[key] = arr
    return out
