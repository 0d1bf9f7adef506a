"""Sequence and selection masks against the one-liners they replace.

Each class times arraymask and the native peers of the same backend in one
run; ``baseline`` names the peer the ratios are taken against.

    flock /tmp/arraymask-bench.lock python asv_bench/compare.py masks_select
"""

from __future__ import annotations

import importlib
from typing import Any, ClassVar

import numpy as np

import arraymask as am

from .common import BACKENDS, BackendBenchmark, sync

ROWS, MAXLEN = 8192, 4096


def _jit(fn: Any) -> Any:
    return importlib.import_module("jax").jit(fn)


class LengthsMask(BackendBenchmark):
    """8192 lengths x 4096 positions (``tf.sequence_mask``)."""

    baseline = "time_peer_compare"

    def setup_backend(self, backend: str) -> None:
        rng = np.random.default_rng(0)
        host = rng.integers(0, MAXLEN + 1, size=ROWS)
        self.lengths = self._to(backend, host)
        self.lengths32 = self._to(backend, host.astype(np.int32))
        xp = self.module
        if backend in {"numpy", "torch", "torch_cuda", "cupy"}:
            kw = {"device": self.device} if backend.startswith("torch") else {}
            self.ramp = xp.arange(MAXLEN, **kw)
            self.ramp32 = xp.arange(MAXLEN, dtype=xp.int32, **kw)
        if backend == "jax":
            self.jit_compare = _jit(lambda n: self.module.arange(MAXLEN) < n[:, None])
            self.jit_am = _jit(lambda n: am.lengths_mask(n, MAXLEN))

    def _to(self, backend: str, host: np.ndarray) -> Any:
        from .common import to_backend

        return to_backend(backend, host, chunks=2048)

    def time_arraymask(self, backend: str) -> Any:
        if backend == "jax":
            return sync(self.jit_am(self.lengths))
        return sync(am.lengths_mask(self.lengths, MAXLEN))

    def time_peer_compare(self, backend: str) -> Any:
        if backend == "jax":
            return sync(self.jit_compare(self.lengths))
        if backend == "dask":
            return sync(self.module.arange(MAXLEN, chunks=MAXLEN) < self.lengths[:, None])
        return sync(self.ramp < self.lengths[:, None])

    def time_peer_compare_int32(self, backend: str) -> Any:
        if backend not in {"numpy", "torch", "torch_cuda", "cupy"}:
            raise NotImplementedError
        return sync(self.ramp32 < self.lengths32[:, None])

    def time_peer_tf_sequence_mask(self, backend: str) -> Any:
        if backend != "numpy":
            raise NotImplementedError
        try:
            tf = importlib.import_module("tensorflow")
        except ImportError as exc:
            raise NotImplementedError from exc
        return tf.sequence_mask(self.lengths, MAXLEN).numpy()


class IsinMask(BackendBenchmark):
    """Token-id masks: (8192, 512) int64 with 100 ids.

    ``vocab``: ids and tokens below 32000 (a lookup table applies);
    ``wide``: ids spread over the whole int64 range (no table applies).
    """

    params: ClassVar[list[Any]] = [BACKENDS, ["vocab", "wide"]]
    param_names: ClassVar[list[str]] = ["backend", "case"]
    baseline = "time_peer_isin"

    def setup_backend(self, backend: str, case: str) -> None:
        from .common import to_backend

        rng = np.random.default_rng(1)
        if case == "vocab":
            host = rng.integers(0, 32000, size=(8192, 512))
            ids = rng.choice(32000, size=100, replace=False)
        else:
            ids = rng.integers(-(2**62), 2**62, size=100)
            host = rng.integers(-(2**62), 2**62, size=(8192, 512))
            host[::7] = ids[rng.integers(0, 100, size=host[::7].shape)]
        self.host_ids = ids
        self.x = to_backend(backend, host, chunks=(2048, 512))
        self.ids = to_backend(backend, ids, chunks=-1)
        if backend == "jax":
            self.jit_peer = _jit(lambda a, v: self.module.isin(a, v))
            self.jit_am = _jit(lambda a, v: am.isin_mask(a, v))
        if backend == "numpy" and case == "vocab":
            self.table = np.zeros(int(ids.max()) + 1, dtype=bool)
            self.table[ids] = True

    def time_arraymask(self, backend: str, case: str) -> Any:
        if backend == "jax":
            return sync(self.jit_am(self.x, self.ids))
        return sync(am.isin_mask(self.x, self.ids))

    def time_arraymask_one_thread(self, backend: str, case: str) -> Any:
        """The compiled kernel on one thread (the default follows the thread policy)."""
        if backend not in {"numpy", "torch"}:
            raise NotImplementedError
        from arraymask._backend import override_threads

        with override_threads(1):
            return sync(am.isin_mask(self.x, self.ids))

    def time_peer_isin(self, backend: str, case: str) -> Any:
        if backend == "jax":
            return sync(self.jit_peer(self.x, self.ids))
        if backend == "dask":
            return sync(self.module.isin(self.x, self.host_ids))
        return sync(self.module.isin(self.x, self.ids))

    def time_peer_numpy_table(self, backend: str, case: str) -> Any:
        if backend != "numpy" or case != "vocab":
            raise NotImplementedError
        x = self.x
        inside = (x >= 0) & (x < self.table.shape[0])
        return self.table[np.where(inside, x, 0)] & inside


def _mask_inputs(backend: str) -> tuple[Any, Any]:
    from .common import to_backend

    rng = np.random.default_rng(2)
    host = rng.normal(size=(4096, 1024)).astype(np.float32)
    mask = rng.random((4096, 1024)) < 0.5
    return (to_backend(backend, host, chunks=(1024, 1024)),
            to_backend(backend, mask, chunks=(1024, 1024)))


class BooleanSelect(BackendBenchmark):
    """``x[mask]`` of a float32 (4096, 1024) array, half the mask True."""

    baseline = "time_peer_index"

    def setup_backend(self, backend: str) -> None:
        self.x, self.mask = _mask_inputs(backend)

    def time_arraymask(self, backend: str) -> Any:
        return sync(am.boolean_select(self.x, self.mask))

    def time_peer_index(self, backend: str) -> Any:
        return sync(self.x[self.mask])


class MaskedFill(BackendBenchmark):
    """Fill half of a float32 (4096, 1024) array with a scalar."""

    baseline = "time_peer_where"

    def setup_backend(self, backend: str) -> None:
        self.x, self.mask = _mask_inputs(backend)
        if backend == "jax":
            self.jit_am = _jit(lambda a, m: am.masked_fill(a, m, -1.0))
            self.jit_where = _jit(lambda a, m: self.module.where(m, -1.0, a))

    def time_arraymask(self, backend: str) -> Any:
        if backend == "jax":
            return sync(self.jit_am(self.x, self.mask))
        return sync(am.masked_fill(self.x, self.mask, -1.0))

    def time_peer_where(self, backend: str) -> Any:
        if backend == "jax":
            return sync(self.jit_where(self.x, self.mask))
        xp = self.module
        if backend.startswith("torch"):
            return sync(xp.where(self.mask, -1.0, self.x))
        return sync(xp.where(self.mask, np.float32(-1.0), self.x))

    def time_peer_masked_fill(self, backend: str) -> Any:
        if not backend.startswith("torch"):
            raise NotImplementedError
        return sync(self.x.masked_fill(self.mask, -1.0))

    def time_peer_copyto(self, backend: str) -> Any:
        if backend not in {"numpy", "cupy"}:
            raise NotImplementedError
        out = self.x.copy()
        self.module.copyto(out, np.float32(-1.0), where=self.mask)
        return sync(out)


class Argwhere(BackendBenchmark):
    """Coordinates of a (4096, 1024) mask with 10% True."""

    baseline = "time_peer_argwhere"

    def setup_backend(self, backend: str) -> None:
        from .common import to_backend

        rng = np.random.default_rng(3)
        self.mask = to_backend(backend, rng.random((4096, 1024)) < 0.1, chunks=(1024, 1024))

    def time_arraymask(self, backend: str) -> Any:
        return sync(am.argwhere(self.mask))

    def time_peer_argwhere(self, backend: str) -> Any:
        return sync(self.module.argwhere(self.mask))

    def time_peer_nonzero_stack(self, backend: str) -> Any:
        if not backend.startswith("torch"):
            raise NotImplementedError
        return sync(self.mask.nonzero())
