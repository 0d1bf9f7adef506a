"""The compiled COO kernels agree with a slow reference and with the array-API twin."""

from __future__ import annotations

import contextlib

import numpy as np
import pytest
from _coo_reference import POLICIES, canonical, from_dense, to_dense
from _helpers import spy_on
from hypothesis import given
from hypothesis import strategies as st

from arraymask._backend import namespace
from arraymask.sparse import COO, _generic, _kernels

XP = namespace(np.zeros(1))
DTYPES = [
    np.bool_, np.int8, np.int16, np.int32, np.int64, np.uint8, np.uint16, np.uint32,
    np.uint64, np.float16, np.float32, np.float64, np.complex64, np.complex128,
]


def random_values(rng: np.random.Generator, dtype: type, n: int) -> np.ndarray:
    dt = np.dtype(dtype)
    if dt == np.bool_:
        return rng.random(n) < 0.5
    if dt.kind in "iu":
        info = np.iinfo(dt)
        return rng.integers(info.min, info.max, n, dtype=dt, endpoint=True)
    v = rng.normal(size=n) * 4
    if dt.kind == "c":
        v = v + 1j * rng.normal(size=n)
    v = v.astype(dt)
    if n and dt.kind == "f":  # adversarial specials
        specials = np.array([np.nan, np.inf, -np.inf, -0.0, 0.0], dtype=dt)
        pos = rng.integers(0, n, min(n, 5))
        v[pos] = specials[: pos.size]
    return v


@st.composite
def coo_inputs(draw: st.DrawFn) -> tuple[np.ndarray, np.ndarray, tuple[int, ...]]:
    ndim = draw(st.integers(1, 4))
    huge = draw(st.sampled_from([False, False, False, True]))
    if huge:  # prod(shape) beyond 63 bits: the multi-key path
        shape = tuple(draw(st.sampled_from([3, 2**40, 2**62])) for _ in range(max(ndim, 2)))
    else:
        shape = tuple(draw(st.integers(1, 7)) for _ in range(ndim))
    nnz = draw(st.sampled_from([0, 1, 2, 5, 17, 60, 300, 2000]))
    distinct = draw(st.sampled_from([1, 3, 50, 10**9]))  # heavy duplicates .. none
    rng = np.random.default_rng(draw(st.integers(0, 2**32 - 1)))
    pool = np.stack([rng.integers(0, s, min(distinct, max(nnz, 1))) for s in shape])
    coords = pool[:, rng.integers(0, pool.shape[1], nnz)]
    order = draw(st.sampled_from(["random", "sorted", "reversed"]))
    if order != "random" and nnz:
        perm = np.lexsort(coords[::-1])
        coords = coords[:, perm if order == "sorted" else perm[::-1]]
    dtype = draw(st.sampled_from(DTYPES))
    values = random_values(rng, dtype, nnz)
    if draw(st.booleans()):  # non-contiguous views
        coords = np.repeat(coords, 2, axis=1)[:, ::2]
        values = np.repeat(values, 2)[::2]
    return coords.astype(np.int64), values, shape


def _check_policy(coords: np.ndarray, values: np.ndarray, shape: tuple[int, ...], policy: str):
    if policy in {"min", "max"} and values.dtype.kind == "c":
        return
    before = (coords.copy(), values.copy())
    ref = canonical(coords, values, shape, policy)
    got = _kernels.canonicalize(coords, values, shape, policy)
    twin = _generic.canonicalize(coords, values, shape, policy, XP)
    np.testing.assert_array_equal(coords, before[0], strict=True)
    np.testing.assert_array_equal(values, before[1], strict=True)
    assert got[2] == ref[2] == twin[2]
    if ref[2] is not None:
        return
    for out in (got, twin):
        np.testing.assert_array_equal(out[0], ref[0], strict=True)
    np.testing.assert_array_equal(got[1], ref[1], strict=True)
    np.testing.assert_array_equal(twin[1], ref[1], strict=True)  # one summation order
    assert got[3] == twin[3]
    n_distinct = len({tuple(c) for c in coords.T.tolist()})
    assert got[3] == (policy != "keep" or n_distinct == coords.shape[1])


@given(coo_inputs(), st.sampled_from(POLICIES))
def test_canonical_agrees_with_reference_and_twin(data, policy):
    _check_policy(*data, policy)


@contextlib.contextmanager
def bucket_sort_for_small_inputs(bucket: int = 4):
    """Let small inputs take the bucket sort (average bucket ``bucket``, skew limit 8x)."""
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(_kernels, "_BUCKET", bucket)
        mp.setattr(_kernels, "_MIN_BUCKET_INPUT", 2)
        mp.setattr(_kernels, "_MIN_BUCKET_KEY_BITS", 1)
        yield


@pytest.fixture
def small_buckets():
    with bucket_sort_for_small_inputs():
        yield


@given(coo_inputs(), st.sampled_from(POLICIES), st.sampled_from([2, 16, 64]))
def test_bucket_sort_agrees_with_reference_and_twin(data, policy, bucket):
    """Buckets sorted by insertion (up to 48) and by radix passes, and skewed inputs."""
    with bucket_sort_for_small_inputs(bucket):
        _check_policy(*data, policy)


def test_bucket_sort_routes(small_buckets, monkeypatch):
    """Spread keys take buckets; keys narrower than the shape a second partition;
    clustered keys the LSD sort; duplicates a compaction."""
    modules = {"partition_top": _kernels._buckets, "sort_buckets": _kernels._buckets,
               "compact": _kernels._buckets, "radix_sort_kv": _kernels._canon}
    calls = {name: spy_on(monkeypatch, module, name) for name, module in modules.items()}
    rng = np.random.default_rng(5)
    shape = (2**20, 2**20)
    spread = np.stack([rng.integers(0, 2**20, 500) for _ in shape])
    repeats = np.concatenate([spread, spread[:, :7]], axis=1)
    narrow = np.stack([rng.integers(0, 4, 500), rng.integers(0, 2**20, 500)])
    clustered = np.stack([np.full(500, 2**19), rng.integers(0, 2**20, 500)])
    for coords, want in [
        (spread, {"partition_top": 1, "sort_buckets": 1}),
        (repeats, {"partition_top": 1, "sort_buckets": 1, "compact": 1}),
        (narrow, {"partition_top": 2, "sort_buckets": 1}),
        (clustered, {"partition_top": 1, "radix_sort_kv": 1}),
    ]:
        for log in calls.values():
            log.clear()
        _check_policy(coords, rng.normal(size=coords.shape[1]), shape, "sum")
        assert {name: len(log) for name, log in calls.items() if log} == want


def test_bucket_sort_large():
    """Past the parallel threshold: every policy, dtypes, key lengths, and errors."""
    rng = np.random.default_rng(9)
    n = 200_000
    cases = [
        ((2**20, 2**20), rng.normal(size=n)),  # power-of-two axes
        ((1000, 999), rng.integers(-9, 9, n).astype(np.float32)),  # heavy duplicates
        ((37, 1001, 3), rng.random(n) < 0.5),  # bool: logical reductions
        ((2**62,), (rng.normal(size=n) + 1j).astype(np.complex64)),  # 62-bit keys: more buckets
    ]
    with bucket_sort_for_small_inputs(4096):
        for shape, values in cases:
            coords = np.stack([rng.integers(0, s, n) for s in shape])
            for policy in POLICIES:
                _check_policy(coords, values, shape, policy)
            coords[-1, n // 2] = shape[-1]  # out of range: nothing written, the column named
            before = coords.copy()
            with pytest.raises(IndexError, match=str(n // 2)):
                _kernels.canonicalize(coords, values, shape, "sum")
            np.testing.assert_array_equal(coords, before, strict=True)


@given(coo_inputs())
def test_to_dense_agrees(data):
    coords, values, shape = data
    if np.prod(np.array(shape, dtype=object)) > 10**5:
        return
    c = COO(coords, values, shape)
    want = to_dense(coords, values, shape, 0)
    np.testing.assert_array_equal(c.to_dense(), want, strict=True)
    canon = c.canonical()
    twin = _generic.coo_to_dense(canon.coords, canon.values, shape, 0, XP)
    np.testing.assert_array_equal(twin, want, strict=True)


@st.composite
def dense_inputs(draw: st.DrawFn) -> np.ndarray:
    ndim = draw(st.integers(0, 4))
    shape = tuple(draw(st.integers(0, 9)) for _ in range(ndim))
    rng = np.random.default_rng(draw(st.integers(0, 2**32 - 1)))
    dtype = draw(st.sampled_from(DTYPES))
    size = int(np.prod(shape))
    x = random_values(rng, dtype, size)
    x = np.where(rng.random(size) < draw(st.sampled_from([0.0, 0.1, 0.5, 1.0])), x, x.dtype.type(0))
    x = x.astype(dtype).reshape(shape)
    view = draw(st.sampled_from(["plain", "reversed", "strided", "transposed"]))
    if ndim and view == "reversed":
        x = x[..., ::-1]
    elif ndim and view == "strided":
        x = x[..., ::2]
    elif ndim >= 2 and view == "transposed":
        x = x.swapaxes(0, -1)
    return x


@given(dense_inputs(), st.sampled_from([0, 1]))
def test_from_dense_agrees_with_nonzero_and_twin(x, fill):
    want = from_dense(x, fill)
    got = _kernels.dense_to_coo(x, fill)
    twin = _generic.dense_to_coo(x, fill, XP)
    for out in (got, twin):
        np.testing.assert_array_equal(out[0], want[0], strict=True)
        np.testing.assert_array_equal(out[1], want[1], strict=True)


def test_parallel_paths_agree_with_reference():
    """Above the parallel threshold (chunks per thread) on random and sorted input."""
    rng = np.random.default_rng(7)
    n = 300_000
    for shape in [(900, 800), (2**20, 2**20), (40, 50, 60, 7), (3,)]:
        coords = np.stack([rng.integers(0, s, n) for s in shape])
        values = rng.integers(-9, 9, n).astype(np.float32)  # exact sums in any order
        if shape == (3,):  # runs far longer than a chunk: boundaries move
            coords = np.sort(coords, axis=1)[:, ::-1].copy()
        for policy in ("sum", "first", "last", "keep", "max"):
            got = _kernels.canonicalize(coords, values, shape, policy)
            twin = _generic.canonicalize(coords, values, shape, policy, XP)
            np.testing.assert_array_equal(got[0], twin[0], strict=True)
            np.testing.assert_array_equal(got[1], twin[1], strict=True)
        x = np.where(rng.random((700, 600)) < 0.05, rng.normal(size=(700, 600)), 0.0)
        for view in (x, x[::-1, ::-1], x.T):
            got = _kernels.dense_to_coo(view, 0)
            want = from_dense(view, 0)
            np.testing.assert_array_equal(got[0], want[0], strict=True)
            np.testing.assert_array_equal(got[1], want[1], strict=True)


@pytest.mark.parametrize("density", [0.002, 0.05, 0.3, 1.0])
@pytest.mark.parametrize("shape", [(300, 700), (12, 25, 230), (3, 4, 5, 1100)])
def test_dense_rows_longer_than_a_chunk(shape, density):
    """Rows of many 32-entry chunks, in parallel blocks: skipped, branchless and tail chunks."""
    rng = np.random.default_rng(11)
    x = np.where(rng.random(shape) < density, rng.normal(size=shape), 0.0).astype(np.float32)
    for view in (x, x[..., ::-1], x[..., 1:]):
        got = _kernels.dense_to_coo(view, 0)
        want = from_dense(view, 0)
        np.testing.assert_array_equal(got[0], want[0], strict=True)
        np.testing.assert_array_equal(got[1], want[1], strict=True)


@pytest.mark.parametrize("shape", [(2**20, 2**20), (7, 300, 11), (50_000,), (2**40, 2**40)])
@pytest.mark.parametrize("order", ["sorted", "repeats", "unsorted"])
@pytest.mark.parametrize("bad", [None, 0, 4095, 4096, 9_999])
def test_scan_blocks_agree_with_twin(shape, order, bad):
    """Keyed blocks of 4096 columns (and the column-wise scan beyond 63 bits) find the same."""
    rng = np.random.default_rng(3)
    n = 10_000
    coords = np.stack([rng.integers(0, min(s, 2**62), n) for s in shape])
    if order != "unsorted":
        coords = coords[:, np.lexsort(coords[::-1])]
    if order == "repeats":
        coords[:, 5000] = coords[:, 4999]
    if bad is not None:
        coords[-1, bad] = shape[-1] + 5 if shape[-1] < 2**62 else -1
    for view in (coords, np.asfortranarray(coords)):
        got = _kernels.scan(view, shape)
        want = _generic.scan(view, shape, XP)
        assert got[:2] == want[:2]
        if bad is None:
            assert got[2] == want[2]
        early = _kernels._coo.scan(view, _kernels._shape_array(shape), True)
        if order == "unsorted":  # stops at the first descent; a later bad column goes unseen
            assert early == (-1, -1, 2) or early == got
        else:
            assert early == got


@pytest.mark.parametrize("dtype", ["float32", "float16", "bool", "int64", "complex64"])
@pytest.mark.parametrize("shape", [(600, 500), (20, 30, 400)])
def test_one_read_at_low_density(shape, dtype):
    """Sparse input is read once (the count records the entries); blocks that hold more
    entries than the sampled density promised are read again. Both agree with nonzero."""
    from arraymask._backend import override_threads

    rng = np.random.default_rng(5)
    rows, n = int(np.prod(shape[:-1])), shape[-1]
    unsampled = np.arange(100) % (rows // _kernels._SAMPLE_ROWS) != 0
    for fill in (0, 1):
        x = np.where(rng.random(shape) < 0.002, rng.normal(size=shape) + 2, fill).astype(dtype)
        clustered = x.copy().reshape(rows, n)
        clustered[:100][unsampled] = rng.normal(size=(int(unsampled.sum()), n)) + 2
        clustered = clustered.reshape(shape)
        for threads in (1, 3):
            with override_threads(threads):
                for case in (x, clustered):
                    xv, _, half = _kernels._kernel_view(case)
                    fv = _kernels._kernel_view(np.asarray(fill, dtype=case.dtype).reshape(1))[0]
                    assert 0 < _kernels._record_capacity(xv, fv, half, rows, threads) < x.size
                    got = _kernels.dense_to_coo(case, fill)
                    want = from_dense(case, fill)
                    np.testing.assert_array_equal(got[0], want[0], strict=True)
                    np.testing.assert_array_equal(got[1], want[1], strict=True)


def test_recording_kernels_refuse_short_scratch_or_strided_input():
    """The kernels check the scratch they are given before writing into it."""
    x = np.zeros((200, 50), dtype=np.float32)
    fill = np.zeros(1, dtype=np.float32)
    counts = np.zeros(4, dtype=np.int64)
    short = np.empty(4 * 10 - 1, dtype=np.int64), np.empty(4 * 10 - 1, dtype=np.float32)
    with pytest.raises(ValueError, match="nb \\* cap"):
        _kernels._coo.dense_count(x, fill, False, counts, 10, *short)
    with pytest.raises(ValueError, match="C-contiguous"):
        _kernels._coo.dense_count(x.T, fill, False, counts, 10, np.empty(40, np.int64),
                                  np.empty(40, np.float32))
    starts = np.zeros(5, dtype=np.int64)
    with pytest.raises(ValueError, match="nb \\* cap"):
        _kernels._coo.dense_fill(x, fill, False, starts, np.empty((2, 1), np.int64),
                                 np.empty(1, np.float32), 10, *short)
    assert not counts.any()


def test_float16_exact():
    bits = np.arange(2**16, dtype=np.uint16)
    x = bits.view(np.float16).reshape(256, 256)
    got = _kernels.dense_to_coo(x, 0)
    want = from_dense(x, 0)
    np.testing.assert_array_equal(got[0], want[0], strict=True)
    np.testing.assert_array_equal(got[1].view(np.uint16), want[1].view(np.uint16), strict=True)
    assert got[1].size == 2**16 - 2  # +0 and -0 dropped, every NaN kept


def test_fast_path_is_taken(monkeypatch):
    def fail(*args, **kwargs):
        raise AssertionError("array-API twin used for NumPy input")

    for name in ("canonicalize", "dense_to_coo", "coo_to_dense", "scan"):
        monkeypatch.setattr(_generic, name, fail)
    c = COO(np.array([[2, 0, 2]]), np.array([1.0, 2.0, 3.0]), (3,))
    assert c.canonical().values.tolist() == [2.0, 4.0]
    assert COO.from_dense(np.eye(3)).nnz == 3
    assert c.to_dense().tolist() == [2.0, 0.0, 4.0]


def test_fast_path_is_taken_for_cpu_torch(monkeypatch):
    torch = pytest.importorskip("torch")

    def fail(*args, **kwargs):
        raise AssertionError("array-API twin used for a CPU torch tensor")

    for name in ("canonicalize", "dense_to_coo", "coo_to_dense", "scan"):
        monkeypatch.setattr(_generic, name, fail)
    values = torch.tensor([1.0, 2.0, 3.0])
    c = COO(torch.tensor([[2, 0, 2]]), values, (3,))
    out = c.canonical()
    assert isinstance(out.values, torch.Tensor) and out.values.tolist() == [2.0, 4.0]
    x = torch.eye(3)[:, [2, 1, 0]]
    d = COO.from_dense(x)
    assert isinstance(d.coords, torch.Tensor) and d.coords.tolist() == [[0, 1, 2], [2, 1, 0]]
    assert torch.equal(d.to_dense(), x)


def test_already_canonical_detected_without_work(monkeypatch):
    coords = np.array([[0, 1, 1], [2, 0, 3]])
    c = COO(coords, np.ones(3), (2, 4))
    assert c.is_canonical
    monkeypatch.setattr(_kernels, "canonicalize", lambda *a: (_ for _ in ()).throw(AssertionError))
    assert c.canonical("error") is c


@pytest.mark.slow
@pytest.mark.parametrize("rows", [2**12, 2**20])  # skewed keys (LSD sort), spread (buckets)
def test_large_canonical_5m(rows):
    rng = np.random.default_rng(3)
    n = 5_000_000
    shape = (2**20, 2**20)
    coords = np.stack([rng.integers(0, rows, n), rng.integers(0, 2**20, n)])
    coords[:, rng.integers(0, n, n // 10)] = coords[:, rng.integers(0, n, n // 10)]  # repeats
    values = rng.integers(-100, 100, n).astype(np.int64)
    out = COO(coords, values, shape, check=False).canonical()
    key = coords[0] * shape[1] + coords[1]
    uniq, inverse = np.unique(key, return_inverse=True)
    sums = np.bincount(inverse, weights=values).astype(np.int64)
    np.testing.assert_array_equal(out.coords[0] * shape[1] + out.coords[1], uniq)
    np.testing.assert_array_equal(out.values, sums)
    assert out.is_canonical
