"""Compiled CPU kernels of arraymask (built from the top-level ``_ext/`` sources).

Importing this package fails if the extension modules were not built: the
NumPy path never falls back silently to Python.
"""

from . import coo, lookup, rng, select

__all__ = ["coo", "lookup", "rng", "select"]
