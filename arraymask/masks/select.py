"""Selection: isin_mask, boolean_select, masked_fill, argwhere."""

from __future__ import annotations

from typing import Any


def isin_mask(x: Any, values: Any, /, *, invert: bool = False) -> Any:
    raise NotImplementedError  # PLACEHOLDER: issue 3


def boolean_select(x: Any, mask: Any, /, *, axis: int = 0) -> Any:
    raise NotImplementedError  # PLACEHOLDER: issue 3


def masked_fill(x: Any, mask: Any, value: Any) -> Any:
    raise NotImplementedError  # PLACEHOLDER: issue 3


def argwhere(mask: Any) -> Any:
    raise NotImplementedError  # PLACEHOLDER: issue 3
