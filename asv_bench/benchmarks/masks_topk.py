"""Top-k masks against the peers a user would write by hand, in the same run.

Workloads (the issue's): per-row top-64 of a float32 (4096, 4096) array, and
the global top 1% of 2**24 float32 values (``axis=None``). Peers:

* ``torch.topk`` + ``scatter_`` (a CPU tensor sharing the NumPy memory);
* NumPy ``argpartition`` + ``put_along_axis``;
* TensorFlow ``tf.math.top_k`` + ``tf.tensor_scatter_nd_update`` into a
  boolean zeros tensor (TensorFlow is imported inside the peer only).

``arraymask.topk_mask`` runs on the NumPy array (``backend=numpy``) or on the
CPU torch tensor (``backend=torch``); the peers are the same for both.

    flock /tmp/arraymask-bench.lock python asv_bench/compare.py masks_topk --repeat 7
"""

from __future__ import annotations

import os
from typing import Any, ClassVar

import numpy as np

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")


def _peer_torch(xt: Any, k: int) -> Any:
    import torch

    idx = torch.topk(xt, k, dim=-1).indices
    return torch.zeros(xt.shape, dtype=torch.bool).scatter_(-1, idx, True)


def _peer_numpy(x: np.ndarray, k: int) -> np.ndarray:
    idx = np.argpartition(x, x.shape[-1] - k, axis=-1)[..., x.shape[-1] - k :]
    out = np.zeros(x.shape, dtype=bool)
    np.put_along_axis(out, idx, True, axis=-1)
    return out


def _peer_tensorflow(xtf: Any, k: int) -> Any:
    import tensorflow as tf

    idx = tf.math.top_k(xtf, k=k).indices  # (rows, k) or (k,)
    if len(xtf.shape) == 1:
        coords = idx[:, None]
    else:
        rows = tf.broadcast_to(tf.range(tf.shape(xtf)[0])[:, None], tf.shape(idx))
        coords = tf.reshape(tf.stack([rows, idx], axis=-1), (-1, 2))
    updates = tf.ones(tf.shape(coords)[:1], dtype=tf.bool)
    return tf.tensor_scatter_nd_update(tf.zeros(tf.shape(xtf), tf.bool), coords, updates)


class _TopKPeers:
    params: ClassVar[list[Any]] = [["numpy", "torch"]]
    param_names: ClassVar[list[str]] = ["backend"]
    timeout = 600
    shape: tuple[int, ...] = ()
    k = 0
    axis: int | None = -1

    def setup(self, backend: str) -> None:
        if not self.shape:
            raise NotImplementedError("base class: no workload")
        try:
            import torch
        except ImportError as exc:
            raise NotImplementedError("torch is not installed") from exc
        self.host = np.random.default_rng(0).standard_normal(self.shape).astype(np.float32)
        self.xt = torch.from_numpy(self.host)
        self.x = self.host if backend == "numpy" else self.xt
        self.xtf = None

    def time_topk_mask(self, backend: str) -> None:
        import arraymask as am

        am.topk_mask(self.x, self.k, axis=self.axis)

    def peakmem_topk_mask(self, backend: str) -> None:
        import arraymask as am

        am.topk_mask(self.x, self.k, axis=self.axis)

    def time_peer_torch_topk_scatter(self, backend: str) -> None:
        _peer_torch(self.xt, self.k)

    def time_peer_numpy_argpartition_put(self, backend: str) -> None:
        _peer_numpy(self.host, self.k)

    def time_peer_tensorflow_top_k_scatter(self, backend: str) -> None:
        if self.xtf is None:
            try:
                import tensorflow as tf
            except ImportError as exc:
                raise NotImplementedError("tensorflow is not installed") from exc
            self.xtf = tf.constant(self.host)
        _peer_tensorflow(self.xtf, self.k)


class TopKRows(_TopKPeers):
    """Per-row top-64 of float32 (4096, 4096)."""

    shape = (4096, 4096)
    k = 64
    axis = -1
    baseline = "time_peer_torch_topk_scatter"


class TopKGlobal(_TopKPeers):
    """Global top 1% of 2**24 float32 values (``axis=None``)."""

    shape = (1 << 24,)
    k = (1 << 24) // 100
    axis = None
    baseline = "time_peer_numpy_argpartition_put"


# ------------------------------------------------------- off the host (issue 14)
#
# The routes that JAX, array-api-strict, CuPy and torch on a GPU take, timed
# against the native top-k + scatter of the same backend. ``torch_twin`` is
# CPU torch with the compiled path switched off (the route torch-CUDA takes).
# On a GPU, tools/gpu_check.sh runs the same classes with torch_cuda and cupy.


def _peer_jax(x: Any, k: int) -> Any:
    import jax
    import jax.numpy as jnp

    idx = jax.lax.top_k(x, k)[1]
    if x.ndim == 1:
        return jnp.zeros(x.shape, bool).at[idx].set(True)
    return jnp.zeros(x.shape, bool).at[jnp.arange(x.shape[0])[:, None], idx].set(True)


class _OffHost:
    """``topk_mask`` and the backend's own top-k + scatter, on one backend."""

    params: ClassVar[list[Any]] = [["jax", "jax_jit", "torch_twin", "array_api_strict",
                                    "torch_cuda", "cupy"]]
    param_names: ClassVar[list[str]] = ["backend"]
    timeout = 900
    shape: tuple[int, ...] = ()
    k = 0
    axis: int | None = -1
    baseline = "time_peer_native_topk_scatter"

    def setup(self, backend: str) -> None:
        if not self.shape:
            raise NotImplementedError("base class: no workload")
        import arraymask as am

        host = np.random.default_rng(0).standard_normal(self.shape).astype(np.float32)
        self.sync = lambda r: r
        if backend.startswith("jax"):
            try:
                import jax
                import jax.numpy as jnp
            except ImportError as exc:
                raise NotImplementedError("jax is not installed") from exc
            self.x = jnp.asarray(host)
            mine = lambda x: am.topk_mask(x, self.k, axis=self.axis)  # noqa: E731
            peer = lambda x: _peer_jax(x, self.k)  # noqa: E731
            if backend == "jax_jit":
                mine, peer = jax.jit(mine), jax.jit(peer)
            self.mine, self.peer = mine, peer
            self.sync = lambda r: r.block_until_ready()
        elif backend.startswith("torch"):
            try:
                import torch
            except ImportError as exc:
                raise NotImplementedError("torch is not installed") from exc
            if backend == "torch_cuda":
                if not torch.cuda.is_available():
                    raise NotImplementedError("no CUDA device")
                self.x = torch.from_numpy(host).cuda()
                self.sync = lambda r: (torch.cuda.synchronize(), r)[1]
                self.mine = lambda x: am.topk_mask(x, self.k, axis=self.axis)
            else:
                import array_api_compat

                from arraymask.masks import _generic

                self.x = torch.from_numpy(host)
                xp = array_api_compat.array_namespace(self.x)
                axis = None if self.axis is None else self.axis % len(self.shape)
                self.mine = lambda x: _generic.topk(x, self.k, axis, xp, largest=True,
                                                    ties="index")
            flat = self.axis is None
            self.peer = lambda x: _peer_torch(x.reshape(-1) if flat else x, self.k)
        elif backend == "cupy":
            try:
                import cupy
            except ImportError as exc:
                raise NotImplementedError("cupy is not installed") from exc
            if cupy.cuda.runtime.getDeviceCount() == 0:
                raise NotImplementedError("no CUDA device")
            self.x = cupy.asarray(host)
            self.mine = lambda x: am.topk_mask(x, self.k, axis=self.axis)
            self.peer = lambda x: _peer_cupy(x, self.k)
            self.sync = lambda r: (cupy.cuda.Device().synchronize(), r)[1]
        else:
            try:
                import array_api_strict as xps
            except ImportError as exc:
                raise NotImplementedError("array_api_strict is not installed") from exc
            self.x = xps.asarray(host)
            self.mine = lambda x: am.topk_mask(x, self.k, axis=self.axis)
            self.peer = lambda x: _peer_numpy(host, self.k)  # NumPy argpartition
        self.sync(self.mine(self.x))  # compile / warm up

    def time_topk_mask(self, backend: str) -> Any:
        return self.sync(self.mine(self.x))

    def time_peer_native_topk_scatter(self, backend: str) -> Any:
        return self.sync(self.peer(self.x))


def _peer_cupy(x: Any, k: int) -> Any:
    import cupy

    n = x.shape[-1]
    idx = cupy.argpartition(x, n - k, axis=-1)[..., n - k:]
    out = cupy.zeros(x.shape, dtype=bool)
    cupy.put_along_axis(out, idx, True, axis=-1) if x.ndim > 1 else out.put(idx, True)
    return out


class OffHostRows(_OffHost):
    """Per-row top-64 of float32 (4096, 4096), off the host."""

    shape = (4096, 4096)
    k = 64
    axis = -1


class OffHostGlobal(_OffHost):
    """Global top 1% of 2**24 float32 values, off the host."""

    shape = (1 << 24,)
    k = (1 << 24) // 100
    axis = None
