"""Top-k family: topk_mask, top_fraction_mask, nucleus_mask, nm_mask."""

from __future__ import annotations

from typing import Any


def topk_mask(x: Any, k: Any, /, *, axis: int | None = -1, largest: bool = True,
              ties: str = "index") -> Any:
    raise NotImplementedError  # PLACEHOLDER: issue 3


def top_fraction_mask(x: Any, fraction: Any, /, *, axis: int | None = None,
                      largest: bool = True, ties: str = "index",
                      rounding: str = "floor") -> Any:
    raise NotImplementedError  # PLACEHOLDER: issue 3


def nucleus_mask(probs: Any, p: float, /, *, axis: int = -1) -> Any:
    raise NotImplementedError  # PLACEHOLDER: issue 3


def nm_mask(x: Any, n: int, m: int, /, *, axis: int = -1) -> Any:
    raise NotImplementedError  # PLACEHOLDER: issue 3
