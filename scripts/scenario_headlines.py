"""Print the headline race metrics of every built-in scenario with a shock.

For each built-in scenario that has a shock (``baseline`` and ``baseline_2018`` have
none and are skipped), runs ``buildrace.api.race(name, draws=1, seed=0)`` and prints one
Markdown table, one column per scenario (``race`` first, then the others in the order
``buildrace scenarios`` lists them), with:

* the verdict per chain: the winner, the years after the shock until the US
  substitutes the chain, and the years until China redirects its output ("never" when
  not by the horizon);
* the US share of world output in the last year (2050) at LFP cells, packs, solar
  modules, sintered magnets and EV assembly;
* the US/China unit-cost gap in 2050 at packs, solar modules and sintered magnets.

The output is deterministic (one draw, seed 0) and depends only on the code and data
of the checkout it runs in; below the table it prints the buildrace version and the
git commit. Run from the repository root::

    python scripts/scenario_headlines.py

It takes a few seconds.
"""

from __future__ import annotations

import subprocess
from pathlib import Path

import buildrace
from buildrace import api
from buildrace.io.scenario_file import builtin_names, load_scenario

DRAWS = 1
SEED = 0
YEAR = "2050"
REFERENCE = "race"
CHAINS = [
    ("li_ion_battery", "Batteries"),
    ("solar_pv", "Solar"),
    ("ndfeb_magnet", "Magnets"),
    ("ev", "EVs"),
]
SHARE_STAGES = [
    ("li_ion_battery.cell_lfp", "LFP cells"),
    ("li_ion_battery.pack", "packs"),
    ("solar_pv.module", "solar modules"),
    ("ndfeb_magnet.magnet_sintered", "sintered magnets"),
    ("ev.assembly", "EV assembly"),
]
GAP_STAGES = [
    ("li_ion_battery.pack", "packs"),
    ("solar_pv.module", "solar modules"),
    ("ndfeb_magnet.magnet_sintered", "sintered magnets"),
]


def shocked_scenarios() -> list[str]:
    """Built-in scenarios with at least one shock, the reference race first."""
    names = [n for n in builtin_names() if load_scenario(n).shocks]
    return sorted(names, key=lambda n: n != REFERENCE)


def years(v: float | None) -> str:
    return "never" if v is None else f"{v:g}"


def pct(v: float | None) -> str:
    return "n/a" if v is None else f"{100 * v:.2f}%"


def ratio(v: float | None) -> str:
    return "n/a" if v is None else f"{v:.2f}"


def rows_for(summary: dict) -> list[str]:
    """One cell per table row, in the order of :func:`row_labels`."""
    cells = []
    for chain, _ in CHAINS:
        v = summary["verdict"][chain]
        cells += [v["winner"], years(v["US_substitution_years"]), years(v["CN_redirection_years"])]
    us = summary["shares"]["US"]
    cells += [pct(us[s][YEAR]) for s, _ in SHARE_STAGES]
    cells += [ratio(summary["cost_gap"][s][YEAR]) for s, _ in GAP_STAGES]
    return cells


def row_labels() -> list[str]:
    labels = []
    for _, name in CHAINS:
        labels += [
            f"{name}: winner",
            f"{name}: US substitution (years)",
            f"{name}: CN redirection (years)",
        ]
    labels += [f"US share {YEAR}: {name}" for _, name in SHARE_STAGES]
    labels += [f"Cost gap US/CN {YEAR}: {name}" for _, name in GAP_STAGES]
    return labels


def commit() -> str:
    """Short hash of HEAD, flagged when the code under src/ differs from it."""
    root = Path(__file__).resolve().parent.parent

    def git(*args: str) -> subprocess.CompletedProcess:
        return subprocess.run(["git", *args], cwd=root, capture_output=True, text=True)

    try:
        head = git("rev-parse", "--short", "HEAD")
        if head.returncode != 0:
            return "unknown"
        dirty = git("diff", "--quiet", "HEAD", "--", "src").returncode != 0
    except OSError:
        return "unknown"
    return head.stdout.strip() + (" with uncommitted changes under src/" if dirty else "")


def main() -> None:
    names = shocked_scenarios()
    columns = []
    for n in names:
        s = api.race(n, draws=DRAWS, seed=SEED).summary
        if s["end_year"] != int(YEAR):
            raise SystemExit(f"{n}: horizon ends in {s['end_year']}, not {YEAR}")
        columns.append(rows_for(s))
    print("| | " + " | ".join(f"`{n}`" for n in names) + " |")
    print("|---|" + "---|" * len(names))
    for i, label in enumerate(row_labels()):
        print(f"| {label} | " + " | ".join(col[i] for col in columns) + " |")
    print()
    print(
        f"buildrace {buildrace.__version__}, commit {commit()}; api.race(name, draws={DRAWS}, seed={SEED})."
    )


if __name__ == "__main__":
    main()
