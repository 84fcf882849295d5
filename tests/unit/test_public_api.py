"""The package's curated public names: sorted, importable, documented."""

from __future__ import annotations

import buildrace


def test_all_is_sorted_and_unique():
    names = [n for n in buildrace.__all__ if n != "__version__"]
    assert names == sorted(names, key=str.lower) or names == sorted(names)
    assert len(set(buildrace.__all__)) == len(buildrace.__all__)


def test_every_public_name_resolves_and_has_a_docstring():
    for name in buildrace.__all__:
        obj = getattr(buildrace, name)
        if name != "__version__":
            assert (obj.__doc__ or "").strip(), f"{name} has no docstring"


def test_importing_the_package_does_not_import_plotting_or_dask():
    import subprocess
    import sys

    code = "import sys, buildrace; print(any(m.split('.')[0] in ('matplotlib', 'dask', 'rich') for m in sys.modules))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"
