"""The time-stepped core: pure kernels on NumPy arrays, one step per year.

Kernels (one role each): :mod:`.demand`, :mod:`.trade`, :mod:`.cost`,
:mod:`.investment`, :mod:`.pipeline`, :mod:`.accounts`; :mod:`.calibrate` fits the
base year; :mod:`.step` strings the kernels together; :mod:`.run` loops over years.
"""
