"""
Per-row top-k masks
===================

``topk_mask(x, k)`` marks the ``k`` largest entries of every row. Ties go to
the lower index, so the mask has exactly ``k`` True per row on every backend;
``ties="all"`` keeps every entry equal to the k-th value instead. ``k`` may
differ per row, and ``axis=None`` ranks the whole array at once.
"""

import matplotlib.pyplot as plt
import numpy as np

import arraymask as am

rng = np.random.default_rng(0)
scores = rng.integers(0, 6, size=(8, 16)).astype(np.float32)  # many ties

masks = {
    "k=3 per row (ties to the lower index)": am.topk_mask(scores, 3),
    'k=3, ties="all"': am.topk_mask(scores, 3, ties="all"),
    "k = row number (one k per row)": am.topk_mask(scores, np.arange(8)),
    "top 10 of the whole array (axis=None)": am.topk_mask(scores, 10, axis=None),
}

fig, axes = plt.subplots(1, 5, figsize=(15, 2.3), layout="constrained")
axes[0].imshow(scores, cmap="viridis")
axes[0].set_title("scores")
for ax, (title, mask) in zip(axes[1:], masks.items(), strict=True):
    ax.imshow(mask, cmap="gray_r", vmin=0, vmax=1)
    ax.set_title(title, fontsize=9)
for ax in axes:
    ax.set_xticks([])
    ax.set_yticks([])

# %%
# Exactly ``k`` per row with ``ties="index"``, at least ``k`` with ``ties="all"``:

print(masks["k=3 per row (ties to the lower index)"].sum(axis=1))
print(masks['k=3, ties="all"'].sum(axis=1))
