"""Read scenario files (YAML): validate with pydantic, report errors with file, line and key.

A scenario file may start from another with ``extends: NAME`` (a built-in scenario or a
path relative to the file): its keys override the parent's, ``policies`` are appended to
the parent's, and ``parameters`` merge key by key.
"""

from __future__ import annotations

import copy
import re
from functools import cache, lru_cache
from importlib import resources
from pathlib import Path
from typing import Any

import yaml
from pydantic import ValidationError

from buildrace.errors import InputError
from buildrace.model.scenario import Scenario
from buildrace.model.world import World

MAX_FILE_BYTES = 2_000_000
MAX_EXTENDS_DEPTH = 8
PARSE_CACHE_SIZE = 64
"""Distinct scenario texts whose parse is kept (built-ins and a session's own files)."""

# libyaml's loader when present: ~10x faster than the pure-Python one, with the same
# node marks (line and column), so error messages keep their file:line
_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


@lru_cache(maxsize=1)
def builtin_names() -> tuple[str, ...]:
    """Names of the built-in scenarios (the package's files do not change while it runs)."""
    folder = resources.files("buildrace.scenarios")
    return tuple(sorted(p.name[:-5] for p in folder.iterdir() if p.name.endswith(".yaml")))


@cache
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


@lru_cache(maxsize=PARSE_CACHE_SIZE)
def _compose(text: str) -> tuple[Any, yaml.Node | None]:
    """Parse YAML text once into (data, node): the node tree keeps each key's line for
    error messages, the data is constructed from that same tree (one parse, not two).

    Cached by content: a scenario and its reference, or a built-in that others extend,
    are parsed once per process. Callers get a deep copy of the data (see :func:`_parse`).
    """
    loader = _LOADER(text)
    try:
        node = loader.get_single_node()
        data = loader.construct_document(node) if node is not None else None
    finally:
        loader.dispose()
    return data, node


MAX_NESTING = 32
"""Deepest nesting of mappings and lists a scenario file may have (the deepest real
one, a scheduled lever's stage list, nests five levels)."""
_TOO_DEEP = f"nested more than {MAX_NESTING} levels deep; a scenario file is a mapping of levers a few levels deep"


def _check_nesting(node: yaml.Node | None, source: str) -> None:
    """Refuse trees nested deeper than :data:`MAX_NESTING`, naming the line where the
    limit is crossed. Walks the node tree without recursion, so that a file nested
    thousands of levels deep gets this one line, not a RecursionError."""
    stack = [(node, 1)] if node is not None else []
    while stack:
        here, depth = stack.pop()
        if depth > MAX_NESTING:
            raise InputError(f"{source}:{here.start_mark.line + 1}: {_TOO_DEEP}")
        if isinstance(here, yaml.MappingNode):
            stack.extend((v, depth + 1) for _, v in here.value)
        elif isinstance(here, yaml.SequenceNode):
            stack.extend((v, depth + 1) for v in here.value)


def _parse(text: str, source: str) -> tuple[dict, yaml.Node | None]:
    try:
        cached, node = _compose(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"{source}:{mark.line + 1}" if mark else source
        problem = getattr(exc, "problem", None) or str(exc)
        raise InputError(f"{where}: malformed YAML ({problem}); check indentation and quoting") from None
    except RecursionError:  # the pure-Python loader recurses once per level
        raise InputError(f"{source}: {_TOO_DEEP}") from None
    _check_nesting(node, source)
    data = copy.deepcopy(cached)  # merged and validated downstream: the cache stays pristine
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


def scenario_from_text(
    text: str, source: str = "<scenario>", base_dir: Path | None = None, world: World | None = None
) -> Scenario:
    """Parse, resolve ``extends`` and validate scenario YAML text (identifiers are checked
    against ``world``, or the scenario's embedded world)."""
    data, node = _parse(text, source)
    own_policies = len(data.get("policies") or []) if isinstance(data.get("policies"), list) else 0
    resolved = _resolve(data, source, base_dir, 0)
    n_inherited = len(resolved.get("policies") or []) - own_policies
    try:
        scenario = Scenario.model_validate(resolved)
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
        # keys count the file's own policies (what the user sees in this file)
        key = ".".join(str(k) for k in shown_loc)
        where = f"{source}:{line}" if line else source
        msg = err["msg"]
        if err["type"] == "value_error" and str(err["msg"]).startswith("Value error, end ("):
            loc, shown_loc = loc + ("end",), shown_loc + ("end",)  # point at the end key, not the lever
            line = _line_of(node, shown_loc) if node is not None else None
            key, where = ".".join(str(k) for k in shown_loc), f"{source}:{line}" if line else source
        bad = err.get("input")
        if isinstance(bad, float) and bad != bad:
            raise InputError(f"{where}: {key}: not a number (NaN); give a number") from None
        if err["type"] == "value_error":
            msg = str(msg).removeprefix("Value error, ")
        if err["type"] == "extra_forbidden":
            msg = "unknown key; remove it or check its spelling (see `buildrace levers` for lever fields)"
            fields = _lever_fields(loc)
            if fields:
                msg += f"; valid keys: {', '.join(fields)}"
        elif err["type"] in _RANGE_ERRORS:
            msg += _valid_range(loc)
        elif err["type"] == "union_tag_invalid":
            from buildrace.model.levers import LEVER_MODELS

            msg = f"unknown lever; valid levers: {', '.join(sorted(LEVER_MODELS))}"
        elif err["type"] == "union_tag_not_found":
            msg = "each policy needs a 'lever:' key naming its kind (see `buildrace levers`)"
        extra = len(exc.errors()) - 1
        more = f" (and {extra} more problem{'s' if extra > 1 else ''})" if extra else ""
        raise InputError(f"{where}: {key}: {msg}{more}") from None
    _check_identifiers(scenario, source, node, n_inherited, world)
    return _check_reference(scenario, source, node, base_dir)


def _check_reference(scenario: Scenario, source: str, node: yaml.Node | None, base_dir: Path | None) -> Scenario:
    """The ``reference:`` key names a built-in scenario or an existing file (a relative
    path is read from the scenario file's folder, and stored as an absolute one)."""
    ref = scenario.reference
    if ref is None or ref in builtin_names():
        return scenario
    path = Path(ref) if Path(ref).is_absolute() or base_dir is None else Path(base_dir) / ref
    if path.is_file():
        return scenario.model_copy(update={"reference": str(path.resolve())})
    line = _line_of(node, ("reference",)) if node is not None else None
    where = f"{source}:{line}" if line else source
    raise InputError(
        f"{where}: reference: {ref!r} is neither a built-in scenario ({', '.join(builtin_names())}) nor a scenario"
        " file; name the reference path the race is measured against (default: the world's baseline)"
    )


_RANGE_ERRORS = ("greater_than_equal", "less_than_equal", "greater_than", "less_than", "finite_number")
_CHECK_WHERE = re.compile(r"^policies\[(\d+)\] \((\w+)\)\.(\w+)(?:\[(\d+)\])?: (.*)$", re.S)


def _lever_fields(loc: tuple) -> tuple[str, ...]:
    """The keys a lever accepts, if ``loc`` points inside a lever (``policies.N.LEVER.key``)."""
    from buildrace.model.levers import LEVER_MODELS

    if len(loc) >= 3 and loc[0] == "policies" and loc[2] in LEVER_MODELS:
        return tuple(LEVER_MODELS[loc[2]].model_fields)
    return ()


def _valid_range(loc: tuple) -> str:
    """``; valid: LO to HI`` for a lever field with bounds, else ''."""
    from buildrace.model.checks import bounds_hint
    from buildrace.model.levers import LEVER_MODELS

    if not (len(loc) >= 4 and loc[0] == "policies" and loc[2] in LEVER_MODELS):
        return ""
    info = LEVER_MODELS[loc[2]].model_fields.get(str(loc[3]))
    return bounds_hint(info) if info is not None else ""


def _dotted_keys(node: yaml.Node | None, dotted: str) -> tuple[str, ...]:
    """The mapping keys along ``dotted`` (``parameters.stages.learning_rate.solar_pv.cell``)
    in the YAML ``node``; keys may themselves contain dots (stage names), so each step takes
    the key that matches the longest prefix of what remains."""
    keys: list[str] = []
    rest = dotted
    while rest and isinstance(node, yaml.MappingNode):
        found = [(str(k.value), v) for k, v in node.value if rest == str(k.value) or rest.startswith(f"{k.value}.")]
        if not found:
            break
        key, node = max(found, key=lambda kv: len(kv[0]))
        keys.append(key)
        rest = rest[len(key) + 1:]
    return tuple(keys)


def _check_identifiers(
    scenario: Scenario, source: str, node: yaml.Node | None, n_inherited: int, world: World | None = None
) -> None:
    """Check the names a scenario uses against its embedded world, with file, line and key.

    Scenarios of a world that is not embedded (a test world passed to ``simulate``) are
    checked when they are compiled.
    """
    from buildrace.data import WORLDS
    from buildrace.model.checks import check_scenario
    from buildrace.model.world import load_world

    if world is None and scenario.world not in WORLDS:
        return
    try:
        check_scenario(scenario, world if world is not None else load_world(scenario.world))
    except InputError as exc:
        m = _CHECK_WHERE.match(str(exc))
        if m is None:
            key = str(exc).split(": ", 1)[0]
            line = _line_of(node, _dotted_keys(node, key)) if node is not None and key.startswith("parameters.") else None
            raise InputError(f"{source}:{line}: {exc}" if line else f"{source}: {exc}") from None
        i, lever, fld, j, msg = int(m[1]), m[2], m[3], m[4], m[5]
        listed = isinstance(getattr(scenario.policies[i], fld, None), (list, tuple))
        loc: tuple = ("policies", i, lever, fld) + ((int(j),) if j is not None and listed else ())
        if i < n_inherited:
            where = f"{source} (inherited via extends)"
        else:
            line = _line_of(node, ("policies", i - n_inherited, fld) + loc[4:]) if node is not None else None
            where = f"{source}:{line}" if line else source
            loc = ("policies", i - n_inherited) + loc[2:]
        raise InputError(f"{where}: {'.'.join(str(k) for k in loc)}: {msg}") from None


def read_scenario(path: str | Path, world: World | None = None) -> Scenario:
    """Read a scenario file (identifiers checked against ``world`` when given)."""
    p = Path(path)
    if not p.is_file():
        raise InputError(f"{p}: no such scenario file; built-in scenarios: {', '.join(builtin_names())}")
    if p.stat().st_size > MAX_FILE_BYTES:
        raise InputError(f"{p}: file larger than {MAX_FILE_BYTES} bytes; a scenario file is a few KB")
    try:
        text = p.read_text(encoding="utf-8")
    except UnicodeDecodeError:
        raise InputError(f"{p}: not UTF-8 text; save the scenario as UTF-8 YAML") from None
    return scenario_from_text(text, str(p), p.parent, world)


def load_scenario(name_or_path: str | Path, world: World | None = None) -> Scenario:
    """A built-in scenario by name, or a scenario file by path (checked against ``world``
    when given, e.g. a custom world passed to :func:`buildrace.api.simulate`)."""
    name = str(name_or_path)
    if name in builtin_names():
        return _builtin_scenario(name)
    if name.endswith((".yaml", ".yml")) or Path(name).exists():
        return read_scenario(name, world)
    raise InputError(f"unknown scenario {name!r}: not a built-in ({', '.join(builtin_names())}) nor a .yaml file")


_builtin_scenarios: dict[tuple[str, str], Scenario] = {}
"""Built-in scenarios already parsed and validated, by name and text."""


def _builtin_scenario(name: str) -> Scenario:
    """A built-in scenario, parsed and checked once per text, handed out as a deep copy.

    A race loads its scenario and the world's baselines on every call (three loads,
    ~15 ms each, mostly validation and the identifier checks); a built-in and the
    built-ins it extends are package data, so the result depends on the text only. The
    copy (~1 ms) keeps a caller that changes a nested value from changing the next load.
    """
    key = (name, _builtin_text(name))
    hit = _builtin_scenarios.get(key)
    if hit is None:
        hit = _builtin_scenarios[key] = scenario_from_text(key[1], f"<built-in {name}>")
    return copy.deepcopy(hit)


YAML_MEMO = 32
"""Scenario texts kept by :func:`scenario_to_yaml` (a race writes two or three per call)."""
_yaml_texts: dict[str, str] = {}


def scenario_to_yaml(scenario: Scenario) -> str:
    """The scenario as YAML text (every field, defaults included), as written into results.

    Memoised on the scenario's ``repr`` (every field, floats exactly; ~0.4 ms against
    ~3.5 ms for the dump): every simulation records its scenario's text.
    """
    key = repr(scenario)
    text = _yaml_texts.get(key)
    if text is None:
        text = _yaml_texts[key] = _to_yaml(scenario)
        while len(_yaml_texts) > YAML_MEMO:
            del _yaml_texts[next(iter(_yaml_texts))]  # the oldest first
    return text


def _to_yaml(scenario: Scenario) -> str:
    data: dict[str, Any] = scenario.model_dump(mode="json", exclude_defaults=False)
    data["policies"] = [
        {k: v for k, v in p.items() if v not in (None, [], {}, "")} for p in data["policies"]
    ]
    # libyaml's dumper when present: the scenario text is written into every result
    dumper = getattr(yaml, "CSafeDumper", yaml.SafeDumper)
    return yaml.dump(data, Dumper=dumper, sort_keys=False, allow_unicode=True)


__all__ = ["builtin_names", "load_scenario", "read_scenario", "scenario_from_text", "scenario_to_yaml"]
