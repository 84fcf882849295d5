"""Calibration to observed history, backtests and global sensitivity analysis.

- :mod:`~buildrace.calibration.history`: read and validate an observed-history file, map
  each row to the model output it compares to;
- :mod:`~buildrace.calibration.fit`: approximate Bayesian computation by rejection,
  vectorised over draws, and the calibration file;
- :mod:`~buildrace.calibration.backtest`: fit up to a base year, forecast the rest, score;
- :mod:`~buildrace.calibration.sensitivity`: Sobol and Morris indices of a race metric.

Importing this package imports none of its modules (SALib and SciPy are needed only by
the sensitivity analysis: ``pip install 'buildrace[uq]'``).
"""
