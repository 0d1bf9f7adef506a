"""Every public function on every backend, compared with NumPy.

One table, one line per call: each entry builds its arguments with ``mk``
(host data to an array of the backend under test) and ``kw`` (the ``xp=`` /
``device=`` of the backend), and must give, on every backend, the NumPy
result, in the backend's namespace and on its device -- array-api-strict's
second device included. A function added to the API is covered by adding
one line. Dtypes run over float16 (where the backend has it), float32,
int32 and bool.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import array_api_compat as compat
import numpy as np
import pytest
from _helpers import to_numpy

import arraymask as am

RNG = np.random.default_rng(2026)
X = RNG.standard_normal((3, 8))
X[0, 2] = X[0, 5]  # a tie
COUNTS = np.array([1, 3, 0])
PROBS = np.abs(X) / np.abs(X).sum(axis=-1, keepdims=True)
MASK = X > 0.3
LENGTHS = np.array([0, 3, 8])
INDICES = np.array([[0, 7, 7], [-1, 2, 3], [5, 5, 5]])
COORDS = np.array([[2, 0, 2, 1], [3, 1, 3, 7]])
DTYPES = ["float16", "float32", "int32", "bool"]

#: name -> (needs data-dependent shapes, call(mk, kw, dtype))
Entry = Callable[[Callable[[Any], Any], dict, str], Any]


def _x(mk, dtype):
    return mk(X.astype(dtype) if dtype != "bool" else MASK)


def _logits(mk, dtype):
    return mk(X.astype(dtype if dtype.startswith("float") else "float32"))


def _coo(mk, dtype):
    values = np.arange(1, 5).astype(dtype if dtype != "bool" else "int32")
    return am.COO(mk(COORDS), mk(values), (3, 8))


SWEEP: dict[str, tuple[bool, Entry]] = {
    "topk_mask": (False, lambda mk, kw, dt: am.topk_mask(_x(mk, dt), 3)),
    "topk_mask per row": (False, lambda mk, kw, dt: am.topk_mask(_x(mk, dt), mk(COUNTS))),
    "topk_mask axis 0": (False, lambda mk, kw, dt: am.topk_mask(_x(mk, dt), 2, axis=0,
                                                                 largest=False, ties="all")),
    "topk_mask global": (False, lambda mk, kw, dt: am.topk_mask(_x(mk, dt), 5, axis=None)),
    "top_fraction_mask": (False, lambda mk, kw, dt: am.top_fraction_mask(
        _x(mk, dt), mk(np.array([0.1, 0.5, 0.9])), axis=-1)),
    "nucleus_mask": (False, lambda mk, kw, dt: am.nucleus_mask(
        mk(PROBS.astype(dt if dt.startswith("float") else "float32")), 0.6)),
    "nm_mask": (False, lambda mk, kw, dt: am.nm_mask(_x(mk, dt), 2, 4)),
    "top_k values": (False, lambda mk, kw, dt: am.top_k(_x(mk, dt), 3, axis=0).values),
    "top_k indices": (False, lambda mk, kw, dt: am.top_k(_x(mk, dt), 3, largest=False).indices),
    "sampling_mask": (False, lambda mk, kw, dt: am.sampling_mask(
        _logits(mk, dt), top_k=mk(COUNTS + 2), top_p=0.8, min_p=0.05)),
    "filter_logits": (False, lambda mk, kw, dt: am.filter_logits(_logits(mk, dt), top_p=0.7)),
    "sample": (False, lambda mk, kw, dt: am.sample(_logits(mk, dt), seed=3, top_k=1,
                                                   num_samples=2)),
    "random_mask": (False, lambda mk, kw, dt: am.random_mask((3, 8), 0.4, seed=9, **kw)),
    "random_mask exact per row": (False, lambda mk, kw, dt: am.random_mask(
        (3, 8), mk(np.array([0.1, 0.5, 1.0])), seed=9, exact=True)),
    "random.bits": (False, lambda mk, kw, dt: am.random.bits((3, 8), seed=5, **kw)),
    "random.uniform": (False, lambda mk, kw, dt: am.random.uniform((3, 8), seed=5, **kw)),
    "lengths_mask": (False, lambda mk, kw, dt: am.lengths_mask(mk(LENGTHS), 8, side="left")),
    "lengths_mask list": (False, lambda mk, kw, dt: am.lengths_mask([2, 0, 5], 6, **kw)),
    "index_mask": (False, lambda mk, kw, dt: am.index_mask(mk(INDICES), 8)),
    "isin_mask": (False, lambda mk, kw, dt: am.isin_mask(_x(mk, dt), [0, 1, 2.5])),
    "masked_fill": (False, lambda mk, kw, dt: am.masked_fill(_x(mk, dt), mk(MASK), 1)),
    "boolean_select": (True, lambda mk, kw, dt: am.boolean_select(_x(mk, dt), mk(MASK))),
    "argwhere": (True, lambda mk, kw, dt: am.argwhere(mk(MASK))),
    "COO.from_dense": (False, lambda mk, kw, dt: am.COO.from_dense(_x(mk, dt))),
    "COO.from_mask": (False, lambda mk, kw, dt: am.COO.from_mask(mk(MASK), _x(mk, dt))),
    "COO.canonical": (False, lambda mk, kw, dt: _coo(mk, dt).canonical("max")),
    "COO.to_dense": (False, lambda mk, kw, dt: _coo(mk, dt).to_dense(fill_value=1)),
    "sparse.concat": (False, lambda mk, kw, dt: am.sparse.concat(
        [_coo(mk, dt).canonical(), _coo(mk, dt).canonical()], axis=1)),
    "sparse.stack": (False, lambda mk, kw, dt: am.sparse.stack(
        [_coo(mk, dt).canonical(), _coo(mk, dt).canonical()], axis=-1)),
}


def _arrays(result: Any) -> list[Any]:
    """The arrays a result consists of (a COO's coordinates and values)."""
    if isinstance(result, am.COO):
        return [result.coords, result.values]
    return [result]


def _same_place(array: Any, probe: Any) -> None:
    """``array`` lives in ``probe``'s namespace and on its device."""
    got_ns, want_ns = compat.array_namespace(array), compat.array_namespace(probe)
    assert got_ns is want_ns, f"namespace {got_ns.__name__} != {want_ns.__name__}"
    assert compat.device(array) == compat.device(probe), (
        f"device {compat.device(array)} != {compat.device(probe)}")


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("name", list(SWEEP))
def test_public_api_on_every_backend(backend, name, dtype):
    if dtype == "float16" and not backend.has_float16:
        pytest.skip(f"{backend.name} has no float16")
    dynamic, call = SWEEP[name]
    kw = {"xp": backend.module, "device": backend.device}
    probe = backend.asarray(np.zeros(1))
    if dynamic and not backend.data_dependent_shapes and backend.name != "jax":
        with pytest.raises(TypeError, match="data-dependent"):
            call(backend.asarray, kw, dtype)
        return
    want = _arrays(call(np.asarray, {}, dtype))
    got = _arrays(call(backend.asarray, kw, dtype))
    assert len(got) == len(want)
    for g, w in zip(got, want, strict=True):
        _same_place(g, probe)
        # values equal; dtypes as the backend has them (int32 indices on JAX without x64,
        # int64 words on torch)
        np.testing.assert_array_equal(to_numpy(g), to_numpy(w), strict=False)
