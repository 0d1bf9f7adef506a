"""Sampling filters and ``top_k`` against the peers a serving stack uses, in the same run.

Workload (the issue's): float32 logits ``(64, 128256)`` (a batch over a
Llama-3-size vocabulary, standard normal times 2), per-sequence ``top_k`` in
[20, 100], ``top_p`` in [0.8, 0.95], ``min_p = 0.05``, ``order="sequential"``.

Peers:

* the Hugging Face warper chain ``TopKLogitsWarper -> TopPLogitsWarper ->
  MinPLogitsWarper`` on a CPU torch tensor (``transformers`` imported inside
  the peer; skipped when absent). It takes one value per batch, so it gets
  ``top_k=100, top_p=0.9`` (its cheapest honest setting: per-sequence values
  would need a loop); its sample adds ``softmax`` and ``torch.multinomial``;
* a NumPy sort-based reference written the obvious way: a full ``argsort``
  of every row, float64 softmax of the sorted logits, ``cumsum``, the three
  filters, a scatter back (``put_along_axis``); its sample draws by inverse
  CDF from the sorted cumulative sums;
* ``top_k``: ``torch.topk`` and ``np.top_k`` (NumPy >= 2.5; before it, the
  same computation: ``argpartition``, ``take_along_axis``, a sort of the k);
* JAX: ``lax.top_k`` of the largest k and a float32 ``softmax``/``cumsum``
  over those, written the obvious way (eager and under ``jax.jit``);
* GPU (``tools/gpu_check.sh``): the same filters with ``torch.topk`` +
  ``softmax`` + ``cumsum`` + ``torch.multinomial`` on torch-CUDA, and
  FlashInfer's ``top_k_top_p_sampling_from_logits`` where it is importable.

    flock /tmp/arraymask-bench.lock python asv_bench/compare.py sampling --repeat 7
"""

from __future__ import annotations

import importlib
from typing import Any, ClassVar

import numpy as np

from .common import BACKENDS, load, sync, to_backend

SHAPE = (64, 128256)
HF_TOP_K, HF_TOP_P, MIN_P = 100, 0.9, 0.05


def workload() -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    rng = np.random.default_rng(0)
    x = (rng.standard_normal(SHAPE) * 2).astype(np.float32)
    k = rng.integers(20, 101, SHAPE[0])
    p = rng.uniform(0.8, 0.95, SHAPE[0])
    return x, k, p


# ---------------------------------------------------------------- peers


def hf_chain(xt: Any) -> Any:
    """Hugging Face's warpers on a torch tensor (one value of each filter per batch)."""
    import torch
    from transformers.generation import logits_process as lp

    chain = lp.LogitsProcessorList([lp.TopKLogitsWarper(HF_TOP_K),
                                    lp.TopPLogitsWarper(HF_TOP_P), lp.MinPLogitsWarper(MIN_P)])
    ids = torch.zeros((xt.shape[0], 1), dtype=torch.long, device=xt.device)
    return chain(ids, xt)


def numpy_sorted(x: np.ndarray, k: np.ndarray, p: np.ndarray) -> tuple[np.ndarray, ...]:
    """The sort-based reference: ranks, sorted positions and float64 probabilities."""
    n = x.shape[-1]
    order = np.argsort(-x, axis=-1, kind="stable")
    s = np.take_along_axis(x, order, axis=-1).astype(np.float64)
    e = np.exp(s - s[:, :1])
    ranks = np.arange(n)
    in_k = ranks < k[:, None]
    ek = np.where(in_k, e, 0.0)
    probs = ek / ek.sum(axis=-1, keepdims=True)
    cum = np.cumsum(probs, axis=-1)
    keep = ((cum - probs) < p[:, None]) & in_k & (e >= MIN_P)
    keep[:, 0] = True
    return order, keep, probs


def numpy_sort_mask(x: np.ndarray, k: np.ndarray, p: np.ndarray) -> np.ndarray:
    order, keep, _ = numpy_sorted(x, k, p)
    mask = np.zeros(x.shape, dtype=bool)
    np.put_along_axis(mask, order, keep, axis=-1)
    return mask


def numpy_sort_sample(x: np.ndarray, k: np.ndarray, p: np.ndarray,
                      rng: np.random.Generator) -> np.ndarray:
    order, keep, probs = numpy_sorted(x, k, p)
    kept = np.where(keep, probs, 0.0)
    cum = np.cumsum(kept, axis=-1)
    u = rng.random((x.shape[0], 1)) * cum[:, -1:]
    pos = np.minimum((cum <= u).sum(axis=-1, keepdims=True), x.shape[-1] - 1)
    return np.take_along_axis(order, pos, axis=-1)


def numpy_top_k(x: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
    """``np.top_k`` where NumPy has it, else what it computes."""
    if hasattr(np, "top_k"):
        return np.top_k(x, k)  # type: ignore[no-any-return]
    idx = np.argpartition(x, -k, axis=-1)[..., -k:]
    values = np.take_along_axis(x, idx, axis=-1)
    order = np.argsort(-values, axis=-1, kind="stable")
    return np.take_along_axis(values, order, axis=-1), np.take_along_axis(idx, order, axis=-1)


def torch_topk_filters(xt: Any, kt: Any, pt: Any, sample: bool) -> Any:
    """The obvious torch route: topk of max(k), softmax, cumsum, (multinomial)."""
    import torch

    kmax = int(kt.max())
    values, idx = torch.topk(xt, kmax, dim=-1)
    ranks = torch.arange(kmax, device=xt.device)
    values = values.masked_fill(ranks >= kt[:, None], -float("inf"))
    probs = torch.softmax(values, dim=-1)
    cum = probs.cumsum(dim=-1)
    keep = ((cum - probs) < pt[:, None]) & (probs >= MIN_P * probs[:, :1])
    keep[:, 0] = True
    if sample:
        chosen = torch.multinomial(probs * keep, 1)
        return idx.gather(-1, chosen)
    return torch.zeros(xt.shape, dtype=torch.bool, device=xt.device).scatter_(-1, idx, keep)


# ---------------------------------------------------------------- CPU: NumPy and torch


class SamplingCPU:
    """``sampling_mask`` and ``sample`` on the NumPy array or the CPU torch tensor."""

    params: ClassVar[list[Any]] = [["numpy", "torch"]]
    param_names: ClassVar[list[str]] = ["backend"]
    timeout = 600
    baseline = "time_peer_hf_warpers"

    def setup(self, backend: str) -> None:
        try:
            import torch
        except ImportError as exc:
            raise NotImplementedError("torch is not installed") from exc
        self.host, self.k, self.p = workload()
        self.xt = torch.from_numpy(self.host)
        if backend == "numpy":
            self.x, self.kk, self.pp = self.host, self.k, self.p
        else:
            self.x, self.kk, self.pp = self.xt, torch.from_numpy(self.k), torch.from_numpy(self.p)
        self.rng = np.random.default_rng(1)
        self.seed = 0

    def time_sampling_mask(self, backend: str) -> None:
        import arraymask as am

        am.sampling_mask(self.x, top_k=self.kk, top_p=self.pp, min_p=MIN_P)

    def time_sample(self, backend: str) -> None:
        import arraymask as am

        self.seed += 1
        am.sample(self.x, seed=self.seed, top_k=self.kk, top_p=self.pp, min_p=MIN_P)

    def peakmem_sampling_mask(self, backend: str) -> None:
        import arraymask as am

        am.sampling_mask(self.x, top_k=self.kk, top_p=self.pp, min_p=MIN_P)

    def time_peer_hf_warpers(self, backend: str) -> None:
        try:
            hf_chain(self.xt)
        except ImportError as exc:
            raise NotImplementedError("transformers is not installed") from exc

    def time_peer_hf_warpers_sample(self, backend: str) -> None:
        import torch

        try:
            scores = hf_chain(self.xt)
        except ImportError as exc:
            raise NotImplementedError("transformers is not installed") from exc
        torch.multinomial(torch.softmax(scores, dim=-1), 1)

    def time_peer_numpy_sort_mask(self, backend: str) -> None:
        numpy_sort_mask(self.host, self.k, self.p)

    def time_peer_numpy_sort_sample(self, backend: str) -> None:
        numpy_sort_sample(self.host, self.k, self.p, self.rng)

    def time_peer_torch_topk_filters(self, backend: str) -> None:
        import torch

        torch_topk_filters(self.xt, torch.from_numpy(self.k), torch.from_numpy(self.p), False)


class SamplingCPUNoTopK:
    """The routes that weigh every token: no top-k (``top_p`` per sequence and ``min_p``),
    and ``order="joint"`` (top-p against the whole distribution). Peer: the Hugging
    Face chain without its top-k warper (``top_p=0.9``, ``min_p=0.05``)."""

    params: ClassVar[list[Any]] = [["numpy", "torch"]]
    param_names: ClassVar[list[str]] = ["backend"]
    timeout = 600
    baseline = "time_peer_hf_warpers_top_p_min_p"

    def setup(self, backend: str) -> None:
        SamplingCPU.setup(self, backend)  # type: ignore[arg-type]

    def time_sampling_mask_top_p_min_p(self, backend: str) -> None:
        import arraymask as am

        am.sampling_mask(self.x, top_p=self.pp, min_p=MIN_P)

    def time_sample_top_p_min_p(self, backend: str) -> None:
        import arraymask as am

        am.sample(self.x, seed=1, top_p=self.pp, min_p=MIN_P)

    def time_sampling_mask_joint(self, backend: str) -> None:
        import arraymask as am

        am.sampling_mask(self.x, top_k=self.kk, top_p=self.pp, min_p=MIN_P, order="joint")

    def time_peer_hf_warpers_top_p_min_p(self, backend: str) -> None:
        try:
            import torch
            from transformers.generation import logits_process as lp
        except ImportError as exc:
            raise NotImplementedError("transformers is not installed") from exc
        chain = lp.LogitsProcessorList([lp.TopPLogitsWarper(HF_TOP_P),
                                        lp.MinPLogitsWarper(MIN_P)])
        chain(torch.zeros((self.xt.shape[0], 1), dtype=torch.long), self.xt)


class TopKCPU:
    """``top_k(x, 100)`` of the same logits."""

    params: ClassVar[list[Any]] = [["numpy", "torch"]]
    param_names: ClassVar[list[str]] = ["backend"]
    timeout = 300
    baseline = "time_peer_torch_topk"
    k = 100

    def setup(self, backend: str) -> None:
        try:
            import torch
        except ImportError as exc:
            raise NotImplementedError("torch is not installed") from exc
        self.host = workload()[0]
        self.xt = torch.from_numpy(self.host)
        self.x = self.host if backend == "numpy" else self.xt

    def time_top_k(self, backend: str) -> None:
        import arraymask as am

        am.top_k(self.x, self.k)

    def time_peer_torch_topk(self, backend: str) -> None:
        import torch

        torch.topk(self.xt, self.k, dim=-1)

    def time_peer_numpy_top_k(self, backend: str) -> None:
        numpy_top_k(self.host, self.k)


class SamplingStrict:
    """The filters on array-api-strict (the array-API twin, no native top-k, no
    bit reinterpretation) against the sort-based NumPy reference and torch's
    ``topk`` route on the same data (both on the host)."""

    params: ClassVar[list[Any]] = [["array_api_strict"]]
    param_names: ClassVar[list[str]] = ["backend"]
    timeout = 600
    baseline = "time_peer_numpy_sort_mask"

    def setup(self, backend: str) -> None:
        self.host, self.k, self.p = workload()
        self.x = to_backend(backend, self.host)  # NotImplementedError when not installed
        self.kk, self.pp = to_backend(backend, self.k), to_backend(backend, self.p)

    def time_sampling_mask(self, backend: str) -> None:
        import arraymask as am

        am.sampling_mask(self.x, top_k=self.kk, top_p=self.pp, min_p=MIN_P)

    def time_sample(self, backend: str) -> None:
        import arraymask as am

        am.sample(self.x, seed=5, top_k=self.kk, top_p=self.pp, min_p=MIN_P)

    def time_peer_numpy_sort_mask(self, backend: str) -> None:
        numpy_sort_mask(self.host, self.k, self.p)

    def time_peer_torch_topk_filters(self, backend: str) -> None:
        try:
            import torch
        except ImportError as exc:
            raise NotImplementedError("torch is not installed") from exc
        torch_topk_filters(torch.from_numpy(self.host), torch.from_numpy(self.k),
                           torch.from_numpy(self.p), False)


# ---------------------------------------------------------------- JAX


def jax_obvious(x: Any, k: Any, p: Any, kmax: int) -> Any:
    """``lax.top_k`` of the largest k, float32 softmax and cumsum over it, a scatter back."""
    import jax
    import jax.numpy as jnp

    values, idx = jax.lax.top_k(x, kmax)
    in_k = jnp.arange(kmax) < k[:, None]
    values = jnp.where(in_k, values, -jnp.inf)
    probs = jax.nn.softmax(values, axis=-1)
    cum = jnp.cumsum(probs, axis=-1)
    keep = ((cum - probs) < p[:, None]) & (probs >= MIN_P * probs[:, :1]) & in_k
    keep = keep.at[:, 0].set(True)
    rows = jnp.arange(x.shape[0])[:, None]
    return jnp.zeros(x.shape, dtype=bool).at[rows, idx].set(keep)


class SamplingJax:
    """``sampling_mask`` and ``sample`` on JAX, eager and under ``jax.jit``.

    ``top_k`` is a NumPy array (known when the function is traced), so
    arraymask takes ``lax.top_k`` of ``max(top_k)`` as the peer does.
    """

    params: ClassVar[list[Any]] = [["eager", "jit"]]
    param_names: ClassVar[list[str]] = ["mode"]
    timeout = 600
    baseline = "time_peer_lax_top_k_cumsum"

    def setup(self, mode: str) -> None:
        try:
            jax = importlib.import_module("jax")
            jnp = importlib.import_module("jax.numpy")
        except ImportError as exc:
            raise NotImplementedError("jax is not installed") from exc
        import arraymask as am

        host, k, p = workload()
        self.x, self.p, self.k = jnp.asarray(host), jnp.asarray(p.astype(np.float32)), k
        kj, kmax = jnp.asarray(k), int(k.max())

        def mask(x: Any, pp: Any) -> Any:
            return am.sampling_mask(x, top_k=k, top_p=pp, min_p=MIN_P)

        def sample(x: Any, pp: Any) -> Any:
            return am.sample(x, seed=3, top_k=k, top_p=pp, min_p=MIN_P)

        def peer(x: Any, pp: Any) -> Any:
            return jax_obvious(x, kj, pp, kmax)

        wrap = jax.jit if mode == "jit" else (lambda f: f)
        self.mask, self.sample, self.peer = wrap(mask), wrap(sample), wrap(peer)

    def time_sampling_mask(self, mode: str) -> None:
        sync(self.mask(self.x, self.p))

    def time_sample(self, mode: str) -> None:
        sync(self.sample(self.x, self.p))

    def time_peer_lax_top_k_cumsum(self, mode: str) -> None:
        sync(self.peer(self.x, self.p))


# ---------------------------------------------------------------- GPUs


class SamplingGPU:
    """The same filters on torch-CUDA and CuPy (``tools/gpu_check.sh``)."""

    params: ClassVar[list[Any]] = [[b for b in BACKENDS if b in {"torch_cuda", "cupy"}]
                                   or ["torch_cuda"]]
    param_names: ClassVar[list[str]] = ["backend"]
    timeout = 300
    baseline = "time_peer_torch_topk_filters"

    def setup(self, backend: str) -> None:
        load(backend)  # NotImplementedError without a device
        import torch

        host, k, p = workload()
        self.x = to_backend(backend, host)
        self.kk, self.pp = to_backend(backend, k), to_backend(backend, p)
        self.xt = torch.from_numpy(host).cuda()
        self.kt, self.pt = torch.from_numpy(k).cuda(), torch.from_numpy(p).cuda()

    def time_sampling_mask(self, backend: str) -> None:
        import arraymask as am

        sync(am.sampling_mask(self.x, top_k=self.kk, top_p=self.pp, min_p=MIN_P))

    def time_sample(self, backend: str) -> None:
        import arraymask as am

        sync(am.sample(self.x, seed=5, top_k=self.kk, top_p=self.pp, min_p=MIN_P))

    def time_peer_torch_topk_filters(self, backend: str) -> None:
        sync(torch_topk_filters(self.xt, self.kt, self.pt, False))

    def time_peer_torch_topk_sample(self, backend: str) -> None:
        sync(torch_topk_filters(self.xt, self.kt, self.pt, True))

    def time_peer_flashinfer_sample(self, backend: str) -> None:
        try:
            flashinfer = importlib.import_module("flashinfer")
        except ImportError as exc:
            raise NotImplementedError("flashinfer is not installed") from exc
        try:
            out = flashinfer.sampling.top_k_top_p_sampling_from_logits(
                self.xt, self.kt.int(), self.pt.float(), filter_apply_order="top_k_first")
        except (AttributeError, TypeError) as exc:  # another FlashInfer API version
            raise NotImplementedError(f"flashinfer: {exc}") from exc
        sync(out)
