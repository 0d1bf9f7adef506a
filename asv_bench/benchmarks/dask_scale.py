"""Dask overhead at a small scale (the 16 GiB run is ``tools/bench_dask.py``).

A float32 (2048, 16384) array (128 MiB) held in memory, as a dask array of
row bands (``rows``: (256, 16384) chunks, every row in one chunk) or of tiles
(``tiles``: (512, 4096) chunks, the ranked axis chunked). Timed in one run:

* ``time_topk_dask``: ``arraymask.topk_mask(d, 16).compute()`` (threaded
  scheduler; the tree reduction for ``tiles``);
* ``time_peer_topk_rechunk``: what the tree replaces — rechunk the axis into
  one chunk and rank each block (``map_blocks`` of ``topk_mask``);
* ``time_peer_topk_loop``: the same work chunk by chunk in a plain loop over
  row bands of the NumPy array (the baseline);
* ``time_coo_dask`` / ``time_peer_coo_loop``: ``COO.from_dense`` of the
  entries below 0.001 (0.1% density), lazily per block vs a loop over row
  bands.

    flock /tmp/arraymask-bench.lock python asv_bench/compare.py dask_scale --repeat 5
"""

from __future__ import annotations

from typing import Any, ClassVar

import numpy as np

SHAPE = (2048, 16384)
BAND = 256
CHUNKS = {"rows": (BAND, SHAPE[1]), "tiles": (512, 4096)}
K = 16
DENSITY = 0.001


class DaskScale:
    params: ClassVar[list[Any]] = [["rows", "tiles"]]
    param_names: ClassVar[list[str]] = ["layout"]
    baseline = "time_peer_topk_loop"
    timeout = 600

    def setup(self, layout: str) -> None:
        try:
            import dask.array as da
        except ImportError as exc:  # pragma: no cover
            raise NotImplementedError("dask is not installed") from exc
        import dask

        dask.config.set(scheduler="threads")
        self.x = np.random.default_rng(0).random(SHAPE, dtype=np.float32)
        self.sparse = np.where(self.x < DENSITY, self.x, 0)
        self.d = da.from_array(self.x, chunks=CHUNKS[layout])
        self.ds = da.from_array(self.sparse, chunks=CHUNKS[layout])

    def time_topk_dask(self, layout: str) -> None:
        import arraymask as am

        am.topk_mask(self.d, K).compute()

    def time_peer_topk_rechunk(self, layout: str) -> None:
        import arraymask as am

        self.d.rechunk({1: -1}).map_blocks(am.topk_mask, K, dtype=bool).compute()

    def time_peer_topk_loop(self, layout: str) -> None:
        import arraymask as am

        out = np.empty(SHAPE, dtype=bool)
        for r0 in range(0, SHAPE[0], BAND):
            out[r0 : r0 + BAND] = am.topk_mask(self.x[r0 : r0 + BAND], K)

    def time_coo_dask(self, layout: str) -> None:
        from arraymask.sparse import COO

        COO.from_dense(self.ds).compute()

    def time_peer_coo_loop(self, layout: str) -> None:
        from arraymask.sparse import COO

        pieces = [COO.from_dense(self.sparse[r0 : r0 + BAND]) for r0 in range(0, SHAPE[0], BAND)]
        np.concatenate([p.values for p in pieces])
