"""Masks and COO computed on a ``dask.distributed`` cluster."""

from __future__ import annotations

import numpy as np
import pytest

da = pytest.importorskip("dask.array")
distributed = pytest.importorskip("distributed")

import arraymask as am  # noqa: E402
from arraymask.sparse import COO  # noqa: E402


@pytest.fixture(scope="module")
def client():
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=False,
                                  dashboard_address=None) as cluster, \
            distributed.Client(cluster) as c:
        yield c


def test_topk_and_coo_on_a_local_cluster(client):
    rng = np.random.default_rng(0)
    x = rng.random((40, 300)).astype(np.float32)
    x[x < 0.9] = 0
    d = da.from_array(x, chunks=((15, 25), (70, 100, 130)))
    mask = am.topk_mask(d, 12)
    glob = am.topk_mask(d, 50, axis=None, largest=False)
    lazy = COO.from_mask(mask, d)
    coo_dense = COO.from_dense(d)
    got_mask, got_glob, coords, values = client.compute(
        [mask, glob, lazy.coords, lazy.values], sync=True)
    np.testing.assert_array_equal(got_mask, am.topk_mask(x, 12))
    np.testing.assert_array_equal(got_glob, am.topk_mask(x, 50, axis=None, largest=False))
    want = COO.from_mask(am.topk_mask(x, 12), x)
    np.testing.assert_array_equal(coords, want.coords)
    np.testing.assert_array_equal(values, want.values)
    eager = coo_dense.compute()
    np.testing.assert_array_equal(eager.coords, COO.from_dense(x).coords)
    bits = am.random_mask((40, 300), 0.25, seed=11, xp=da)
    np.testing.assert_array_equal(client.compute(bits, sync=True),
                                  am.random_mask((40, 300), 0.25, seed=11))
