"""Compiled sequence-mask kernels."""

import numpy as np

def lengths_fill(lengths: np.ndarray, out: np.ndarray, left: bool) -> None: ...
