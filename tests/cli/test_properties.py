"""Random matrices (duplicates, NaN, infinities, -0.0, tiny and huge values) survive the formats."""

from __future__ import annotations

import numpy as np
import pytest
from cli_reference import SUFFIX, needs, read_reference

hypothesis = pytest.importorskip("hypothesis")
from hypothesis import given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

from arraymask.cli import main  # noqa: E402

SPECIAL = [0.0, -0.0, np.nan, np.inf, -np.inf, 5e-324, 1.7976931348623157e308, 1 / 3, -1e-300]


@st.composite
def entries(draw):
    rows = draw(st.integers(1, 6))
    cols = draw(st.integers(1, 6))
    n = draw(st.integers(0, 25))
    r = draw(st.lists(st.integers(0, rows - 1), min_size=n, max_size=n))
    c = draw(st.lists(st.integers(0, cols - 1), min_size=n, max_size=n))
    v = draw(st.lists(st.one_of(st.sampled_from(SPECIAL), st.floats(allow_nan=False)),
                      min_size=n, max_size=n))
    return np.array(r, dtype=np.int64), np.array(c, dtype=np.int64), np.array(v), (rows, cols)


def _expected(r, c, v, shape, policy):
    """Canonical entries under ``policy`` (first/last: by file position)."""
    key = r * shape[1] + c
    order = np.argsort(key, kind="stable")
    key, v = key[order], v[order]
    uniq, start = np.unique(key, return_index=True)
    if policy == "first":
        vals = v[start]
    else:  # last
        end = np.r_[start[1:], len(key)].astype(np.int64) - 1
        vals = v[end] if len(key) else v
    return np.stack([uniq // shape[1], uniq % shape[1]]), vals


@settings(max_examples=25, deadline=None)
@given(data=entries(), via=st.sampled_from(["mtx", "mtx.gz", "pt"]),
       policy=st.sampled_from(["first", "last"]))
def test_values_survive_bit_exactly(data, via, policy, tmp_path_factory):
    needs("npz", via)
    import scipy.sparse as sp

    r, c, v, shape = data
    folder = tmp_path_factory.mktemp("prop")
    src = folder / "a.npz"
    sp.save_npz(src, sp.coo_array((v, (r, c)), shape=shape))
    mid = folder / f"b{SUFFIX[via]}"
    assert main(["convert", str(src), str(mid), "--duplicates", policy, "-q"]) == 0
    assert main(["convert", str(mid), str(folder / "c.npz"), "-q"]) == 0
    got = read_reference("npz", str(folder / "c.npz"))
    coords, values = _expected(r, c, v, shape, policy)
    np.testing.assert_array_equal(got.coords, coords)
    # bit patterns: NaN == NaN, -0.0 != 0.0
    np.testing.assert_array_equal(got.values.view(np.int64), values.view(np.int64))
