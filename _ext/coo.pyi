"""Compiled COO kernels: coordinate scan, dense -> COO, COO -> dense."""

import numpy as np

def scan(
    coords: np.ndarray, shape: np.ndarray, stop_unsorted: bool = False
) -> tuple[int, int, int]: ...
def dense_count(
    x: np.ndarray,
    fill: np.ndarray,
    half: bool,
    counts: np.ndarray,
    cap: int,
    where: np.ndarray,
    vals: np.ndarray,
    threads: int = 1,
) -> None: ...
def dense_fill(
    x: np.ndarray,
    fill: np.ndarray,
    half: bool,
    starts: np.ndarray,
    coords: np.ndarray,
    values: np.ndarray,
    cap: int,
    where: np.ndarray,
    vals: np.ndarray,
    threads: int = 1,
) -> None: ...
def scatter(coords: np.ndarray, shape: np.ndarray, values: np.ndarray, out: np.ndarray) -> int: ...
