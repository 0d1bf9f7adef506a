"""Counter-based random streams, bit-identical on every backend, and random_mask."""

from __future__ import annotations

from typing import Any


def bits(shape: Any, *, seed: int, xp: Any = None, device: Any = None) -> Any:
    raise NotImplementedError  # PLACEHOLDER: issue 4


def uniform(shape: Any, *, seed: int, dtype: str = "float32", xp: Any = None,
            device: Any = None) -> Any:
    raise NotImplementedError  # PLACEHOLDER: issue 4


def random_mask(shape: Any, rate: Any, /, *, seed: int | None = None, exact: bool = False,
                axis: int | None = -1, xp: Any = None, device: Any = None) -> Any:
    raise NotImplementedError  # PLACEHOLDER: issue 4
