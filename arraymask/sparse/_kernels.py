"""Host (NumPy / CPU torch) path of the COO operations."""

from __future__ import annotations

from typing import Any

import numpy as np

from .._backend import namespace
from . import _generic


def scan(coords: np.ndarray, shape: tuple[int, ...]) -> tuple[int, int, int]:
    return _generic.scan(coords, shape, namespace(coords))


def dense_to_coo(x: np.ndarray, fill_value: Any) -> tuple[np.ndarray, np.ndarray]:
    return _generic.dense_to_coo(x, fill_value, namespace(x))


def canonicalize(coords, values, shape, policy):
    xp = namespace(coords)
    from .coo import _canonical_generic

    return _canonical_generic(coords, values, shape, policy, xp)


def coo_to_dense(coords, values, shape, fill_value):
    return _generic.coo_to_dense(coords, values, shape, fill_value, namespace(values))
