"""``arraymask convert`` of a Matrix Market file to ``.npz`` against SciPy's own two calls.

The peer is what a script would write by hand: ``scipy.io.mmread`` (SciPy's
threaded C++ reader) then ``scipy.sparse.save_npz`` (compressed, its
default). ``arraymask convert`` does the same reading and writing, plus what
the peer skips: validation, canonical order (a linear radix sort: the input
is in random order) with duplicates summed, and the write through a
temporary file that is synced and renamed. The input is generated once into
``/tmp/arraymask-bench/cli`` (never the repository): a random 1000000 x
1000000 real matrix with ``nnz`` entries, written by ``mmwrite``.

    flock /tmp/arraymask-bench.lock python asv_bench/compare.py cli_convert --repeat 3
"""

from __future__ import annotations

import os
import tempfile
from typing import Any, ClassVar

import numpy as np

DATA = os.path.join(tempfile.gettempdir(), "arraymask-bench", "cli")


def matrix_market_file(nnz: int, n: int = 1_000_000) -> str:
    """Path of the cached random ``n x n`` Matrix Market file with ``nnz`` entries."""
    path = os.path.join(DATA, f"random_{n}_{nnz}.mtx")
    if not os.path.exists(path):
        import scipy.io
        import scipy.sparse as sp

        os.makedirs(DATA, exist_ok=True)
        rng = np.random.default_rng(7)
        rows = rng.integers(0, n, nnz)
        cols = rng.integers(0, n, nnz)
        values = rng.standard_normal(nnz)
        tmp = path[: -len(".mtx")] + ".part.mtx"  # mmwrite wants the .mtx suffix
        matrix = sp.coo_array((values, (rows, cols)), shape=(n, n))
        scipy.io.mmwrite(tmp, matrix, symmetry="general")
        os.replace(tmp, path)
    return path


class ConvertFiles:
    """Set-up of the conversion benchmarks: a source ``.mtx`` and two outputs.

    No benchmark of its own (no ``time_`` method): subclasses time
    :meth:`convert` against their peer, which writes ``self.peer``.
    """

    param_names: ClassVar[list[str]] = ["nnz"]
    timeout = 1800
    number = 1
    repeat = 3
    suffix = ""

    def setup(self, nnz: int) -> None:
        self.src = matrix_market_file(nnz)
        self.folder = tempfile.mkdtemp(prefix="arraymask-bench-")
        self.ours = os.path.join(self.folder, "ours" + self.suffix)
        self.peer = os.path.join(self.folder, "peer" + self.suffix)

    def teardown(self, nnz: int) -> None:
        for path in (self.ours, self.peer):
            if os.path.exists(path):
                os.unlink(path)
        os.rmdir(self.folder)

    def convert(self) -> None:
        from arraymask.cli import main

        if main(["convert", self.src, self.ours, "--force", "--quiet"]) != 0:
            raise RuntimeError("arraymask convert failed")


class ConvertMatrixMarketToNpz(ConvertFiles):
    """``arraymask convert X.mtx Y.npz`` vs ``save_npz(Y, mmread(X))``."""

    params: ClassVar[list[Any]] = [[1_000_000, 10_000_000]]
    baseline = "time_peer_scipy_mmread_save_npz"
    suffix = ".npz"

    def setup(self, nnz: int) -> None:
        try:
            import scipy  # noqa: F401
        except ImportError as exc:
            raise NotImplementedError("scipy is not installed") from exc
        super().setup(nnz)

    def time_convert(self, nnz: int) -> None:
        self.convert()

    def time_peer_scipy_mmread_save_npz(self, nnz: int) -> None:
        import scipy.io
        import scipy.sparse as sp

        sp.save_npz(self.peer, scipy.io.mmread(self.src, spmatrix=False))

    def peakmem_convert(self, nnz: int) -> None:
        self.time_convert(nnz)

    def peakmem_peer_scipy_mmread_save_npz(self, nnz: int) -> None:
        self.time_peer_scipy_mmread_save_npz(nnz)


class ConvertSteps:
    """Where the time of ``convert`` goes (10M entries): read, canonical order, write."""

    params: ClassVar[list[Any]] = [[10_000_000]]
    param_names: ClassVar[list[str]] = ["nnz"]
    timeout = 1800

    def setup(self, nnz: int) -> None:
        try:
            from arraymask.io import Progress, matrix_market
        except ImportError as exc:
            raise NotImplementedError(str(exc)) from exc
        self.progress = Progress("never")
        self.src = matrix_market_file(nnz)
        self.content = matrix_market.read(self.src, progress=self.progress)
        self.canonical = self.content.coo.canonical("sum")
        self.folder = tempfile.mkdtemp(prefix="arraymask-bench-")

    def teardown(self, nnz: int) -> None:
        for name in os.listdir(self.folder):
            os.unlink(os.path.join(self.folder, name))
        os.rmdir(self.folder)

    def time_read_matrix_market(self, nnz: int) -> None:
        from arraymask.io import matrix_market

        matrix_market.read(self.src, progress=self.progress)

    def time_peer_scipy_mmread(self, nnz: int) -> None:
        import scipy.io

        scipy.io.mmread(self.src, spmatrix=False)

    def time_canonical_sum(self, nnz: int) -> None:
        self.content.coo.canonical("sum")

    def time_write_npz(self, nnz: int) -> None:
        from arraymask.io import npz

        with open(os.path.join(self.folder, "w.npz"), "wb") as f:
            npz.write(self.canonical, f, progress=self.progress, name="w.npz")

    def time_peer_scipy_save_npz(self, nnz: int) -> None:
        import scipy.sparse as sp

        coo = self.canonical
        matrix = sp.coo_array((coo.values, (coo.coords[0], coo.coords[1])), shape=coo.shape)
        sp.save_npz(os.path.join(self.folder, "p.npz"), matrix)


if __name__ == "__main__":
    import argparse
    import sys
    from pathlib import Path

    sys.path.insert(0, str(Path(__file__).parents[1]))
    from benchmarks.common import interleaved

    parser = argparse.ArgumentParser(description="interleaved convert-vs-peer timing")
    parser.add_argument("--nnz", type=int, nargs="+", default=[1_000_000, 10_000_000])
    parser.add_argument("--rounds", type=int, default=5)
    cli_args = parser.parse_args()
    for count in cli_args.nnz:
        interleaved(ConvertMatrixMarketToNpz(), "time_convert", "time_peer_scipy_mmread_save_npz",
                    count, cli_args.rounds)
