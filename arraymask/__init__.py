"""arraymask: masks and sparse COO data, written once for every array library.

>>> import numpy as np
>>> import arraymask as am
>>> am.topk_mask(np.array([3, 1, 4, 1, 5, 9, 2, 6]), 3)
array([False, False, False, False,  True,  True, False,  True])
"""

try:  # the NumPy path needs the compiled kernels: no silent fallback to Python
    from . import _ext  # noqa: F401
except ImportError as exc:  # pragma: no cover - a broken install
    raise ImportError(
        "arraymask's compiled extension is missing: install the package with "
        "`pip install .` (or run tools/dev.sh to build it into a source checkout)"
    ) from exc

from . import random, sampling, sparse
from .masks.select import argwhere, boolean_select, isin_mask, masked_fill
from .masks.sequence import index_mask, lengths_mask
from .masks.topk import nm_mask, nucleus_mask, top_fraction_mask, topk_mask
from .random import random_mask
from .sampling import filter_logits, sample, sampling_mask, top_k
from .sparse import COO

__version__ = "0.1.0"

__all__ = [
    "COO",
    "argwhere",
    "boolean_select",
    "filter_logits",
    "index_mask",
    "isin_mask",
    "lengths_mask",
    "masked_fill",
    "nm_mask",
    "nucleus_mask",
    "random",
    "random_mask",
    "sample",
    "sampling",
    "sampling_mask",
    "sparse",
    "top_fraction_mask",
    "top_k",
    "topk_mask",
]
