"""Hostile input for every public function: no crash, no silent wrong answer.

Each class of input the library once got wrong is drawn by hypothesis for
every function of the table below and compared with the answer for the same
values in a plain layout (native byte order, C-contiguous): byte order,
strides (negative, zero, unaligned), zero-length axes, ndim 0-64 (and COO
shapes of any ndim), dtype extremes, signed/unsigned mixes and Dask chunkings
along every axis. The reproducers of former interpreter crashes run in a
subprocess, so that a segmentation fault fails one test, not the run.
"""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from collections.abc import Callable
from typing import Any

import numpy as np
import pytest
from _helpers import to_numpy
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

import arraymask as am

REAL = ["int8", "int16", "int32", "int64", "uint8", "uint16", "uint32", "uint64",
        "float16", "float32", "float64"]


def _host(result: Any) -> Any:
    if isinstance(result, am.COO):
        if hasattr(result, "compute"):
            result = result.compute()
        return (result.shape, to_numpy(result.coords).tolist(),
                to_numpy(result.values).astype(np.float64).tolist())
    if isinstance(result, tuple):
        return tuple(_host(r) for r in result)
    return to_numpy(result)


def _floating(x: Any) -> Any:
    """Logits for the sampling filters (float32 when ``x`` is not floating)."""
    return x if x.dtype.kind == "f" else x.astype(np.float32)


def _same(a: Any, b: Any) -> None:
    if a is None or b is None:
        assert a is None and b is None
        return
    a, b = _host(a), _host(b)
    if isinstance(a, np.ndarray):
        np.testing.assert_array_equal(a, b, strict=False)
        assert a.shape == b.shape
    else:
        assert a == b or (repr(a) == repr(b))


#: name -> function of one real array (every public function that takes one)
ON_X: dict[str, Callable[[Any], Any]] = {
    "topk_mask": lambda x: am.topk_mask(x, min(2, x.shape[-1]) if x.ndim else 1,
                                        axis=-1 if x.ndim else None),
    "topk_mask smallest all": lambda x: am.topk_mask(x, 1 if x.size else 0, axis=None,
                                                     largest=False, ties="all"),
    "top_fraction_mask": lambda x: am.top_fraction_mask(x, 0.4),
    "nucleus_mask": lambda x: am.nucleus_mask(x.astype(np.float32) if x.dtype.kind != "f"
                                              else x, 0.5, axis=-1) if x.ndim else None,
    "nm_mask": lambda x: am.nm_mask(x, 1, 1, axis=-1) if x.ndim else None,
    "isin_mask": lambda x: am.isin_mask(x, [0, 1, -1, 255, 2**63 - 1, 2.5]),
    "masked_fill": lambda x: am.masked_fill(x, x > 0 if x.dtype.kind != "b" else x, 0),
    "boolean_select": lambda x: am.boolean_select(x, x > 0) if x.ndim else None,
    "argwhere": lambda x: am.argwhere(x > 0),
    "COO.from_dense": lambda x: am.COO.from_dense(x),
    "COO.from_mask": lambda x: am.COO.from_mask(x > 0, x),
    "COO round trip": lambda x: am.COO.from_dense(x).to_dense(),
    "top_k values": lambda x: am.top_k(x, min(2, x.shape[-1])).values if x.ndim else None,
    "top_k indices": lambda x: am.top_k(x, 1 if x.size else 0, axis=None, largest=False).indices,
    "sampling_mask": lambda x: am.sampling_mask(_floating(x), top_k=2, top_p=0.9, min_p=0.01)
    if x.ndim else None,
    "sample": lambda x: am.sample(_floating(x), seed=1, top_p=0.7, num_samples=2)
    if x.ndim and x.shape[-1] else None,
}


def _layouts(draw, base: np.ndarray) -> np.ndarray:
    """The values of ``base`` in a hostile layout: byte-swapped, strided or unaligned."""
    kind = draw(st.sampled_from(["swapped", "reversed", "strided", "unaligned", "broadcast"]))
    if kind == "swapped":
        return base.astype(base.dtype.newbyteorder(">" if base.dtype.isnative else "<"))
    if kind == "reversed" and base.ndim:
        return np.flip(np.flip(base, axis=-1).copy(), axis=-1)
    if kind == "strided" and base.ndim:
        wide = np.repeat(base, 3, axis=-1)
        return wide[..., ::3]
    if kind == "unaligned":
        raw = np.zeros(base.nbytes + 1, dtype=np.uint8)
        view = raw[1:].view(base.dtype).reshape(base.shape)
        view[...] = base
        return view
    if kind == "broadcast" and base.ndim and base.shape[0]:
        return np.broadcast_to(base[:1], base.shape)  # zero strides
    return base


def _extreme_values(dtype: np.dtype) -> list[Any]:
    if dtype.kind == "f":
        info = np.finfo(dtype)
        return [np.nan, np.inf, -np.inf, -0.0, 0.0, float(info.max), float(info.min),
                float(info.smallest_subnormal), -float(info.smallest_subnormal)]
    info = np.iinfo(dtype)
    return [int(info.min), int(info.max), 0, 1, int(info.max) - 1]


@st.composite
def hostile_arrays(draw, max_ndim: int = 4):
    dtype = np.dtype(draw(st.sampled_from([*REAL, "bool"])))
    shape = draw(hnp.array_shapes(min_dims=0, max_dims=max_ndim, min_side=0, max_side=5))
    if dtype.kind == "b":
        elements = st.booleans()
    else:
        elements = st.sampled_from([dtype.type(v) for v in _extreme_values(dtype)])
    base = draw(hnp.arrays(dtype, shape, elements=elements))
    return base, _layouts(draw, base)


@settings(max_examples=60)
@given(pair=hostile_arrays(), name=st.sampled_from(sorted(ON_X)))
def test_hostile_layouts_give_the_plain_answer(pair, name):
    _, hostile = pair
    before = hostile.copy()
    fn = ON_X[name]
    plain = np.array(hostile, dtype=hostile.dtype.newbyteorder("="), order="C", copy=True)
    try:
        want = fn(plain)
    except (TypeError, ValueError) as exc:  # refused for the values: refused for any layout
        with pytest.raises(type(exc)):
            fn(hostile)
        return
    _same(fn(hostile), want)
    np.testing.assert_array_equal(hostile, before, strict=True)  # inputs untouched


@settings(max_examples=30)
@given(pair=hostile_arrays(max_ndim=3), name=st.sampled_from(sorted(ON_X)), data=st.data())
def test_dask_chunkings_give_the_numpy_answer(pair, name, data):
    da = pytest.importorskip("dask.array")
    base, _ = pair
    chunks = tuple(data.draw(st.integers(1, max(1, s))) for s in base.shape)
    fn = ON_X[name]
    try:
        want = fn(base)
    except (TypeError, ValueError):
        return
    if want is None:
        return
    got = fn(da.from_array(base, chunks=chunks or ()))
    if name in {"boolean_select", "argwhere"}:
        got = to_numpy(got)
    _same(got, want)


@pytest.mark.parametrize("ndim", [0, 1, 2, 31, 32, 33, 63, 64])
def test_masks_at_any_ndim_numpy_allows(ndim):
    shape = (1,) * max(0, ndim - 1) + ((3,) if ndim else ())
    x = np.arange(int(np.prod(shape)), dtype=np.float32).reshape(shape)
    for name, fn in ON_X.items():
        got = fn(x)
        if got is not None and not isinstance(got, am.COO):
            assert to_numpy(got).shape[:1] != () or ndim == 0 or name in {"argwhere",
                                                                          "boolean_select"}


@pytest.mark.parametrize("ndim", [1, 63, 64, 65, 66, 70, 100])
def test_coo_of_any_ndim(ndim):
    coords = np.zeros((ndim, 3), dtype=np.int64)
    coords[-1] = [1, 0, 1]
    coo = am.COO(coords, np.array([1.0, 2.0, 3.0]), (1,) * (ndim - 1) + (2,))
    c = coo.canonical()
    assert c.values.tolist() == [2.0, 4.0]
    assert c.coords[-1].tolist() == [0, 1]
    with pytest.raises(IndexError, match="out of range"):
        am.COO(coords + 1, np.ones(3), (1,) * (ndim - 1) + (2,))


SIGNED_UNSIGNED = [
    # x, values, expected (np.isin's answer)
    (np.array([2**64 - 1, 5], np.uint64), [-1], [False, False]),
    (np.array([255, 1], np.uint8), np.array([-1], np.int8), [False, False]),
    (np.array([-1, 1], np.int8), np.array([255], np.uint8), [False, False]),
    (np.array([-1, 1], np.int64), np.array([2**64 - 1], np.uint64), [False, False]),
    (np.array([2**63, 3], np.uint64), np.array([-(2**63)], np.int64), [False, False]),
    (np.array([2**63, 3], np.uint64), [2**63], [True, False]),
]


@pytest.mark.parametrize(("x", "values", "want"), SIGNED_UNSIGNED)
def test_isin_signed_unsigned_mixes(backend, x, values, want):
    if x.dtype.itemsize == 8 and backend.name in {"jax"}:
        pytest.skip("JAX without x64 narrows 64-bit integers")
    if x.dtype.kind == "u" and x.dtype.itemsize > 1 and backend.name.startswith("torch"):
        pytest.skip("torch has no uint64 arithmetic")
    np.testing.assert_array_equal(np.isin(x, values), want)
    xb = backend.asarray(x)
    got = am.isin_mask(xb, values)
    np.testing.assert_array_equal(to_numpy(got), want)
    if isinstance(values, np.ndarray) and not (backend.name.startswith("torch")
                                                and values.dtype.kind == "u"
                                                and values.dtype.itemsize > 1):
        got = am.isin_mask(xb, backend.asarray(values))  # values on the device too
        np.testing.assert_array_equal(to_numpy(got), want)


def test_big_endian_everywhere():
    rng = np.random.default_rng(0)
    for dtype in [">f8", ">f4", ">f2", ">i4", ">i8", ">u2", ">i2"]:
        x = rng.integers(-50, 50, (4, 9)).astype(dtype)
        native = x.astype(x.dtype.newbyteorder("="))
        for fn in ON_X.values():
            _same(fn(x), fn(native))
    lengths = np.array([3, 0, 5], dtype=">i8")
    _same(am.lengths_mask(lengths, 6), am.lengths_mask(lengths.astype(np.int64), 6))
    idx = np.array([[0, 5], [-1, 2]], dtype=">i4")
    _same(am.index_mask(idx, 6), am.index_mask(idx.astype(np.int32), 6))
    coords = np.array([[2, 0, 2]], dtype=">i8")
    values = np.array([1.5, 2.0, 3.0], dtype=">f8")
    _same(am.COO(coords, values, (4,)).canonical(),
          am.COO(coords.astype(np.int64), values.astype(np.float64), (4,)).canonical())
    rate = np.array([0.2, 0.9], dtype=">f8")
    _same(am.random_mask((2, 30), rate, seed=1, exact=True),
          am.random_mask((2, 30), rate.astype(np.float64), seed=1, exact=True))


def test_wrong_exceptions_fixed():
    torch = pytest.importorskip("torch")
    assert am.nucleus_mask(np.zeros((3, 0)), 0.5).shape == (3, 0)
    xps = pytest.importorskip("array_api_strict")
    assert am.nucleus_mask(xps.zeros((3, 0)), 0.5).shape == (3, 0)
    with pytest.raises(TypeError, match="integer coordinate keys"):
        am.COO.from_dict({(True, 0): 1.0})
    sparse_t = torch.eye(3).to_sparse()
    for call in (lambda: am.topk_mask(sparse_t, 1), lambda: am.COO.from_dense(sparse_t),
                 lambda: am.isin_mask(sparse_t, [1]), lambda: am.masked_fill(sparse_t, True, 0)):
        with pytest.raises(TypeError, match="dense array"):
            call()
    with pytest.raises(IndexError, match="18446744073709551615"):
        am.COO(np.array([[2**64 - 1]], dtype=np.uint64), np.ones(1), (3,))


# ------------------------------------------------------------ crash reproducers


def _isolated(code: str) -> subprocess.CompletedProcess:
    env = dict(os.environ)
    return subprocess.run([sys.executable, "-c", textwrap.dedent(code)], capture_output=True,
                          text=True, timeout=120, env=env)


CRASHERS = {
    "70-dim scan": """
        import numpy as np, arraymask as am
        c = am.COO(np.zeros((70, 2), np.int64), np.ones(2), (1,) * 70)
        print(c.canonical().nnz)
    """,
    "check=False promise, to_dense": """
        import numpy as np, arraymask as am
        try:
            am.COO([[10**9]], np.ones(1), (3,), canonical=True, check=False).to_dense()
        except IndexError:
            print("IndexError")
    """,
    "check=False short values": """
        import numpy as np, arraymask as am
        try:
            am.COO([[1, 0, 2]], [10., 20.], (3,), check=False).canonical()
        except ValueError:
            print("ValueError")
    """,
    "threads variable": """
        import os
        os.environ["ARRAYMASK_NUM_THREADS"] = "abc"
        import numpy as np, arraymask as am
        try:
            am.topk_mask(np.zeros(1 << 17), 3)
        except ValueError as exc:
            print("ARRAYMASK_NUM_THREADS" in str(exc))
    """,
}


@pytest.mark.parametrize("name", sorted(CRASHERS))
def test_former_crashes_raise_cleanly(name):
    done = _isolated(CRASHERS[name])
    assert done.returncode == 0, f"exit {done.returncode}: {done.stderr[-2000:]}"
    assert done.stdout.strip() in {"1", "IndexError", "ValueError", "True"}, done.stdout
