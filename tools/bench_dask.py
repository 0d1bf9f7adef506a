"""The big Dask benchmark: a dense float32 array of many GiB -> top-k mask per row -> COO,
and -> COO at 0.1% density, on a LocalCluster, against the same work chunk by chunk in
a plain NumPy + arraymask loop.

The array never exists whole: every chunk is generated where it is used, by the same
function (``numpy.random.default_rng`` seeded by the chunk's position) in both runs,
so both do identical work: generate a chunk, rank it (``topk_mask``), take its COO
(``COO.from_mask`` of the top-k mask, ``COO.from_dense`` of the entries below the
density), and keep only the sparse results. Throughput is input bytes / wall time.

Run under the benchmark lock (one benchmark at a time on the shared machine):

    flock /tmp/arraymask-bench.lock python tools/bench_dask.py --gib 16 \\
        --workers 2 --memory-limit 4GiB --out /tmp/bench_dask.json

``--layout tiles`` chunks the ranked axis too (square-ish tiles): the top-k then
runs as a tree reduction of per-chunk candidates, which uses every chunk twice
(Dask keeps a band of chunks until their thresholds are known); the loop
reference stays row bands (it cannot do otherwise).
"""

from __future__ import annotations

import argparse
import json
import math
import os
import platform
import sys
import time
from pathlib import Path

import numpy as np

SEED = 20261126


def make_chunk(r0: int, c0: int, rows: int, cols: int) -> np.ndarray:
    """The chunk at ``(r0, c0)``: uniform floats in [0, 1), the same in both runs."""
    return np.random.default_rng([SEED, r0, c0]).random((rows, cols), dtype=np.float32)


def _dask_chunk(block_info=None):
    info = block_info[None]
    (r0, _), (c0, _) = info["array-location"]
    return make_chunk(r0, c0, *info["chunk-shape"])


def loop_reference(shape, band, k, density):
    """NumPy + arraymask chunk by chunk: returns (seconds, nnz top-k, nnz density)."""
    import arraymask as am
    from arraymask.sparse import COO

    pieces_topk, pieces_sparse = [], []
    start = time.perf_counter()
    for r0 in range(0, shape[0], band):
        chunk = make_chunk(r0, 0, min(band, shape[0] - r0), shape[1])
        top = COO.from_mask(am.topk_mask(chunk, k), chunk)
        sparse = COO.from_dense(np.where(chunk < density, chunk, 0))
        pieces_topk.append((top.coords[0] + r0, top.coords[1], top.values))
        pieces_sparse.append((sparse.coords[0] + r0, sparse.coords[1], sparse.values))
        del chunk
    seconds = time.perf_counter() - start
    return seconds, sum(p[2].size for p in pieces_topk), sum(p[2].size for p in pieces_sparse)


def _spilled_bytes(dask_worker):
    """Bytes this worker has written to disk (spilled) since it started."""
    metrics = getattr(dask_worker.data, "cumulative_metrics", {})
    return int(metrics.get(("disk-write", "bytes"), 0))


# One copy of the worker-memory watcher, in the documented example. Workers
# cannot import that file, so its functions travel by value, not by name.
sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "examples"))
import cloudpickle  # noqa: E402
import dask_local_cluster  # noqa: E402

cloudpickle.register_pickle_by_value(dask_local_cluster)
MemoryWatch = dask_local_cluster.MemoryWatch


def dask_run(shape, chunks, k, density, workers, memory_limit):
    """The same work lazily on a LocalCluster: returns a dict of measurements."""
    import dask.array as da
    from distributed import Client, LocalCluster

    import arraymask as am
    from arraymask.sparse import COO

    x = da.map_blocks(_dask_chunk, chunks=da.core.normalize_chunks(chunks, shape),
                      dtype=np.float32, meta=np.empty((0, 0), np.float32))
    top = COO.from_mask(am.topk_mask(x, k), x)
    sparse = COO.from_dense(da.where(x < density, x, 0))
    with LocalCluster(n_workers=workers, threads_per_worker=1, processes=True,
                      memory_limit=memory_limit, dashboard_address=None) as cluster, \
            Client(cluster) as client:
        client.run(lambda: __import__("arraymask"))  # warm the workers' imports
        before = set(client.scheduler_info()["workers"])
        with MemoryWatch(client) as watch:
            start = time.perf_counter()
            results = client.compute([top.values, sparse.values], sync=True)
            seconds = time.perf_counter() - start
        after = set(client.scheduler_info()["workers"])
        spilled = client.run(_spilled_bytes)
    return {
        "seconds": seconds,
        "nnz_topk": int(results[0].shape[0]),
        "nnz_sparse": int(results[1].shape[0]),
        "workers_restarted": before != after,
        "peak_rss": {w: int(v) for w, v in watch.peak.items()},
        "spilled_bytes": spilled,
    }


def main(argv=None):
    from dask.utils import format_bytes, parse_bytes

    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--gib", type=float, default=16.0)
    p.add_argument("--cols", type=int, default=65536)
    p.add_argument("--chunk-mib", type=int, default=128)
    p.add_argument("--k", type=int, default=16)
    p.add_argument("--density", type=float, default=0.001)
    p.add_argument("--workers", type=int, default=2)
    p.add_argument("--memory-limit", default="4GiB")
    p.add_argument("--layout", choices=["rows", "tiles"], default="rows")
    p.add_argument("--skip-loop", action="store_true")
    p.add_argument("--out")
    args = p.parse_args(argv)

    cols = args.cols
    rows = int(args.gib * 2**30 / 4 / cols)
    shape = (rows, cols)
    total = rows * cols * 4
    band = max(1, args.chunk_mib * 2**20 // (4 * cols))
    if args.layout == "rows":
        chunks = (band, cols)
    else:
        side = int(math.sqrt(args.chunk_mib * 2**20 / 4))
        chunks = (side, side)
    print(f"{shape} float32 = {format_bytes(total)}; chunks {chunks}; k={args.k}; "
          f"density {args.density}; {args.workers} workers x {args.memory_limit}", flush=True)
    report = {"shape": shape, "bytes": total, "chunks": chunks, "k": args.k,
              "density": args.density, "workers": args.workers,
              "memory_limit": args.memory_limit, "layout": args.layout,
              "machine": f"{platform.node()} {os.cpu_count()} cores (shared)",
              "started": time.strftime("%Y-%m-%d %H:%M:%S UTC", time.gmtime())}
    if not args.skip_loop:
        seconds, nnz_top, nnz_sparse = loop_reference(shape, band, args.k, args.density)
        report["loop"] = {"seconds": seconds, "nnz_topk": nnz_top, "nnz_sparse": nnz_sparse,
                          "gb_per_s": total / seconds / 1e9}
        print(f"loop : {seconds:8.1f} s  {total / seconds / 1e9:6.3f} GB/s  "
              f"nnz {nnz_top:,d} / {nnz_sparse:,d}", flush=True)
    run = dask_run(shape, chunks, args.k, args.density, args.workers, args.memory_limit)
    run["gb_per_s"] = total / run["seconds"] / 1e9
    report["dask"] = run
    limit = parse_bytes(args.memory_limit)
    peak = max(run["peak_rss"].values(), default=0)
    print(f"dask : {run['seconds']:8.1f} s  {run['gb_per_s']:6.3f} GB/s  "
          f"nnz {run['nnz_topk']:,d} / {run['nnz_sparse']:,d}  peak worker RSS "
          f"{format_bytes(peak)} of {format_bytes(limit)}; restarted: "
          f"{run['workers_restarted']}", flush=True)
    if "loop" in report:
        report["dask_time_over_loop_time"] = run["seconds"] / report["loop"]["seconds"]
        print(f"dask time / loop time = {report['dask_time_over_loop_time']:.2f}")
        assert report["loop"]["nnz_topk"] == run["nnz_topk"] == rows * args.k
        if args.layout == "rows":
            assert report["loop"]["nnz_sparse"] == run["nnz_sparse"]
    if args.out:
        with open(args.out, "w") as f:
            json.dump(report, f, indent=1)


if __name__ == "__main__":
    main()
