"""Helpers of the Dask tests: irregular chunks, and proofs of laziness."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from typing import Any

import numpy as np


def irregular(size: int, rng: np.random.Generator, pieces: int = 3) -> tuple[int, ...]:
    """Random chunk sizes summing to ``size`` (at most ``pieces`` + 1 of them)."""
    if size <= 1:
        return (size,)
    cuts = sorted(set(rng.integers(1, size, size=pieces).tolist()))
    return tuple(np.diff([0, *cuts, size]).tolist())


def chunked(x: np.ndarray, rng: np.random.Generator, pieces: int = 3) -> Any:
    """``x`` as a dask array with irregular chunks along every axis."""
    import dask.array as da

    return da.from_array(x, chunks=tuple(irregular(s, rng, pieces) for s in x.shape))


def _refuse(*args: Any, **kwargs: Any) -> Any:
    raise AssertionError("a Dask graph was computed while the result was being built")


@contextlib.contextmanager
def no_compute() -> Iterator[None]:
    """Any ``compute()`` inside the block fails: the code under test stays lazy."""
    import dask

    with dask.config.set(scheduler=_refuse):
        yield


class Tripwire:
    """A dask array whose blocks count (or refuse) their own computation."""

    def __init__(self, x: np.ndarray, chunks: Any) -> None:
        import dask.array as da

        self.armed = False
        self.calls = 0
        base = da.from_array(x, chunks=chunks)
        self.array = base.map_blocks(self._block, dtype=x.dtype, meta=x[:0] if x.ndim else None)

    def _block(self, block: np.ndarray) -> np.ndarray:
        self.calls += 1
        if self.armed:
            raise AssertionError("the data were read while the result was being built")
        return block
