"""Compiled CPU kernels of arraymask (built from the top-level ``_ext/`` sources).

One module per job: ``topk`` (radix selection), ``lookup`` (``isin``),
``sequence`` (padding masks), ``rng`` (the counter-based generator), ``coo``
(scan, dense <-> COO), ``canonical`` (sorts, duplicate policies). Importing
this package fails if the extension modules were not built: the NumPy path
never falls back silently to Python.
"""

from . import canonical, coo, lookup, rng, sequence, topk

__all__ = ["canonical", "coo", "lookup", "rng", "sequence", "topk"]
