"""Ensembles: parameter samplers and executors (serial by default; Dask imported lazily)."""
