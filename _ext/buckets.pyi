"""Compiled canonical order of large COO inputs by cache-sized buckets."""

import numpy as np

def partition_top(
    coords: np.ndarray,
    shape: np.ndarray,
    values: np.ndarray,
    low: int,
    max_bucket: int,
    keys: np.ndarray,
    vals: np.ndarray,
    starts: np.ndarray,
    threads: int = 1,
) -> tuple[int, int, bool, int]: ...
def sort_buckets(
    keys: np.ndarray,
    vals: np.ndarray,
    starts: np.ndarray,
    low: int,
    shape: np.ndarray,
    policy: int,
    logical: bool,
    out_coords: np.ndarray,
    runs: np.ndarray,
    threads: int = 1,
) -> None: ...
def compact(
    coords: np.ndarray,
    vals: np.ndarray,
    starts: np.ndarray,
    runs: np.ndarray,
    nd: int,
    threads: int = 1,
) -> int: ...
