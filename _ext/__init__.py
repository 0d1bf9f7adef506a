"""Compiled CPU kernels of arraymask (built from the top-level ``_ext/`` sources).

One module per job: ``topk`` (radix selection), ``lookup`` (``isin``),
``sequence`` (padding masks), ``rng`` (the counter-based generator),
``sampling`` (the sampling filters of language models), ``coo``
(scan, dense <-> COO), ``canonical`` (LSD sorts, duplicate policies),
``buckets`` (the bucket sort of large inputs), ``pool`` (the NumPy memory
handler that keeps freed large blocks for reuse). Importing this package fails
if the extension modules were not built: the NumPy path never falls back
silently to Python.
"""

from . import buckets, canonical, coo, lookup, pool, rng, sampling, sequence, topk

__all__ = ["buckets", "canonical", "coo", "lookup", "pool", "rng", "sampling", "sequence", "topk"]
