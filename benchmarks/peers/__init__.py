"""Peers for the benchmark suite: one reduced supply-chain model written three ways.

:mod:`.reduced` defines the case (the battery chain's cell and pack stages, US and
China, base-year inputs from the embedded world) and buildrace's path for it, built
from the engine's own kernels; :mod:`.mesa_model` writes it as a Mesa 3 agent model
and :mod:`.pysd_model` as a Vensim model run by PySD. ``benchmarks/run.py`` checks
that the three agree and times them side by side.
"""
