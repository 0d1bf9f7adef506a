"""Compiled counter-based generator (the hash of arraymask.random)."""

import numpy as np

def fill_bits(
    out: np.ndarray, row_len: int, row_starts: np.ndarray, seed: int, num_threads: int = 1
) -> None: ...
def fill_bernoulli(
    out: np.ndarray,
    row_len: int,
    row_starts: np.ndarray,
    thresholds: np.ndarray,
    seed: int,
    num_threads: int = 1,
) -> None: ...
