"""Base class and helpers shared by every benchmark.

A benchmark class that derives from :class:`BackendBenchmark` runs once per
backend in ``BACKENDS``; a backend that is not installed (or has no device)
is skipped by asv (``NotImplementedError`` in ``setup``). Peers are timed in
the same class (``time_peer_*`` methods) so that ratios come from one run.
Every timed function returns its result through :func:`sync`, which waits
for the device (CUDA, JAX) or computes (Dask) before the clock stops.
"""

from __future__ import annotations

import importlib
import os
import time
from typing import Any, ClassVar

import numpy as np

BACKENDS = [
    b.strip()
    for b in os.environ.get(
        "ARRAYMASK_BENCH_BACKENDS", "numpy,torch,jax,dask,cupy,torch_cuda"
    ).split(",")
]


def load(name: str) -> tuple[Any, Any]:
    """``(module, device)`` for backend ``name``; ``NotImplementedError`` if missing."""
    try:
        if name == "numpy":
            return np, "cpu"
        if name in {"torch", "torch_cuda"}:
            torch = importlib.import_module("torch")
            if name == "torch_cuda" and not torch.cuda.is_available():
                raise NotImplementedError("no CUDA device")
            return torch, "cuda" if name == "torch_cuda" else "cpu"
        if name == "jax":
            return importlib.import_module("jax.numpy"), None
        if name == "dask":
            return importlib.import_module("dask.array"), None
        if name == "array_api_strict":
            return importlib.import_module("array_api_strict"), None
        if name == "cupy":
            cupy = importlib.import_module("cupy")
            if cupy.cuda.runtime.getDeviceCount() == 0:
                raise NotImplementedError("no CUDA device")
            return cupy, None
    except ImportError as exc:
        raise NotImplementedError(f"{name} is not installed") from exc
    raise NotImplementedError(name)


def to_backend(name: str, host: np.ndarray, chunks: Any = "auto") -> Any:
    """``host`` as an array of backend ``name`` (on its device)."""
    module, device = load(name)
    if name == "numpy":
        return host
    if name in {"torch", "torch_cuda"}:
        return module.from_numpy(np.ascontiguousarray(host)).to(device)
    if name == "dask":
        return module.from_array(host, chunks=chunks)
    return module.asarray(host)


def sync(result: Any) -> Any:
    """Wait until ``result`` (or each item of a tuple/list) is really computed."""
    if isinstance(result, (tuple, list)):
        return [sync(r) for r in result]
    mod = type(result).__module__
    if mod.startswith("torch") and getattr(result, "is_cuda", False):
        importlib.import_module("torch").cuda.synchronize()
    elif mod.startswith("jax") or hasattr(result, "block_until_ready"):
        result.block_until_ready()
    elif mod.startswith("dask"):
        result = result.compute()
    elif mod.startswith("cupy"):
        importlib.import_module("cupy").cuda.get_current_stream().synchronize()
    return result


_DISTURBANCE: list[Any] = []


def peer_disturbance() -> None:
    """A large PyTorch operation on memory of its own, then a 0.3 s pause.

    The ``after-peer`` state of ``compare.py`` and ``process_states.AfterPeer``:
    a ``coalesce`` of 10M random entries, as in a training loop that
    interleaves arraymask with framework work.
    """
    import torch

    if not _DISTURBANCE:
        gen = torch.Generator().manual_seed(0)
        _DISTURBANCE.append(torch.randint(0, 2**20, (2, 10_000_000), generator=gen))
        _DISTURBANCE.append(torch.rand(10_000_000, generator=gen))
    indices, values = _DISTURBANCE
    torch.sparse_coo_tensor(indices, values, (2**20, 2**20), check_invariants=False).coalesce()
    time.sleep(0.3)


class BackendBenchmark:
    """Parametrized over backends; subclasses build inputs in ``setup_backend``."""

    params: ClassVar[list[Any]] = [BACKENDS]
    param_names: ClassVar[list[str]] = ["backend"]
    timeout = 300

    def setup(self, backend: str, *args: Any) -> None:
        self.module, self.device = load(backend)
        self.backend = backend
        self.setup_backend(backend, *args)

    def setup_backend(self, backend: str, *args: Any) -> None:
        """Build the inputs; override."""


def interleaved(bench: Any, ours: str, peer: str, nnz: int, rounds: int) -> None:
    """Alternate ``bench.ours`` and ``bench.peer`` (ABAB...) so that load drifts hit both alike.

    ``bench`` is a benchmark instance not yet set up; prints each round and
    the medians.
    """
    import statistics
    import time

    bench.setup(nnz)
    pairs = []
    try:
        getattr(bench, ours)(nnz)  # warm-up: imports, page cache
        getattr(bench, peer)(nnz)
        for i in range(rounds):
            order = [ours, peer] if i % 2 == 0 else [peer, ours]
            times = {}
            for name in order:
                t0 = time.perf_counter()
                getattr(bench, name)(nnz)
                times[name] = time.perf_counter() - t0
            pairs.append((times[ours], times[peer]))
            mine, theirs = pairs[-1]
            print(f"  round {i + 1}: {ours} {mine:.2f} s, {peer} {theirs:.2f} s, "
                  f"ratio {mine / theirs:.2f}", flush=True)
    finally:
        bench.teardown(nnz)
    mine = statistics.median(p[0] for p in pairs)
    theirs = statistics.median(p[1] for p in pairs)
    ratio = statistics.median(p[0] / p[1] for p in pairs)
    print(f"nnz={nnz}: {ours} median {mine * 1e3:.0f} ms, peer median {theirs * 1e3:.0f} ms, "
          f"ratio of medians {mine / theirs:.2f}x, median of paired ratios {ratio:.2f}x")
