"""Sparse COO container and its combinators.

``tf_dataset`` and ``torch_collate`` (streaming sparse samples into
TensorFlow and PyTorch) live with the adapters in :mod:`arraymask.interop`;
they are reachable here too, loaded on first use, like ``COO.to_*``.
"""

from typing import Any

from .combine import concat, stack
from .coo import COO

__all__ = ["COO", "concat", "stack", "tf_dataset", "torch_collate"]


def __getattr__(name: str) -> Any:
    # the one upward step of this package (besides COO.to_*): data pipelines
    # belong to interop, which imports sparse
    if name in ("tf_dataset", "torch_collate"):
        from ..interop import data

        return getattr(data, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
