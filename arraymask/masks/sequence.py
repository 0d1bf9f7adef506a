"""Sequence masks: lengths_mask, index_mask."""

from __future__ import annotations

from typing import Any


def lengths_mask(lengths: Any, /, maxlen: int | None = None, *, side: str = "right",
                 xp: Any = None, device: Any = None) -> Any:
    raise NotImplementedError  # PLACEHOLDER: issue 3


def index_mask(indices: Any, size: int, /, *, xp: Any = None, device: Any = None) -> Any:
    raise NotImplementedError  # PLACEHOLDER: issue 3
