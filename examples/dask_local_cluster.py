"""Masks and COO of a dense array larger than any worker's memory, on a LocalCluster.

A float32 array of ``--gib`` GiB is generated chunk by chunk on the workers
(it never exists whole, anywhere); a cluster of ``--workers`` processes with
``--memory-limit`` each (less than the array) then builds lazily

* the top-``k`` mask of every row, from row-band chunks (one pass);
* the same from square-ish tiles: the ranked axis is chunked, so arraymask
  reduces per-chunk candidates in a tree (two passes over the data);
* the global top-``k`` (``axis=None``);
* COO of the top-``k`` entries (``COO.from_mask``) and of the entries below
  ``--density`` (``COO.from_dense`` of a ``where``): about ``density`` of the
  array, built block by block with the compiled kernel.

Only the COO results (small) come back to this process. The script checks a
few row bands against NumPy, samples every worker's resident memory while the
work runs, and fails if a worker was restarted or went over its limit.

Run:  python examples/dask_local_cluster.py --gib 3 --workers 2 --memory-limit 1GiB
"""

from __future__ import annotations

import argparse
import math
import threading
import time

import numpy as np

SEED = 20261126


def _band(block_info=None):  # runs on the workers: one chunk of uniform floats
    info = block_info[None]
    (r0, _), (c0, _) = info["array-location"]
    rows, cols = info["chunk-shape"]
    rng = np.random.default_rng([SEED, r0, c0])
    return rng.random((rows, cols), dtype=np.float32)


def dense_array(shape, chunks):
    import dask.array as da

    return da.map_blocks(_band, chunks=da.core.normalize_chunks(chunks, shape),
                         dtype=np.float32, meta=np.empty((0, 0), np.float32))


class MemoryWatch:
    """Samples every worker's resident memory (RSS) in a background thread."""

    def __init__(self, client, every=0.25):
        self.client, self.every = client, every
        self.peak: dict[str, int] = {}
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    @staticmethod
    def _rss():
        import psutil

        return psutil.Process().memory_info().rss

    def _run(self):
        while not self._stop.is_set():
            try:
                for worker, rss in self.client.run(MemoryWatch._rss).items():
                    self.peak[worker] = max(self.peak.get(worker, 0), rss)
            except Exception:
                pass
            self._stop.wait(self.every)

    def __enter__(self):
        self._thread.start()
        return self

    def __exit__(self, *exc):
        self._stop.set()
        self._thread.join()


def main(argv=None):
    import dask
    import dask.array as da
    from dask.utils import format_bytes, parse_bytes
    from distributed import Client, LocalCluster

    import arraymask as am
    from arraymask.sparse import COO

    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--gib", type=float, default=3.0, help="size of the dense array")
    p.add_argument("--workers", type=int, default=2)
    p.add_argument("--memory-limit", default="1GiB", help="per worker")
    p.add_argument("--k", type=int, default=16, help="entries per row of the top-k mask")
    p.add_argument("--density", type=float, default=0.001)
    p.add_argument("--chunk-mib", type=int, default=64)
    args = p.parse_args(argv)

    cols = 32768
    rows = int(args.gib * 2**30 / 4 / cols)
    shape = (rows, cols)
    band = max(1, args.chunk_mib * 2**20 // (4 * cols))
    side = int(math.sqrt(args.chunk_mib * 2**20 / 4))
    limit = parse_bytes(args.memory_limit)
    total = rows * cols * 4
    print(f"dense array {shape} float32 = {format_bytes(total)}; "
          f"{args.workers} workers x {format_bytes(limit)}")
    assert total > limit, "choose an array larger than one worker's memory limit"

    x_rows = dense_array(shape, (band, cols))
    x_tiles = dense_array(shape, (side, side))  # same generator, other chunks: other values
    k = args.k
    with dask.config.set({"distributed.worker.memory.spill": 0.7}), \
            LocalCluster(n_workers=args.workers, threads_per_worker=1, processes=True,
                         memory_limit=limit, dashboard_address=None) as cluster, \
            Client(cluster) as client:
        workers_before = set(client.scheduler_info()["workers"])
        results = {}
        with MemoryWatch(client) as watch:
            jobs = {
                "top-k per row (row bands)": COO.from_mask(am.topk_mask(x_rows, k), x_rows),
                "top-k per row (tiles, tree)": COO.from_mask(am.topk_mask(x_tiles, k),
                                                             x_tiles),
                "global top-k (axis=None)": COO.from_mask(
                    am.topk_mask(x_tiles, 1000, axis=None), x_tiles),
                f"COO of entries < {args.density}": COO.from_dense(
                    da.where(x_rows < args.density, x_rows, 0)),
            }
            for name, lazy in jobs.items():
                start = time.perf_counter()
                coords, values = client.compute([lazy.coords, lazy.values], sync=True)
                seconds = time.perf_counter() - start
                results[name] = (coords, values)
                print(f"  {name:34s} nnz={values.shape[0]:>10,d}  {seconds:6.1f} s  "
                      f"{total / seconds / 1e9:5.2f} GB/s")
        workers_after = set(client.scheduler_info()["workers"])

        # check: a few row bands against NumPy + arraymask in memory
        for i in (0, len(x_rows.chunks[0]) - 1):
            r0 = sum(x_rows.chunks[0][:i])
            block = x_rows.blocks[i, 0].compute()
            want = COO.from_mask(am.topk_mask(block, k), block)
            coords, values = results["top-k per row (row bands)"]
            sel = (coords[0] >= r0) & (coords[0] < r0 + block.shape[0])
            assert np.array_equal(coords[1, sel], want.coords[1])
            assert np.array_equal(values[sel], want.values)
        head = x_tiles[:8].compute()  # the tree's answer for the first rows
        want = COO.from_mask(am.topk_mask(head, k), head)
        coords, values = results["top-k per row (tiles, tree)"]
        sel = coords[0] < 8
        assert np.array_equal(coords[:, sel], want.coords)
        assert np.array_equal(values[sel], want.values)
    assert results["top-k per row (row bands)"][1].shape[0] == rows * k
    assert results["top-k per row (tiles, tree)"][1].shape[0] == rows * k
    assert results["global top-k (axis=None)"][1].shape[0] == 1000
    assert workers_before == workers_after, "a worker was restarted"
    for worker, rss in sorted(watch.peak.items()):
        print(f"  peak RSS {worker}: {format_bytes(rss)} (limit {format_bytes(limit)})")
        assert rss < limit, "a worker went over its memory limit"
    print("ok: no worker restarted or over its limit; results match NumPy on the checked bands")


if __name__ == "__main__":
    main()
