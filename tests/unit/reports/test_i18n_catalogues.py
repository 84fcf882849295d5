"""Every English catalogue key has a Vietnamese entry (issue 14, item 3).

The dashboard and the reports each ship an ``en.yaml`` and a ``vi.yaml``
catalogue; a key present in English but missing in Vietnamese would make the
Vietnamese view fall back to English text, which is what this test forbids.
"""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

SRC = Path(__file__).resolve().parents[3] / "src" / "buildrace"
CATALOGUE_DIRS = [SRC / "web" / "locales", SRC / "reports" / "locales"]


def _flat_keys(node: dict, prefix: str = "") -> dict[str, object]:
    """Flatten nested catalogue mappings into dotted keys mapped to leaf values."""
    out: dict[str, object] = {}
    for key, value in node.items():
        if isinstance(value, dict):
            out.update(_flat_keys(value, f"{prefix}{key}."))
        else:
            out[f"{prefix}{key}"] = value
    return out


@pytest.mark.parametrize("folder", CATALOGUE_DIRS, ids=lambda p: p.parent.name)
def test_every_english_key_has_a_vietnamese_entry(folder: Path) -> None:
    en = _flat_keys(yaml.safe_load((folder / "en.yaml").read_text(encoding="utf-8")))
    vi = _flat_keys(yaml.safe_load((folder / "vi.yaml").read_text(encoding="utf-8")))
    assert en, f"{folder / 'en.yaml'} is empty"
    missing = sorted(set(en) - set(vi))
    assert not missing, f"{folder / 'vi.yaml'} lacks keys: {missing}"
    empty = sorted(k for k in en if isinstance(vi.get(k), str) and not vi[k].strip())
    assert not empty, f"{folder / 'vi.yaml'} has empty entries: {empty}"
