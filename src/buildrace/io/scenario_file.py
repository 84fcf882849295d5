"""Read scenario files (YAML): validate with pydantic, report errors with file, line and key.

A scenario file may start from another with ``extends: NAME`` (a built-in scenario or a
path relative to the file): its keys override the parent's, ``policies`` are appended to
the parent's, and ``parameters`` merge key by key.
"""

from __future__ import annotations

from importlib import resources
from pathlib import Path
from typing import Any

import yaml
from pydantic import ValidationError

from buildrace.errors import InputError
from buildrace.model.scenario import Scenario

MAX_FILE_BYTES = 2_000_000
MAX_EXTENDS_DEPTH = 8


def builtin_names() -> tuple[str, ...]:
    folder = resources.files("buildrace.scenarios")
    return tuple(sorted(p.name[:-5] for p in folder.iterdir() if p.name.endswith(".yaml")))


def _builtin_text(name: str) -> str:
    return resources.files("buildrace.scenarios").joinpath(f"{name}.yaml").read_text(encoding="utf-8")


def _line_of(node: yaml.Node | None, loc: tuple) -> int | None:
    """Line (1-based) of the YAML node at pydantic location ``loc``, as deep as it resolves."""
    line = node.start_mark.line + 1 if node is not None else None
    for key in loc:
        if isinstance(node, yaml.MappingNode):
            match = next((v for k, v in node.value if getattr(k, "value", None) == str(key)), None)
            if match is None:
                continue  # the union tag (e.g. 'tariff') or a missing key: stay on this node
            node = match
        elif isinstance(node, yaml.SequenceNode) and isinstance(key, int) and key < len(node.value):
            node = node.value[key]
        else:
            continue  # pydantic adds the union tag (e.g. 'tariff') to the path: skip it
        line = node.start_mark.line + 1
    return line


def _parse(text: str, source: str) -> tuple[dict, yaml.Node | None]:
    try:
        node = yaml.compose(text, Loader=yaml.SafeLoader)
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"{source}:{mark.line + 1}" if mark else source
        problem = getattr(exc, "problem", None) or str(exc)
        raise InputError(f"{where}: malformed YAML ({problem}); check indentation and quoting") from None
    if data is None:
        data = {}
    if not isinstance(data, dict):
        raise InputError(f"{source}:1: a scenario file must be a mapping of keys (name:, policies:, ...)")
    return data, node


def _merge(parent: dict, child: dict) -> dict:
    out = dict(parent)
    for key, value in child.items():
        if key == "policies":
            out["policies"] = list(parent.get("policies") or []) + list(value or [])
        elif key == "parameters" and isinstance(value, dict):
            merged = dict(parent.get("parameters") or {})
            for k, v in value.items():
                merged[k] = {**(merged.get(k) or {}), **v} if isinstance(v, dict) else v
            out["parameters"] = merged
        else:
            out[key] = value
    out.pop("extends", None)
    return out


def _resolve(data: dict, source: str, base_dir: Path | None, depth: int) -> dict:
    parent_name = data.get("extends")
    if parent_name is None:
        return data
    if depth > MAX_EXTENDS_DEPTH:
        raise InputError(f"{source}: 'extends' chain deeper than {MAX_EXTENDS_DEPTH}; is there a cycle?")
    if not isinstance(parent_name, str):
        raise InputError(f"{source}: 'extends' must name a scenario (one of {', '.join(builtin_names())}) or a file")
    if parent_name in builtin_names():
        ptext, psource, pdir = _builtin_text(parent_name), f"<built-in {parent_name}>", None
    else:
        path = (base_dir / parent_name) if base_dir else Path(parent_name)
        if not path.is_file():
            raise InputError(
                f"{source}: extends {parent_name!r}, which is neither a built-in scenario"
                f" ({', '.join(builtin_names())}) nor a file"
            )
        ptext, psource, pdir = path.read_text(encoding="utf-8"), str(path), path.parent
    pdata, _ = _parse(ptext, psource)
    pdata = _resolve(pdata, psource, pdir, depth + 1)
    return _merge(pdata, data)


def scenario_from_text(text: str, source: str = "<scenario>", base_dir: Path | None = None) -> Scenario:
    """Parse, resolve ``extends`` and validate scenario YAML text."""
    data, node = _parse(text, source)
    own_policies = len(data.get("policies") or []) if isinstance(data.get("policies"), list) else 0
    resolved = _resolve(data, source, base_dir, 0)
    n_inherited = len(resolved.get("policies") or []) - own_policies
    try:
        return Scenario.model_validate(resolved)
    except ValidationError as exc:
        err = exc.errors()[0]
        loc = tuple(err["loc"])
        shown_loc = loc
        if loc and loc[0] == "policies" and len(loc) > 1 and isinstance(loc[1], int):
            if loc[1] < n_inherited:
                source = f"{source} (inherited via extends)"
                node = None
            else:
                shown_loc = ("policies", loc[1] - n_inherited) + loc[2:]
        line = _line_of(node, shown_loc) if node is not None else None
        key = ".".join(str(k) for k in loc)
        where = f"{source}:{line}" if line else source
        msg = err["msg"]
        if err["type"] == "extra_forbidden":
            msg = "unknown key; remove it or check its spelling (see `buildrace levers` for lever fields)"
        elif err["type"] == "union_tag_invalid":
            from buildrace.model.levers import LEVER_MODELS

            msg = f"unknown lever; valid levers: {', '.join(sorted(LEVER_MODELS))}"
        elif err["type"] == "union_tag_not_found":
            msg = "each policy needs a 'lever:' key naming its kind (see `buildrace levers`)"
        extra = len(exc.errors()) - 1
        more = f" (and {extra} more problem{'s' if extra > 1 else ''})" if extra else ""
        raise InputError(f"{where}: {key}: {msg}{more}") from None


def read_scenario(path: str | Path) -> Scenario:
    """Read a scenario file."""
    p = Path(path)
    if not p.is_file():
        raise InputError(f"{p}: no such scenario file; built-in scenarios: {', '.join(builtin_names())}")
    if p.stat().st_size > MAX_FILE_BYTES:
        raise InputError(f"{p}: file larger than {MAX_FILE_BYTES} bytes; a scenario file is a few KB")
    try:
        text = p.read_text(encoding="utf-8")
    except UnicodeDecodeError:
        raise InputError(f"{p}: not UTF-8 text; save the scenario as UTF-8 YAML") from None
    return scenario_from_text(text, str(p), p.parent)


def load_scenario(name_or_path: str | Path) -> Scenario:
    """A built-in scenario by name, or a scenario file by path."""
    name = str(name_or_path)
    if name in builtin_names():
        return scenario_from_text(_builtin_text(name), f"<built-in {name}>")
    if name.endswith((".yaml", ".yml")) or Path(name).exists():
        return read_scenario(name)
    raise InputError(f"unknown scenario {name!r}: not a built-in ({', '.join(builtin_names())}) nor a .yaml file")


def scenario_to_yaml(scenario: Scenario) -> str:
    data: dict[str, Any] = scenario.model_dump(mode="json", exclude_defaults=False)
    data["policies"] = [
        {k: v for k, v in p.items() if v not in (None, [], {}, "")} for p in data["policies"]
    ]
    return yaml.safe_dump(data, sort_keys=False, allow_unicode=True)


__all__ = ["builtin_names", "load_scenario", "read_scenario", "scenario_from_text", "scenario_to_yaml"]
