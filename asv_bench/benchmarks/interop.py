"""Export of a canonical COO to TensorFlow, torch, SciPy, pydata sparse and cupyx.

Each class times ``coo.to_<target>()`` against two peers fed with the same,
already ordered arrays:

* ``time_peer_constructor``: the target's own constructor told the data is
  ordered where it can be told (``is_coalesced=True``, ``sorted=True``...);
  the floor for an exporter that adds no copies (the ``baseline``);
* ``time_peer_diy``: the common do-it-yourself route that makes the data
  ordered itself (``tf.sparse.reorder``, ``.coalesce()``,
  ``sum_duplicates()``, pydata's default sort).
"""

from __future__ import annotations

import importlib
from typing import Any, ClassVar

import numpy as np

from .common import sync

NNZ = [100_000, 10_000_000]


def canonical_arrays(nnz: int, seed: int = 0) -> tuple[np.ndarray, np.ndarray, tuple[int, int]]:
    """Sorted, distinct 2-D coordinates ``(2, nnz)`` int64, float32 values, shape."""
    side = 200_000
    rng = np.random.default_rng(seed)
    keys = np.unique(rng.integers(0, side * side, size=nnz + nnz // 10 + 16))[:nnz]
    coords = np.stack(np.unravel_index(keys, (side, side))).astype(np.int64)
    values = rng.random(nnz, dtype=np.float32)
    return coords, values, (side, side)


def _module(name: str) -> Any:
    try:
        return importlib.import_module(name)
    except ImportError as exc:
        raise NotImplementedError(f"{name} is not installed") from exc


class _Export:
    params: ClassVar[list[Any]] = [NNZ]
    param_names: ClassVar[list[str]] = ["nnz"]
    baseline = "time_peer_constructor"
    timeout = 600

    def setup(self, nnz: int) -> None:
        from arraymask import COO

        self.coords, self.values, self.shape = canonical_arrays(nnz)
        self.coo = COO(self.coords, self.values, self.shape, canonical=True)


class ToTensorFlow(_Export):
    def setup(self, nnz: int) -> None:
        self.tf = _module("tensorflow")
        super().setup(nnz)
        self.indices = np.ascontiguousarray(self.coords.T)  # TF's own (nnz, ndim) layout

    def time_to_tensorflow(self, nnz: int) -> Any:
        return self.coo.to_tensorflow()

    def time_peer_constructor(self, nnz: int) -> Any:
        return self.tf.sparse.SparseTensor(self.indices, self.values, self.shape)

    def time_peer_diy(self, nnz: int) -> Any:
        return self.tf.sparse.reorder(
            self.tf.sparse.SparseTensor(self.indices, self.values, self.shape)
        )

    def peakmem_to_tensorflow(self, nnz: int) -> None:
        self.coo.to_tensorflow()  # one transposed copy of the indices (+ values if misaligned)

    def peakmem_peer_constructor(self, nnz: int) -> None:
        self.tf.sparse.SparseTensor(self.indices, self.values, self.shape)


class ToTorch(_Export):
    def setup(self, nnz: int) -> None:
        self.torch = _module("torch")
        super().setup(nnz)
        self.t_indices = self.torch.from_numpy(self.coords)
        self.t_values = self.torch.from_numpy(self.values)

    def time_to_torch(self, nnz: int) -> Any:
        return sync(self.coo.to_torch())

    def time_peer_constructor(self, nnz: int) -> Any:
        return self.torch.sparse_coo_tensor(
            self.t_indices, self.t_values, self.shape, is_coalesced=True, check_invariants=False
        )

    def time_peer_diy(self, nnz: int) -> Any:
        return self.torch.sparse_coo_tensor(
            self.t_indices, self.t_values, self.shape, check_invariants=False
        ).coalesce()


class ToScipy(_Export):
    def setup(self, nnz: int) -> None:
        self.sp = _module("scipy.sparse")
        super().setup(nnz)

    def time_to_scipy(self, nnz: int) -> Any:
        return self.coo.to_scipy()

    def time_peer_constructor(self, nnz: int) -> Any:
        return self.sp.coo_array((self.values, (self.coords[0], self.coords[1])),
                                 shape=self.shape, copy=False)

    def time_peer_diy(self, nnz: int) -> Any:
        out = self.sp.coo_array((self.values, (self.coords[0], self.coords[1])),
                                shape=self.shape)
        out.sum_duplicates()
        return out


class ToPydata(_Export):
    def setup(self, nnz: int) -> None:
        self.sparse = _module("sparse")
        super().setup(nnz)

    def time_to_pydata(self, nnz: int) -> Any:
        return self.coo.to_pydata()

    def time_peer_constructor(self, nnz: int) -> Any:
        return self.sparse.COO(self.coords, self.values, shape=self.shape,
                               sorted=True, has_duplicates=False)

    def time_peer_diy(self, nnz: int) -> Any:
        return self.sparse.COO(self.coords, self.values, shape=self.shape)


class ToCupyx(_Export):
    def setup(self, nnz: int) -> None:
        cupy = _module("cupy")
        if cupy.cuda.runtime.getDeviceCount() == 0:
            raise NotImplementedError("no CUDA device")
        self.cupy = cupy
        self.csp = _module("cupyx.scipy.sparse")
        from arraymask import COO

        coords, values, self.shape = canonical_arrays(nnz)
        self.row = cupy.asarray(coords[0].astype(np.int32))
        self.col = cupy.asarray(coords[1].astype(np.int32))
        self.values = cupy.asarray(values)
        self.coo = COO(cupy.asarray(coords), self.values, self.shape, canonical=True)

    def time_to_cupyx(self, nnz: int) -> Any:
        return sync(self.coo.to_cupyx().data)

    def time_peer_constructor(self, nnz: int) -> Any:
        out = self.csp.coo_matrix((self.values, (self.row, self.col)), shape=self.shape)
        out.has_canonical_format = True
        return sync(out.data)

    def time_peer_diy(self, nnz: int) -> Any:
        out = self.csp.coo_matrix((self.values, (self.row, self.col)), shape=self.shape)
        out.sum_duplicates()
        return sync(out.data)
