"""RCA, proximity, density and complexity against hand-worked cases and ecomplexity."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from buildrace.siting import advantage as adv
from buildrace.siting.data import employment_matrix


def _toy() -> pd.DataFrame:
    # 3 sites x 3 industries, small enough to work by hand.
    return pd.DataFrame(
        [[10.0, 0.0, 0.0], [10.0, 10.0, 0.0], [10.0, 10.0, 10.0]],
        index=["A", "B", "C"],
        columns=[1, 2, 3],
    )


def test_rca_by_hand():
    r = adv.rca(_toy())
    # Totals: rows 10, 20, 30; columns 30, 20, 10; grand 60.
    # RCA[A,1] = (10/10) / (30/60) = 2; RCA[C,3] = (10/30) / (10/60) = 2; RCA[B,2] = (10/20)/(20/60) = 1.5
    assert r.loc["A", 1] == pytest.approx(2.0)
    assert r.loc["C", 3] == pytest.approx(2.0)
    assert r.loc["B", 2] == pytest.approx(1.5)
    assert r.loc["A", 2] == 0.0


def test_group_lq_equals_rca_of_merged_column():
    x = _toy()
    merged = pd.DataFrame({"g": x[1] + x[2], "rest": x[3]})
    assert np.allclose(adv.group_location_quotient(x, [1, 2]), adv.rca(merged)["g"])


def test_proximity_and_density_by_hand():
    m = adv.presence(adv.rca(_toy()))
    # RCA >= 1 gives M: A={1}, B={1,2} (RCA B,1 = (10/20)/(30/60) = 1), C={2,3}
    # (RCA C,1 = 2/3 < 1; RCA C,2 = (10/30)/(20/60) = 1).
    assert m.loc["B", 1] == 1.0 and m.loc["C", 1] == 0.0 and m.loc["C", 2] == 1.0
    phi = adv.proximity(m)
    # ubiquity k = [2, 2, 1]; co(1,2) = 1 (B) -> 1/max(2,2) = 0.5; co(2,3) = 1 (C) -> 1/max(2,1)
    assert phi.loc[1, 2] == pytest.approx(0.5)
    assert phi.loc[2, 3] == pytest.approx(0.5)
    assert phi.loc[1, 3] == 0.0
    dens = adv.relatedness_density(m, phi)
    # omega[A, 3] = sum_j M[A,j] phi[3,j] / sum_j phi[3,j] = 0 / (0 + 0.5 + 1) = 0
    assert dens.loc["A", 3] == 0.0
    # omega[B, 3] = (phi[3,1] + phi[3,2]) / (0 + 0.5 + 1) = 1/3
    assert dens.loc["B", 3] == pytest.approx(1 / 3)


def test_eci_nested_matrix_orders_by_diversity():
    # A perfectly nested matrix: complexity must rank the most diverse site first.
    m = pd.DataFrame(
        [[1, 1, 1, 1], [1, 1, 1, 0], [1, 1, 0, 0], [1, 0, 0, 0]],
        index=list("abcd"),
        columns=list("wxyz"),
        dtype=float,
    )
    eci, pci = adv.complexity(m)
    assert list(eci.sort_values(ascending=False).index) == list("abcd")
    assert eci.mean() == pytest.approx(0.0, abs=1e-12)
    assert eci.std(ddof=0) == pytest.approx(1.0)
    assert pci["z"] > pci["w"]


@pytest.fixture(scope="module")
def ecomplexity_output():
    ecomplexity = pytest.importorskip(
        "ecomplexity", reason="independent check needs `pip install ecomplexity`"
    )
    x = employment_matrix()
    long = x.stack().rename("emp").reset_index()
    long.columns = ["site", "naics", "emp"]
    long["year"] = 2021
    cols = {"time": "year", "loc": "site", "prod": "naics", "val": "emp"}
    with pytest.MonkeyPatch.context():
        import contextlib
        import io
        import warnings

        with warnings.catch_warnings(), contextlib.redirect_stdout(io.StringIO()):
            warnings.simplefilter("ignore")
            out = ecomplexity.ecomplexity(long, cols, presence_test="rca")
    return x, out


def test_agrees_with_ecomplexity_on_state_naics_matrix(ecomplexity_output):
    x, out = ecomplexity_output
    r = adv.rca(x)
    ref_rca = out.pivot(index="site", columns="naics", values="rca").reindex(
        index=x.index, columns=x.columns
    )
    assert np.allclose(r.to_numpy(), ref_rca.to_numpy(), atol=1e-9)
    m = adv.presence(r)
    dens = adv.relatedness_density(m)
    ref_d = out.pivot(index="site", columns="naics", values="density").reindex(
        index=x.index, columns=x.columns
    )
    assert np.allclose(dens.to_numpy(), ref_d.to_numpy(), atol=1e-9)
    eci, pci = adv.complexity(m)
    ref_eci = out.groupby("site")["eci"].first().reindex(x.index)
    assert np.allclose(eci.to_numpy(), ref_eci.to_numpy(), atol=1e-8)
    # ecomplexity rescales PCI with ECI's moments; the ordering must agree exactly.
    ref_pci = out.groupby("naics")["pci"].first().reindex(x.columns)
    ok = pci.notna()
    assert np.corrcoef(pci[ok], ref_pci[ok])[0, 1] > 0.9999
