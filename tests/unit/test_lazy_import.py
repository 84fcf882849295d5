"""``import buildrace`` stays light: the heavy libraries load on first use of a verb."""

from __future__ import annotations

import subprocess
import sys

HEAVY = ("numpy", "pandas", "xarray", "pydantic", "numba", "yaml")


def _modules_after(code: str) -> set[str]:
    out = subprocess.run([sys.executable, "-c", f"{code}\nimport sys\nprint(' '.join(sys.modules))"],
                         capture_output=True, text=True, check=True)
    return set(out.stdout.split())


def test_import_buildrace_loads_no_heavy_library():
    loaded = _modules_after("import buildrace")
    assert not loaded & set(HEAVY), f"import buildrace loaded {sorted(loaded & set(HEAVY))}"


def test_public_names_resolve_on_first_use():
    import buildrace

    assert callable(buildrace.simulate) and buildrace.Scenario.__name__ == "Scenario"
    assert {"simulate", "race", "Scenario"} <= set(dir(buildrace))


def test_engine_choice_loads_numba_only_when_compiled_kernels_run():
    loaded = _modules_after("import os; os.environ['BUILDRACE_ENGINE'] = 'numpy'\nfrom buildrace import api\napi.simulate('race')")
    assert "numba" not in loaded


def test_command_line_parser_loads_no_heavy_library():
    loaded = _modules_after("from buildrace.cli.main import build_parser\nbuild_parser().format_help()")
    assert not loaded & set(HEAVY), f"building the CLI parser loaded {sorted(loaded & set(HEAVY))}"
