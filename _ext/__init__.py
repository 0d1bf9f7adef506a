"""Compiled CPU kernels of arraymask (built from the top-level ``_ext/`` sources).

Importing this package fails if the extension modules were not built: the
NumPy path never falls back silently to Python.
"""

from . import coo, rng, select

__all__ = ["coo", "rng", "select"]
