"""
The same random mask on two backends
====================================

``random_mask(shape, rate, seed=...)`` draws its bits with a counter-based
generator written in integer array operations, so the same arguments give
the **same bits** on NumPy and on PyTorch (and JAX, CuPy, Dask): a mask drawn
on a GPU in training can be reproduced on a laptop. Here the mask is drawn
on NumPy and on a torch tensor, shown side by side, and compared bit for bit.
"""

import matplotlib.pyplot as plt
import numpy as np
import torch

import arraymask as am

on_numpy = am.random_mask((24, 48), 0.3, seed=2024)
on_torch = am.random_mask((24, 48), 0.3, seed=2024, xp=torch)
exact = am.random_mask((24, 48), 0.3, seed=2024, exact=True, xp=torch)

fig, axes = plt.subplots(1, 3, figsize=(13, 3), layout="constrained")
panels = (
    (on_numpy, "NumPy: random_mask(..., seed=2024)"),
    (on_torch.numpy(), "PyTorch: the same call, xp=torch"),
    (exact.numpy(), "exact=True: round(0.3 * 48) = 14 per row"),
)
for ax, (mask, title) in zip(axes, panels, strict=True):
    ax.imshow(mask, cmap="gray_r", vmin=0, vmax=1)
    ax.set_title(title, fontsize=9)
    ax.set_xticks([])
    ax.set_yticks([])

# %%
# Bit for bit identical, and of the requested density:

print(type(on_torch).__name__, np.array_equal(on_numpy, on_torch.numpy()))
print(f"fraction True: {on_numpy.mean():.3f}")
print(f"True per row with exact=True: {set(exact.sum(1).tolist())}")
