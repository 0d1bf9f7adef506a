"""Random masks against the per-framework code a user would write, in the same run.

Workloads (the issue's): a Bernoulli mask of shape (8192, 4096) at rate 0.15,
and an exact-count mask with 614 True per row (``round(0.15 * 4096)``).

``arraymask.random_mask`` runs on NumPy (``backend=numpy``, compiled kernel),
on CPU torch (``backend=torch``, the same kernel zero-copy), and through the
pure array-API twin on NumPy (``backend=twin``: the integer hash as NumPy
array operations, what JAX, CuPy and torch-CUDA run). Peers (the same for
every row of the table):

* NumPy ``Generator.random(dtype=float32) < rate`` / ``Generator.permuted``
  of a row with 614 True;
* ``torch.rand < rate`` / ``torch.rand`` + ``topk`` + ``scatter_``;
* ``tf.random.uniform < rate`` (TensorFlow imported inside the peer only).

    flock /tmp/arraymask-bench.lock python asv_bench/compare.py random_masks --repeat 7
"""

from __future__ import annotations

import os
from typing import Any, ClassVar

import numpy as np

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

SHAPE = (8192, 4096)
RATE = 0.15
K = round(RATE * SHAPE[1])  # 614


def _twin_bernoulli(seed: int) -> Any:
    """The array-API path on NumPy: hash as array operations, integer compare."""
    import array_api_compat.numpy as xnp

    from arraymask.random import _generic as _rng_generic

    words = _rng_generic.bits_array(SHAPE, seed, xnp)
    return words < xnp.asarray(int(RATE * 2**32), dtype=xnp.uint32)


def _twin_exact(seed: int) -> Any:
    """The array-API path on NumPy: hashed keys, then ``topk_mask`` (smallest, ties by index)."""
    import array_api_compat.numpy as xnp

    import arraymask as am
    from arraymask.random import _generic as _rng_generic

    keys = _rng_generic.bits_array(SHAPE, seed, xnp)
    return am.topk_mask(keys, K, axis=-1, largest=False, ties="index")


class _Peers:
    params: ClassVar[list[Any]] = [["numpy", "torch", "twin"]]
    param_names: ClassVar[list[str]] = ["backend"]
    timeout = 600

    def setup(self, backend: str) -> None:
        try:
            import torch
        except ImportError as exc:
            raise NotImplementedError("torch is not installed") from exc
        self.torch = torch
        self.xp = torch if backend == "torch" else np
        self.gen = np.random.default_rng(0)
        self.seed = 12345
        torch.manual_seed(0)


class BernoulliMask(_Peers):
    """``random_mask((8192, 4096), 0.15)`` against NumPy, torch and TF uniforms."""

    baseline = "time_peer_numpy_random"

    def time_random_mask(self, backend: str) -> Any:
        import arraymask as am

        if backend == "twin":
            return _twin_bernoulli(self.seed)
        return am.random_mask(SHAPE, RATE, seed=self.seed, xp=self.xp)

    def peakmem_random_mask(self, backend: str) -> Any:
        return self.time_random_mask(backend)

    def time_peer_numpy_random(self, backend: str) -> Any:
        return self.gen.random(SHAPE, dtype=np.float32) < RATE

    def time_peer_torch_rand(self, backend: str) -> Any:
        return self.torch.rand(SHAPE) < RATE

    def time_peer_tensorflow_uniform(self, backend: str) -> Any:
        try:
            import tensorflow as tf
        except ImportError as exc:
            raise NotImplementedError("tensorflow is not installed") from exc
        return (tf.random.uniform(SHAPE) < RATE).numpy()


class ExactMask(_Peers):
    """``random_mask((8192, 4096), 0.15, exact=True)``: 614 True per row."""

    baseline = "time_peer_numpy_permuted"

    def setup(self, backend: str) -> None:
        super().setup(backend)
        self.row = np.broadcast_to(np.arange(SHAPE[1]) < K, SHAPE).copy()

    def time_random_mask(self, backend: str) -> Any:
        import arraymask as am

        if backend == "twin":
            return _twin_exact(self.seed)
        return am.random_mask(SHAPE, RATE, seed=self.seed, exact=True, xp=self.xp)

    def peakmem_random_mask(self, backend: str) -> Any:
        return self.time_random_mask(backend)

    def time_peer_numpy_permuted(self, backend: str) -> Any:
        return self.gen.permuted(self.row, axis=1)

    def time_peer_torch_topk_scatter(self, backend: str) -> Any:
        torch = self.torch
        idx = torch.rand(SHAPE).topk(K, dim=1).indices
        return torch.zeros(SHAPE, dtype=torch.bool).scatter_(1, idx, True)


class RandomMaskBackends:
    """The Bernoulli mask on the other CPU backends (JAX, Dask), NumPy peer alongside."""

    params: ClassVar[list[Any]] = [["jax", "dask"]]
    param_names: ClassVar[list[str]] = ["backend"]
    baseline = "time_peer_numpy_random"
    timeout = 600

    def setup(self, backend: str) -> None:
        import sys
        from pathlib import Path

        sys.path.insert(0, str(Path(__file__).parent.parent))
        from benchmarks.common import load

        self.module, _ = load(backend)
        self.gen = np.random.default_rng(0)

    def time_random_mask(self, backend: str) -> Any:
        import arraymask as am
        from benchmarks.common import sync

        return sync(am.random_mask(SHAPE, RATE, seed=7, xp=self.module))

    def time_peer_numpy_random(self, backend: str) -> Any:
        return self.gen.random(SHAPE, dtype=np.float32) < RATE
