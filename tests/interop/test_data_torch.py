"""``torch_collate`` with real ``DataLoader`` pipelines."""

from __future__ import annotations

from collections import namedtuple

import numpy as np
import pytest

from arraymask import COO
from arraymask.sparse import torch_collate

torch = pytest.importorskip("torch")
sp = pytest.importorskip("scipy.sparse")
DataLoader = torch.utils.data.DataLoader


def matrix(seed=0, shape=(10, 6)):
    rng = np.random.default_rng(seed)
    x = rng.integers(1, 9, size=shape).astype(np.float32)
    x[rng.random(shape) < 0.6] = 0
    return x


class RowDataset(torch.utils.data.Dataset):
    """Samples ``(sparse row, label)`` built by ``make_row``."""

    def __init__(self, dense, make_row):
        self.dense, self.make_row = dense, make_row

    def __len__(self):
        return self.dense.shape[0]

    def __getitem__(self, i):
        return self.make_row(self.dense, i), i


ROW_KINDS = {
    "coo": lambda d, i: COO.from_dense(d[i]),
    "torch": lambda d, i: torch.from_numpy(d[i]).to_sparse(),
    "scipy_matrix_row": lambda d, i: sp.csr_matrix(d)[i],
    "scipy_array_row": lambda d, i: sp.csr_array(d)[[i]],
    "scipy_1d": lambda d, i: sp.coo_array(d[i]),
}


@pytest.mark.parametrize("kind", sorted(ROW_KINDS))
def test_dataloader_batches_sparse_rows(kind):
    dense = matrix()
    loader = DataLoader(RowDataset(dense, ROW_KINDS[kind]), batch_size=4,
                        collate_fn=torch_collate)
    batches = list(loader)
    assert [tuple(x.shape) for x, _ in batches] == [(4, 6), (4, 6), (2, 6)]
    for b, (x, y) in enumerate(batches):
        assert x.layout == torch.sparse_coo and x.is_coalesced()
        assert x.dtype == torch.float32
        np.testing.assert_array_equal(x.to_dense().numpy(), dense[4 * b: 4 * b + 4])
        assert y.tolist() == list(range(4 * b, min(4 * b + 4, 10)))


def test_multi_dimensional_samples_and_nested_structures():
    rng = np.random.default_rng(3)
    Sample = namedtuple("Sample", ["image", "meta"])
    samples = []
    for i in range(3):
        image = rng.random((2, 3, 4)) * (rng.random((2, 3, 4)) < 0.3)
        samples.append(Sample(COO.from_dense(image), {"id": i, "dense": torch.ones(2) * i}))
    out = torch_collate(samples)
    assert isinstance(out, Sample)
    assert tuple(out.image.shape) == (3, 2, 3, 4) and out.image.is_coalesced()
    np.testing.assert_array_equal(out.image.to_dense().numpy(),
                                  np.stack([s.image.to_dense() for s in samples]))
    assert out.meta["id"].tolist() == [0, 1, 2]
    assert out.meta["dense"].shape == (3, 2)


def test_duplicates_in_samples_are_summed():
    dup = COO(np.array([[1, 1, 0]]), np.array([1.0, 2.0, 5.0]), (3,))
    out = torch_collate([dup, dup])
    assert out.is_coalesced()
    np.testing.assert_array_equal(out.to_dense().numpy(), [[5.0, 3.0, 0.0]] * 2)


def test_dense_batches_match_default_collate():
    batch = [(torch.ones(3) * i, i, {"w": float(i)}) for i in range(4)]
    ours = torch_collate(batch)
    theirs = torch.utils.data.default_collate(batch)
    assert torch.equal(ours[0], theirs[0]) and torch.equal(ours[1], theirs[1])
    assert torch.equal(ours[2]["w"], theirs[2]["w"])


WORKER_SCRIPT = """
import numpy as np, torch
from arraymask import COO
from arraymask.sparse import torch_collate

class Rows(torch.utils.data.Dataset):
    def __init__(self, dense):
        self.dense = dense
    def __len__(self):
        return len(self.dense)
    def __getitem__(self, i):
        return COO.from_dense(self.dense[i]), i

dense = np.arange(40, dtype=np.float32).reshape(8, 5) % 3
dense[2] = 0
loader = torch.utils.data.DataLoader(Rows(dense), batch_size=8, num_workers=1,
                                     collate_fn=torch_collate)
(x, y), = list(loader)
assert x.is_coalesced() and y.tolist() == list(range(8))
np.testing.assert_array_equal(x.to_dense().numpy(), dense)
"""


def test_worker_processes_and_empty_rows():
    # A fresh interpreter: forking DataLoader workers from a process that has
    # imported TensorFlow (other tests here do) can deadlock in the child.
    import subprocess
    import sys

    subprocess.run([sys.executable, "-c", WORKER_SCRIPT], check=True, timeout=300)


def test_bad_batches():
    a = COO.from_dense(np.ones(3))
    with pytest.raises(ValueError, match="empty"):
        torch_collate([])
    with pytest.raises(TypeError, match=r"batch\[1\]"):
        torch_collate([a, torch.ones(3)])
    with pytest.raises(TypeError, match=r"batch\[1\] is sparse"):
        torch_collate([torch.ones(3), a])
    with pytest.raises(ValueError, match=r"batch\[1\] has shape \(4,\)"):
        torch_collate([a, COO.from_dense(np.ones(4))])
    with pytest.raises(ValueError, match="fields"):
        torch_collate([(a, 1), (a,)])
    with pytest.raises(ValueError, match="SciPy rows"):
        torch_collate([sp.csr_matrix(np.ones((1, 3))), sp.csr_matrix(np.ones((2, 3)))])
