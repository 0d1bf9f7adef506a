"""
Sparse batches from a PyTorch ``DataLoader``
============================================

``arraymask.sparse.torch_collate`` is a ``collate_fn``: sparse fields of the
samples (SciPy rows here) are stacked into one coalesced
``torch.sparse_coo_tensor``; dense fields (the labels) go through
``default_collate``.
"""

import matplotlib.pyplot as plt
import numpy as np
import scipy.sparse as sp
import torch
from torch.utils.data import DataLoader

import arraymask as am

rng = np.random.default_rng(7)
features = sp.random_array((20, 30), density=0.15, format="csr", rng=rng, dtype=np.float32)
labels = rng.integers(0, 2, size=20)
dataset = [(features[[i]], int(labels[i])) for i in range(20)]  # rows of shape (1, 30)

loader = DataLoader(dataset, batch_size=5, collate_fn=am.sparse.torch_collate)
x, y = next(iter(loader))
print(x.layout, tuple(x.shape), x.is_coalesced(), y.tolist())

fig, axes = plt.subplots(1, 4, figsize=(12, 2.2), layout="constrained")
for i, (ax, (xb, yb)) in enumerate(zip(axes, loader, strict=True)):
    ax.imshow(xb.to_dense().numpy() != 0, cmap="gray_r", aspect="auto")
    ax.set_title(f"batch {i}: labels {yb.tolist()}", fontsize=8)
    ax.set_yticks([])
torch.manual_seed(0)
