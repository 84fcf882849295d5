"""Comparative advantage on a site x industry matrix: RCA, relatedness, complexity.

Pure functions of a non-negative activity matrix (rows: sites, columns: industries;
here CBP employment by state and 3-digit NAICS). They follow the economic-complexity
literature:

- revealed comparative advantage / location quotient: Balassa (1965),
  doi:10.1111/j.1467-9957.1965.tb00050.x;
- proximity and relatedness density: Hidalgo, Klinger, Barabasi & Hausmann (2007),
  doi:10.1126/science.1144581;
- economic complexity index (method of reflections as an eigenproblem): Hidalgo &
  Hausmann (2009), doi:10.1073/pnas.0900943106, in the eigenvector form of
  Mealy, Farmer & Teytelboym (2019), doi:10.1126/sciadv.aau1705.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd


def rca(activity: pd.DataFrame) -> pd.DataFrame:
    """Balassa's revealed comparative advantage (the location quotient for employment).

    ``RCA[s, i] = (X[s, i] / X[s, :].sum()) / (X[:, i].sum() / X.sum())``.

    Parameters
    ----------
    activity
        Non-negative site x industry matrix. Rows or columns that sum to zero get RCA 0.

    Returns
    -------
    pandas.DataFrame
        Same shape and labels.
    """
    x = activity.to_numpy(float)
    row = x.sum(axis=1, keepdims=True)
    col = x.sum(axis=0, keepdims=True)
    expected = row * col / x.sum()
    out = np.divide(x, expected, out=np.zeros_like(x), where=expected > 0)
    return pd.DataFrame(out, index=activity.index, columns=activity.columns)


def group_location_quotient(activity: pd.DataFrame, industries: Sequence) -> pd.Series:
    """Location quotient of a group of industries taken together.

    ``LQ[s] = (sum_{i in G} X[s, i] / X[s, :].sum()) / (sum_{i in G} X[:, i].sum() / X.sum())``,
    i.e. Balassa's RCA of the group as one industry.
    """
    x = activity.to_numpy(float)
    cols = activity.columns.isin(list(industries))
    group = x[:, cols].sum(axis=1)
    total = x.sum(axis=1)
    national = group.sum() / x.sum()
    share = np.divide(group, total, out=np.zeros_like(group), where=total > 0)
    return pd.Series(share / national if national > 0 else 0.0 * share, index=activity.index)


def presence(rca_matrix: pd.DataFrame, threshold: float = 1.0) -> pd.DataFrame:
    """Binary specialisation matrix ``M[s, i] = 1 if RCA[s, i] >= threshold``."""
    return (rca_matrix >= threshold).astype(float)


def proximity(m: pd.DataFrame) -> pd.DataFrame:
    """Industry-industry proximity (Hidalgo et al. 2007).

    ``phi[i, j] = sum_s M[s, i] M[s, j] / max(k_i, k_j)`` with ubiquity ``k_i = sum_s M[s, i]``:
    the smaller of the two conditional probabilities that a site specialised in one
    industry is specialised in the other. The diagonal is 1 for present industries.
    """
    x = m.to_numpy(float)
    co = x.T @ x
    k = x.sum(axis=0)
    denom = np.maximum.outer(k, k)
    phi = np.divide(co, denom, out=np.zeros_like(co), where=denom > 0)
    return pd.DataFrame(phi, index=m.columns, columns=m.columns)


def relatedness_density(m: pd.DataFrame, phi: pd.DataFrame | None = None) -> pd.DataFrame:
    """Relatedness density (Hidalgo et al. 2007), in [0, 1].

    ``omega[s, i] = sum_j M[s, j] phi[i, j] / sum_j phi[i, j]``: how much of what
    industry i is related to is already present at site s.
    """
    phi = proximity(m) if phi is None else phi
    p = phi.to_numpy(float)
    num = m.to_numpy(float) @ p.T
    den = p.sum(axis=1)
    out = np.divide(num, den[None, :], out=np.zeros_like(num), where=den[None, :] > 0)
    return pd.DataFrame(out, index=m.index, columns=m.columns)


def complexity(m: pd.DataFrame) -> tuple[pd.Series, pd.Series]:
    """Economic complexity index of sites and product complexity index of industries.

    Hidalgo & Hausmann (2009): ECI is the eigenvector of the second-largest eigenvalue
    of ``M~ = D^-1 M U^-1 M^T`` (D: diversity, U: ubiquity), standardised to mean 0 and
    standard deviation 1 and signed to correlate positively with diversity; PCI is the
    same on the transposed problem, signed to correlate positively with mean ECI of the
    producing sites (equivalently, negatively with ubiquity). Sites or industries with
    no presence are dropped from the eigenproblem and get NaN.

    Returns
    -------
    (eci, pci)
        ``eci`` indexed like the rows of ``m``, ``pci`` like its columns.
    """
    x = m.to_numpy(float)
    rows = x.sum(axis=1) > 0
    cols = x.sum(axis=0) > 0
    x = x[np.ix_(rows, cols)]
    kc = x.sum(axis=1)
    kp = x.sum(axis=0)
    eci = _second_eigvec((x / kc[:, None]) @ (x / kp[None, :]).T)
    eci = _standardise(eci)
    if np.corrcoef(eci, kc)[0, 1] < 0:
        eci = -eci
    pci = _second_eigvec((x.T / kp[:, None]) @ (x / kc[:, None]))
    pci = _standardise(pci)
    # Complex industries are made by complex places: align PCI with the sites' ECI.
    mean_eci = (x.T @ eci) / kp
    if np.corrcoef(pci, mean_eci)[0, 1] < 0:
        pci = -pci
    eci_full = pd.Series(np.nan, index=m.index, dtype=float)
    eci_full[rows] = eci
    pci_full = pd.Series(np.nan, index=m.columns, dtype=float)
    pci_full[cols] = pci
    return eci_full, pci_full


def _second_eigvec(a: np.ndarray) -> np.ndarray:
    # M~ is similar to a symmetric matrix, so its eigenvalues are real; the leading one
    # is 1 with a constant eigenvector, and the second carries the information.
    vals, vecs = np.linalg.eig(a)
    order = np.argsort(-vals.real)
    return vecs[:, order[1]].real


def _standardise(v: np.ndarray) -> np.ndarray:
    sd = v.std(ddof=0)
    return (v - v.mean()) / sd if sd > 0 else v - v.mean()


__all__ = [
    "complexity",
    "group_location_quotient",
    "presence",
    "proximity",
    "rca",
    "relatedness_density",
]
