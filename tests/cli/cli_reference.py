"""Sample matrices and reference writers/readers for the command-line tests.

The reference writers and readers use SciPy, NumPy, PyTorch and the
binsparse reference package directly (``mmwrite``/``mmread``,
``save_npz``/``load_npz``, ``np.save``/``np.load``, ``torch.save``/``torch.load``,
``save_binsparse``/``load_binsparse``), never :mod:`arraymask.io`, so that
the tests compare arraymask's files with what those libraries write and read.
"""

from __future__ import annotations

import bz2
import gzip
import io
import os
from dataclasses import dataclass

import numpy as np
import pytest

FORMATS = ("mtx", "mtx.gz", "mtx.bz2", "npz", "npy", "pt", "bsp.h5", "bsp.npz")
SUFFIX = {
    "mtx": ".mtx", "mtx.gz": ".mtx.gz", "mtx.bz2": ".mtx.bz2", "npz": ".npz", "npy": ".npy",
    "pt": ".pt", "bsp.h5": ".bsp.h5", "bsp.npz": ".bsp.npz",
}


@dataclass
class Matrix:
    """Entries as stored (duplicates, explicit zeros, unsorted) and what they mean."""

    name: str
    rows: np.ndarray
    cols: np.ndarray
    values: np.ndarray
    shape: tuple[int, int]
    field: str  # the Matrix Market field these values are written with

    def dense(self) -> np.ndarray:
        out = np.zeros(self.shape, dtype=self.values.dtype)
        np.add.at(out, (self.rows, self.cols), self.values)
        return out

    def canonical(self, *, dense_source: bool = False) -> tuple[np.ndarray, np.ndarray]:
        """``(coords (2, n), values)`` after summing duplicates, row-major.

        ``dense_source``: the entries went through a dense array (zeros gone).
        """
        if dense_source:
            d = self.dense()
            r, c = np.nonzero(d)
            return np.stack([r, c]), d[r, c]
        key = self.rows.astype(np.int64) * self.shape[1] + self.cols
        uniq, inverse = np.unique(key, return_inverse=True)
        vals = np.zeros(len(uniq), dtype=self.values.dtype)
        np.add.at(vals, inverse, self.values)
        return np.stack([uniq // self.shape[1], uniq % self.shape[1]]), vals


def sample(name: str) -> Matrix:
    # 7 x 5: duplicates at (0, 1) (three times) and (4, 2); an explicit zero
    # at (2, 3); rows 1, 3 and 6 empty; entries out of order.
    rows = np.array([4, 0, 2, 0, 5, 4, 0, 5, 2])
    cols = np.array([2, 1, 3, 1, 4, 2, 1, 0, 0])
    if name == "real":
        values = np.array([1.5, -2.25, 0.0, 1e-300, 3.0e10, 0.1, 7.0, -1.0, 1 / 3])
        return Matrix(name, rows, cols, values, (7, 5), "real")
    if name == "integer":
        values = np.array([3, -4, 0, 2**40, 7, -1, 5, 9, 11], dtype=np.int64)
        return Matrix(name, rows, cols, values, (7, 5), "integer")
    if name == "complex":
        values = np.array([1 + 2j, -1j, 0, 0.5, 3 - 3j, 2, 1e-3j, -7, 1 / 3 + 1j])
        return Matrix(name, rows, cols, values, (7, 5), "complex")
    if name == "pattern":
        values = np.ones(len(rows), dtype=bool)
        return Matrix(name, rows, cols, values, (7, 5), "pattern")
    raise ValueError(name)





def write_reference(fmt: str, path: str, m: Matrix) -> None:
    """Write ``m`` to ``path`` with the format's own library (duplicates kept)."""
    if fmt in {"mtx", "mtx.gz", "mtx.bz2"}:
        import scipy.io
        import scipy.sparse as sp

        a = sp.coo_array((m.values, (m.rows, m.cols)), shape=m.shape)
        field = "pattern" if m.field == "pattern" else None
        if fmt == "mtx.gz":
            with gzip.open(path, "wb") as f:
                scipy.io.mmwrite(f, a, field=field, symmetry="general")
        elif fmt == "mtx.bz2":
            text = io.BytesIO()
            scipy.io.mmwrite(text, a, field=field, symmetry="general")
            with open(path, "wb") as f:
                f.write(bz2.compress(text.getvalue()))
        else:
            with open(path, "wb") as f:
                scipy.io.mmwrite(f, a, field=field, symmetry="general")
    elif fmt == "npz":
        import scipy.sparse as sp

        sp.save_npz(path, sp.coo_array((m.values, (m.rows, m.cols)), shape=m.shape))
    elif fmt == "npy":
        with open(path, "wb") as f:
            np.save(f, m.dense())
    elif fmt == "pt":
        torch = pytest.importorskip("torch")
        t = torch.sparse_coo_tensor(
            torch.from_numpy(np.stack([m.rows, m.cols]).astype(np.int64)),
            torch.from_numpy(m.values.copy()),
            m.shape,
            check_invariants=True,
        )
        torch.save(t, path)
    elif fmt in {"bsp.h5", "bsp.npz"}:
        # the package's own SciPy conversion: CSR, duplicates summed (the format has none)
        import scipy.sparse as sp

        bsp = pytest.importorskip("binsparse")
        from binsparse.conversions import from_scipy

        a = sp.csr_array(sp.coo_array((m.values, (m.rows, m.cols)), shape=m.shape))
        bsp.save_binsparse(from_scipy(a), path)
    else:
        raise ValueError(fmt)


@dataclass
class Loaded:
    coords: np.ndarray | None  # None for dense files
    values: np.ndarray | None
    dense: np.ndarray
    shape: tuple[int, ...]


def read_reference(fmt: str, path: str) -> Loaded:
    """Read ``path`` with the format's own library, entries in file order."""
    if fmt in {"mtx", "mtx.gz", "mtx.bz2"}:
        import scipy.io

        a = scipy.io.mmread(path, spmatrix=False)
        return Loaded(np.stack([a.row, a.col]).astype(np.int64), a.data, a.toarray(), a.shape)
    if fmt == "npz":
        import scipy.sparse as sp

        a = sp.load_npz(path)
        assert a.format == "coo"
        return Loaded(np.stack([a.row, a.col]).astype(np.int64), a.data, a.toarray(), a.shape)
    if fmt == "npy":
        d = np.load(path, allow_pickle=False)
        return Loaded(None, None, d, d.shape)
    if fmt == "pt":
        import torch

        t = torch.load(path, weights_only=True)
        assert t.layout == torch.sparse_coo
        assert t.is_coalesced()
        return Loaded(
            t._indices().numpy(), t._values().numpy(), t.to_dense().numpy(), tuple(t.shape)
        )
    if fmt in {"bsp.h5", "bsp.npz"}:
        import binsparse as bsp
        from binsparse.conversions import to_scipy

        t = bsp.load_binsparse(path)
        assert isinstance(t, bsp.COORMatrix) and t.format == "COOR", type(t)
        coords = np.stack([t.indices_0, t.indices_1]).astype(np.int64)
        return Loaded(coords, np.asarray(t.values), to_scipy(t).toarray(), tuple(t.shape))
    raise ValueError(fmt)


def is_row_major_strict(coords: np.ndarray) -> bool:
    """Columns of ``coords`` strictly increasing in row-major order (canonical)."""
    if coords.shape[1] < 2:
        return True
    d = np.diff(coords, axis=1)
    return bool(np.all((d[0] > 0) | ((d[0] == 0) & (d[1] > 0))))


def listing(folder: os.PathLike[str] | str) -> list[str]:
    return sorted(os.listdir(folder))


def needs(*fmts: str) -> None:
    """Skip when a format's library is missing."""
    for fmt in fmts:
        if fmt == "pt":
            pytest.importorskip("torch")
        elif fmt.startswith("bsp"):
            pytest.importorskip("binsparse")
            pytest.importorskip("h5py")
            pytest.importorskip("scipy")
        elif fmt != "npy":
            pytest.importorskip("scipy")
