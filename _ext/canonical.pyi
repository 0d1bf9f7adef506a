"""Compiled canonical order of COO coordinates: sorts and duplicate policies."""

import numpy as np

def digit_plan(nbits: int) -> tuple[int, int]: ...
def linear_keys(
    coords: np.ndarray,
    shape: np.ndarray,
    passes: int,
    width: int,
    out: np.ndarray,
    hist: np.ndarray,
    threads: int = 1,
) -> tuple[int, int, int]: ...
def group_keys(
    coords: np.ndarray,
    shape: np.ndarray,
    first: int,
    stop: int,
    perm: np.ndarray,
    identity: bool,
    passes: int,
    width: int,
    keys: np.ndarray,
    hist: np.ndarray,
) -> None: ...
def radix_sort_pairs(
    keys: np.ndarray,
    perm: np.ndarray,
    keys2: np.ndarray,
    perm2: np.ndarray,
    passes: int,
    width: int,
    hist: np.ndarray,
) -> int: ...
def count_runs_keys(keys: np.ndarray) -> tuple[int, int]: ...
def radix_sort_kv(
    keys: np.ndarray,
    keys2: np.ndarray,
    values: np.ndarray,
    va: np.ndarray,
    vb: np.ndarray,
    passes: int,
    width: int,
    hist: np.ndarray,
    threads: int = 1,
) -> int: ...
def reduce_keys(
    keys: np.ndarray,
    shape: np.ndarray,
    values: np.ndarray,
    policy: int,
    logical: bool,
    out_coords: np.ndarray,
    out_values: np.ndarray,
    threads: int = 1,
) -> None: ...
def count_runs_perm(coords: np.ndarray, perm: np.ndarray) -> tuple[int, int]: ...
def reduce_perm(
    coords: np.ndarray,
    perm: np.ndarray,
    values: np.ndarray,
    policy: int,
    logical: bool,
    out_coords: np.ndarray,
    out_values: np.ndarray,
) -> None: ...
