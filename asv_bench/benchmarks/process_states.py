"""The headline calls in the two process states besides the steady one.

Every other module times the steady state: the same call repeated in one
process. Here each sample meets another state a user lives in:

* :class:`FirstCall`: the first call in a fresh process. asv runs each round
  in a new process; with one call per sample, one sample per round and no
  warm-up, every sample is the first call of its process (the set-up, which
  builds the inputs, is not timed).
* :class:`AfterPeer`: the call right after a large PyTorch operation on other
  memory and a pause (:func:`common.peer_disturbance`), which asv's ``setup``
  runs before every sample.

Both wrap one call of another module, with its peer; ``asv_bench/compare.py
--state first|after-peer`` measures the same states on any class and is what
``docs/benchmarks.md`` records.
"""

from __future__ import annotations

from typing import Any, ClassVar

from . import masks_select, masks_topk, random_masks, sparse_coo
from .common import peer_disturbance

#: name -> (benchmark class, its parameters, arraymask's method, the peer's method)
CALLS: dict[str, tuple[type, tuple[Any, ...], str, str]] = {
    "canonical_10M": (sparse_coo.Canonical, ("2d_unique",), "time_arraymask",
                      "time_peer_scipy_tocsr_tocoo"),
    "from_dense_10pct": (sparse_coo.FromDense, (0.1,), "time_arraymask",
                         "time_peer_torch_to_sparse"),
    "from_dense_0.1pct": (sparse_coo.FromDense, (0.001,), "time_arraymask",
                          "time_peer_torch_to_sparse"),
    "topk_rows": (masks_topk.TopKRows, ("numpy",), "time_topk_mask",
                  "time_peer_torch_topk_scatter"),
    "isin_vocab": (masks_select.IsinMask, ("numpy", "vocab"), "time_arraymask",
                   "time_peer_isin"),
    "random_mask": (random_masks.BernoulliMask, ("numpy",), "time_random_mask",
                    "time_peer_numpy_random"),
}


class _Wrapped:
    params: ClassVar[list[Any]] = [list(CALLS)]
    param_names: ClassVar[list[str]] = ["call"]
    baseline = "time_peer"
    timeout = 900

    def setup(self, call: str) -> None:
        cls, self.args, self.ours, self.peer = CALLS[call]
        self.bench = cls()
        self.bench.setup(*self.args)

    def teardown(self, call: str) -> None:
        if hasattr(self.bench, "teardown"):
            self.bench.teardown(*self.args)

    def time_arraymask(self, call: str) -> Any:
        return getattr(self.bench, self.ours)(*self.args)

    def time_peer(self, call: str) -> Any:
        return getattr(self.bench, self.peer)(*self.args)


class FirstCall(_Wrapped):
    """One sample per process: the first call after the imports and the set-up."""

    number = 1
    repeat = 1
    rounds = 5
    warmup_time = 0.0


class AfterPeer(_Wrapped):
    """Each sample follows a PyTorch ``coalesce`` of 10M entries and a 0.3 s pause."""

    number = 1
    repeat = 5
    warmup_time = 0.0

    def setup(self, call: str) -> None:
        super().setup(call)
        peer_disturbance()
