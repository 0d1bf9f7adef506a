"""Compiled isin kernels: integer lookup by table or bitmap, sorted search."""

import numpy as np

def build_table(values: np.ndarray, lo: int, table: np.ndarray) -> None: ...
def isin_table(
    x: np.ndarray,
    lo: int,
    table: np.ndarray,
    out: np.ndarray,
    invert: bool,
    num_threads: int = 1,
) -> None: ...
def build_bitmap(values: np.ndarray, lo: int, bits: np.ndarray) -> None: ...
def isin_bitmap(
    x: np.ndarray,
    lo: int,
    span: int,
    bits: np.ndarray,
    out: np.ndarray,
    invert: bool,
    num_threads: int = 1,
) -> None: ...
def isin_sorted(
    x: np.ndarray, values: np.ndarray, out: np.ndarray, invert: bool, num_threads: int = 1
) -> None: ...
