"""``buildrace stages``, ``buildrace economies``, ``buildrace scenarios``, ``buildrace levers``."""

from __future__ import annotations

import argparse

from buildrace.cli._render import print_json, table


def register(subparsers) -> None:
    for name, func, help_ in (
        ("stages", stages, "list stages with units and inputs"),
        ("economies", economies, "list economies and their sites"),
        ("scenarios", scenarios, "list built-in scenarios"),
        ("levers", levers, "list policy levers with their parameters"),
    ):
        p = subparsers.add_parser(name, help=help_)
        p.add_argument("--json", action="store_true", help="print JSON")
        p.add_argument("--world", default="world_2024", help="embedded world (default world_2024)")
        p.set_defaults(func=func)


def stages(args: argparse.Namespace) -> int:
    from buildrace.model.world import load_world

    w = load_world(args.world)
    inputs = w.inputs.groupby("consumer")["input"].apply(list).to_dict()
    data = [
        {"stage": s, "chain": r["sector"], "name": r["name"], "unit": r["unit"], "price_unit": r["price_unit"], "inputs": inputs.get(s, [])}
        for s, r in w.stages.iterrows()
    ]
    if args.json:
        print_json(data)
    else:
        table(f"Stages of {w.name}", ["stage", "name", "unit", "inputs"], [[d["stage"], d["name"], d["unit"], ", ".join(d["inputs"])] for d in data])
    return 0


def economies(args: argparse.Namespace) -> int:
    from buildrace.model.world import load_world

    w = load_world(args.world)
    sites = w.sites.groupby("economy").apply(lambda d: list(d.index), include_groups=False).to_dict()
    data = [{"economy": e, "name": r["name"], "sites": sites.get(e, [])} for e, r in w.economies.iterrows()]
    if args.json:
        print_json(data)
    else:
        table(f"Economies of {w.name}", ["economy", "name", "sites"], [[d["economy"], d["name"], " ".join(d["sites"])] for d in data])
    return 0


def scenarios(args: argparse.Namespace) -> int:
    from buildrace import api

    data = api.scenarios()
    if args.json:
        print_json(data)
    else:
        table("Built-in scenarios", ["name", "policies", "description"], [[d["name"], d["policies"], d["description"][:110]] for d in data])
    return 0


def levers(args: argparse.Namespace) -> int:
    from buildrace import api

    data = api.levers()
    if args.json:
        print_json(data)
    else:
        rows = [[d["lever"], d["description"], _parameters(d)] for d in data]
        table("Policy levers (--json for units and descriptions of every parameter)", ["lever", "what it does", "parameters (* required)"], rows)
    return 0


def _parameters(lever: dict) -> str:
    """``rate* [0..10]``, ``permit_cut [0..1] = 0.5``: one lever's parameters in a line."""
    parts = []
    for name, info in lever["parameters"].items():
        if name in ("note", "phase", "end"):
            continue
        text = name + ("*" if name in lever["required"] else "")
        if "minimum" in info or "maximum" in info:
            text += f" [{info.get('minimum', '')}..{info.get('maximum', '')}]"
        if info.get("default") not in (None, [], {}, ""):
            text += f" = {info['default']}"
        parts.append(text)
    return ", ".join(parts)
