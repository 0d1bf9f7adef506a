"""COO construction and canonical ordering against the peers (NumPy/CPU workloads).

``FromDense``: float32 8192x8192 at three densities -> COO.
``Canonical``: 10M random 2-D coordinates in (2**20, 2**20), with and
without 10% duplicates, or within its first 4096 rows, and 5M in 1024**3
-> sorted, duplicates summed.
Peers are timed in the same classes; ``track_peak_*`` report the peak extra
memory (tracemalloc, which sees NumPy's allocations) relative to the
output's (from_dense) or the COO's (canonical) own size.
"""

from __future__ import annotations

import tracemalloc
from typing import Any, ClassVar

import numpy as np

from arraymask.sparse import COO

SIDE = 8192


def _peak_extra(fn: Any) -> tuple[int, Any]:
    tracemalloc.start()
    tracemalloc.reset_peak()
    base = tracemalloc.get_traced_memory()[0]
    out = fn()
    peak = tracemalloc.get_traced_memory()[1] - base
    tracemalloc.stop()
    return peak, out


class FromDense:
    params: ClassVar[list] = [[0.001, 0.01, 0.1]]
    param_names: ClassVar[list] = ["density"]
    baseline = "time_peer_torch_to_sparse"
    timeout = 600

    def setup(self, density: float) -> None:
        rng = np.random.default_rng(0)
        x = np.zeros((SIDE, SIDE), dtype=np.float32)
        n = int(density * SIDE * SIDE)
        flat = x.reshape(-1)
        flat[rng.choice(SIDE * SIDE, n, replace=False)] = rng.random(n, dtype=np.float32) + 1
        self.x = x
        self._torch = self._tf = None
        try:
            import torch

            self._torch = torch.from_numpy(x)
        except ImportError:
            pass
        try:
            import tensorflow as tf

            self._tf = tf.constant(x)  # the copy is not timed
        except ImportError:
            pass

    def time_arraymask(self, density: float) -> Any:
        return COO.from_dense(self.x)

    def time_peer_torch_to_sparse(self, density: float) -> Any:
        if self._torch is None:
            raise NotImplementedError("torch")
        return self._torch.to_sparse()

    def time_peer_tf_from_dense(self, density: float) -> Any:
        if self._tf is None:
            raise NotImplementedError("tensorflow")
        import tensorflow as tf

        return tf.sparse.from_dense(self._tf)

    def time_peer_numpy_nonzero_gather(self, density: float) -> Any:
        nz = np.nonzero(self.x)
        return np.stack(nz), self.x[nz]

    def time_peer_scipy_coo_array(self, density: float) -> Any:
        import scipy.sparse as sp

        return sp.coo_array(self.x)

    def peakmem_arraymask(self, density: float) -> Any:
        return COO.from_dense(self.x)

    def track_peak_extra_over_output(self, density: float) -> float:
        peak, c = _peak_extra(lambda: COO.from_dense(self.x))
        return peak / (c.coords.nbytes + c.values.nbytes)


class Canonical:
    params: ClassVar[list] = [["2d_unique", "2d_dup10", "2d_narrow", "3d_1024"]]
    param_names: ClassVar[list] = ["case"]
    baseline = "time_peer_scipy_tocsr_tocoo"
    timeout = 900

    def setup(self, case: str) -> None:
        rng = np.random.default_rng(1)
        if case == "3d_1024":
            n, shape = 5_000_000, (1024, 1024, 1024)
        else:
            n, shape = 10_000_000, (2**20, 2**20)
        coords = np.stack([rng.integers(0, s, n) for s in shape])
        if case == "2d_narrow":  # the data fill the first 4096 rows of a larger shape
            coords[0] %= 4096
        if case == "2d_dup10":  # 10% of the entries repeat another entry's coordinate
            dup = rng.choice(n, n // 10, replace=False)
            coords[:, dup] = coords[:, rng.integers(0, n, n // 10)]
        self.coords, self.shape = coords, shape
        self.values = rng.random(n)
        self.coo = COO(coords, self.values, shape, check=False)
        sorted_coo = self.coo.canonical()
        self.sorted = COO(sorted_coo.coords, sorted_coo.values, shape, check=False)

    def time_arraymask(self, case: str) -> Any:
        return self.coo.canonical("sum")

    def time_arraymask_keep(self, case: str) -> Any:
        return self.coo.canonical("keep")

    def time_arraymask_already_sorted(self, case: str) -> Any:
        return self.sorted.canonical("sum")

    def time_peer_scipy_tocsr_tocoo(self, case: str) -> Any:
        if len(self.shape) != 2:
            raise NotImplementedError("scipy's CSR is 2-D only")
        import scipy.sparse as sp

        a = sp.coo_array((self.values, (self.coords[0], self.coords[1])), shape=self.shape)
        return a.tocsr().tocoo()

    def time_peer_torch_coalesce(self, case: str) -> Any:
        import torch

        t = torch.sparse_coo_tensor(
            torch.from_numpy(self.coords), torch.from_numpy(self.values), self.shape
        )
        return t.coalesce()

    def time_ref_numpy_sort_keys_only(self, case: str) -> Any:
        """Not a peer (no values, no COO out): NumPy's vectorized sort of the keys alone."""
        key = np.ravel_multi_index(tuple(self.coords), self.shape)
        return np.sort(key)

    def time_peer_numpy_stable_argsort_gather(self, case: str) -> Any:
        key = np.ravel_multi_index(tuple(self.coords), self.shape)
        order = np.argsort(key, kind="stable")
        return self.coords[:, order], self.values[order]

    def peakmem_arraymask(self, case: str) -> Any:
        return self.coo.canonical("sum")

    def track_peak_extra_over_coo(self, case: str) -> float:
        peak, _ = _peak_extra(lambda: self.coo.canonical("sum"))
        return peak / (self.coords.nbytes + self.values.nbytes)


class ThreadScaling:
    """The same kernels on one core and on two (``arraymask._backend.override_threads``)."""

    params: ClassVar[list] = [
        ["from_dense_0.001", "from_dense_0.1", "canonical_2d", "canonical_3d"],
        [1, 2],
    ]
    param_names: ClassVar[list] = ["case", "threads"]
    timeout = 600

    def setup(self, case: str, threads: int) -> None:
        from arraymask._backend import override_threads

        self._threads = override_threads(threads)
        rng = np.random.default_rng(2)
        if case.startswith("from_dense"):
            density = float(case.rsplit("_", 1)[1])
            x = np.zeros((SIDE, SIDE), dtype=np.float32)
            n = int(density * SIDE * SIDE)
            x.reshape(-1)[rng.choice(SIDE * SIDE, n, replace=False)] = 1.0
            self.run = lambda: COO.from_dense(x)
        else:
            n, shape = (10_000_000, (2**20, 2**20)) if case == "canonical_2d" else (
                5_000_000, (1024, 1024, 1024)
            )
            coords = np.stack([rng.integers(0, s, n) for s in shape])
            coo = COO(coords, rng.random(n), shape, check=False)
            self.run = lambda: coo.canonical("sum")
        self._threads.__enter__()

    def teardown(self, case: str, threads: int) -> None:
        self._threads.__exit__(None, None, None)

    def time_arraymask(self, case: str, threads: int) -> Any:
        return self.run()


def _interleaved(cls: type, repeat: int) -> None:
    """Round-robin timing of every ``time_*`` method (min and median of ``repeat`` rounds).

    On a shared machine the load changes from one method to the next; taking
    the methods in turns, round after round, exposes each to the same load.
    """
    import statistics
    import time

    for combo in cls.params[0] if len(cls.params) == 1 else []:
        bench = cls()
        bench.setup(combo)
        names = sorted(n for n in dir(cls) if n.startswith("time_"))
        runs: dict[str, list[float]] = {n: [] for n in names}
        for name in list(names):
            try:
                getattr(bench, name)(combo)  # warm-up
            except NotImplementedError:
                names.remove(name)
        for _ in range(repeat):
            for name in names:
                t0 = time.perf_counter()
                getattr(bench, name)(combo)
                runs[name].append(time.perf_counter() - t0)
        peers = [n for n in names if n.startswith("time_peer_")]
        fastest = min(peers, key=lambda n: min(runs[n])) if peers else None
        print(f"{cls.__name__}[{combo}]  min ms / median ms / ratio of mins to {fastest}")
        for name in names:
            lo, med = min(runs[name]), statistics.median(runs[name])
            ratio = lo / min(runs[fastest]) if fastest else float("nan")
            print(f"  {name:<40} {lo * 1e3:9.1f} {med * 1e3:9.1f} {ratio:7.2f}x")


if __name__ == "__main__":
    import sys

    rounds = int(sys.argv[2]) if len(sys.argv) > 2 else 7
    for cls_name in sys.argv[1].split(","):
        _interleaved(globals()[cls_name], rounds)
