"""Sampling filters of language models and the standard's ``top_k``, on every backend.

:func:`top_k` (:mod:`.selection`) returns the ``k`` best values and their
indices with :func:`arraymask.topk_mask`'s rules; :func:`sampling_mask`,
:func:`filter_logits` and :func:`sample` (:mod:`.filters`) apply top-k,
top-p, min-p and temperature per sequence, with one arithmetic
(:mod:`._common`) that gives the same mask and the same drawn tokens on
every backend.

>>> import numpy as np
>>> import arraymask as am
>>> am.sampling_mask(np.log(np.array([0.6, 0.3, 0.1])), top_p=0.8)
array([ True,  True, False])
"""

from .filters import filter_logits, sample, sampling_mask
from .selection import TopK, top_k

__all__ = ["TopK", "filter_logits", "sample", "sampling_mask", "top_k"]
