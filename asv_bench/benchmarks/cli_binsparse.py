"""binsparse files: ``arraymask convert X.mtx Y.bsp.h5`` against SciPy + the package, and reads.

Convert (target: within 1.2x of the peer). The peer is what a script
would write by hand with the reference package: ``scipy.io.mmread`` (SciPy's
threaded C++ reader), then ``binsparse.save_binsparse`` of
``binsparse.conversions.from_scipy`` (which sums the duplicates and sorts,
as the format requires). ``arraymask convert`` reads with the same reader,
validates, makes the entries canonical with its own radix sort and writes
through the package's HDF5 container into a temporary file that is synced
and renamed.

Read (target: the ``.bsp.h5`` at least 10x faster than the ``.mtx``):
arraymask's readers of both files (``arraymask.io.binsparse_io.read``,
``arraymask.io.matrix_market.read``: the matrix as a validated COO), with
SciPy's ``mmread`` and the package's ``load_binsparse`` as the raw peers.

The input is the random 1,000,000 x 1,000,000 matrix with 10M entries of
``cli_convert`` (in ``/tmp/arraymask-bench/cli``, never in the repository);
its ``.bsp.h5`` is written there once by ``arraymask convert``.

    flock /tmp/arraymask-bench.lock python asv_bench/compare.py cli_binsparse --repeat 5
    flock /tmp/arraymask-bench.lock python asv_bench/benchmarks/cli_binsparse.py --rounds 5
"""

from __future__ import annotations

import os
from typing import Any, ClassVar

try:
    from .cli_convert import DATA, ConvertFiles, matrix_market_file
except ImportError:  # run as a script: python asv_bench/benchmarks/cli_binsparse.py
    from cli_convert import DATA, ConvertFiles, matrix_market_file  # type: ignore[no-redef]


def binsparse_file(nnz: int) -> str:
    """Path of the cached ``.bsp.h5`` of :func:`matrix_market_file` (written by arraymask)."""
    path = os.path.join(DATA, f"random_1000000_{nnz}.bsp.h5")
    if not os.path.exists(path):
        from arraymask.cli import main

        if main(["convert", matrix_market_file(nnz), path, "--quiet"]) != 0:
            raise RuntimeError("arraymask convert failed")
    return path


def _needs() -> None:
    try:
        import binsparse  # noqa: F401
        import h5py  # noqa: F401
        import scipy  # noqa: F401
    except ImportError as exc:
        raise NotImplementedError(f"{exc.name} is not installed") from exc


class ConvertMatrixMarketToBinsparse(ConvertFiles):
    """``arraymask convert X.mtx Y.bsp.h5`` vs ``save_binsparse(from_scipy(mmread(X)), Y)``."""

    params: ClassVar[list[Any]] = [[10_000_000]]
    baseline = "time_peer_mmread_binsparse_save"
    suffix = ".bsp.h5"

    def setup(self, nnz: int) -> None:
        _needs()
        super().setup(nnz)

    def time_convert(self, nnz: int) -> None:
        self.convert()

    def time_peer_mmread_binsparse_save(self, nnz: int) -> None:
        import binsparse
        import scipy.io
        from binsparse.conversions import from_scipy

        matrix = scipy.io.mmread(self.src, spmatrix=False)
        binsparse.save_binsparse(from_scipy(matrix), self.peer)


class ReadBinsparse:
    """Reading the same 10M-entry matrix from ``.bsp.h5`` and from ``.mtx``."""

    params: ClassVar[list[Any]] = [[10_000_000]]
    param_names: ClassVar[list[str]] = ["nnz"]
    baseline = "time_read_matrix_market"
    timeout = 1800

    def setup(self, nnz: int) -> None:
        _needs()
        from arraymask.io import Progress

        self.mtx = matrix_market_file(nnz)
        self.bsp = binsparse_file(nnz)
        self.progress = Progress("never")

    def time_read_binsparse_h5(self, nnz: int) -> None:
        from arraymask.io import binsparse_io

        binsparse_io.read(self.bsp, progress=self.progress)

    def time_read_matrix_market(self, nnz: int) -> None:
        from arraymask.io import matrix_market

        matrix_market.read(self.mtx, progress=self.progress)

    def time_peer_binsparse_load(self, nnz: int) -> None:
        import binsparse

        binsparse.load_binsparse(self.bsp)

    def time_peer_scipy_mmread(self, nnz: int) -> None:
        import scipy.io

        scipy.io.mmread(self.mtx, spmatrix=False)


if __name__ == "__main__":
    import argparse
    import sys
    from pathlib import Path

    sys.path.insert(0, str(Path(__file__).parents[1]))
    from benchmarks.common import interleaved

    parser = argparse.ArgumentParser(description="interleaved convert-vs-peer timing")
    parser.add_argument("--nnz", type=int, nargs="+", default=[10_000_000])
    parser.add_argument("--rounds", type=int, default=5)
    cli_args = parser.parse_args()
    for count in cli_args.nnz:
        interleaved(ConvertMatrixMarketToBinsparse(), "time_convert",
                    "time_peer_mmread_binsparse_save", count, cli_args.rounds)
