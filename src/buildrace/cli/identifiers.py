"""``buildrace stages``, ``buildrace economies``, ``buildrace scenarios``, ``buildrace levers``."""

from __future__ import annotations

import argparse
from typing import Any

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
    from buildrace.io.scenario_file import builtin_names, load_scenario

    data: list[dict[str, Any]] = []
    for n in builtin_names():
        sc = load_scenario(n)
        data.append({"name": n, "description": " ".join(sc.description.split()), "policies": len(sc.policies), "shocks": len(sc.shocks)})
    if args.json:
        print_json(data)
    else:
        table("Built-in scenarios", ["name", "policies", "description"], [[d["name"], d["policies"], d["description"][:110]] for d in data])
    return 0


def levers(args: argparse.Namespace) -> int:
    from buildrace.model.levers import LEVER_MODELS

    data = []
    for name, model in sorted(LEVER_MODELS.items()):
        schema = model.model_json_schema()
        params = {}
        for field, spec in schema.get("properties", {}).items():
            if field == "lever":
                continue
            info = {k: spec[k] for k in ("type", "default", "minimum", "maximum", "description") if k in spec}
            if "anyOf" in spec:
                info["type"] = " or ".join(a.get("type", "?") for a in spec["anyOf"])
            params[field] = info
        data.append({"lever": name, "description": (model.__doc__ or "").strip().split("\n")[0], "parameters": params,
                     "required": [r for r in schema.get("required", []) if r != "lever"]})
    if args.json:
        print_json(data)
    else:
        table("Policy levers", ["lever", "required", "description"], [[d["lever"], ", ".join(d["required"]), d["description"]] for d in data])
    return 0
