"""
A COO from a mask, and sparsity patterns
========================================

``COO.from_mask(mask, values)`` keeps the entries where the mask is True, in
canonical (row-major) order. The pattern of a COO is the picture of its
coordinates; ``arraymask spy`` draws the same picture for a file, reading
its entries a block at a time, so it works for matrices whose dense form
would not fit in memory.
"""

import os
import tempfile

import matplotlib.pyplot as plt
import numpy as np

import arraymask as am
from arraymask.io import spy
from arraymask.io.png import read_png

rng = np.random.default_rng(1)
x = rng.standard_normal((40, 60)).astype(np.float32)
mask = am.topk_mask(np.abs(x), 4)  # the 4 largest magnitudes of every row
coo = am.COO.from_mask(mask, x)
print(coo.shape, coo.nnz, coo.is_canonical, coo.coords[:, :6].tolist())

# %%
# The pattern of the COO (its coordinates), and the example matrix of the
# repository drawn by ``arraymask spy`` (one pixel per element; ``--size 100``
# bins it into a density picture of 10 x 10 elements per pixel).

example = os.path.join(os.pardir, os.pardir, "examples", "poisson2d_p1_elements.mtx")
folder = tempfile.mkdtemp()
full = spy(example, os.path.join(folder, "full.png"))
binned = spy(example, os.path.join(folder, "binned.png"), size=100)
print(full.summary())
print(binned.summary())

fig, axes = plt.subplots(1, 3, figsize=(14, 5.2), layout="constrained")
rows, cols = coo.coords
axes[0].scatter(cols, rows, s=4, marker="s", color="black")
axes[0].set_xlim(-0.5, coo.shape[1] - 0.5)
axes[0].set_ylim(coo.shape[0] - 0.5, -0.5)
axes[0].set_aspect("equal")
axes[0].set_title("COO.from_mask: 4 per row")
pictures = ((axes[1], "full.png", "arraymask spy"), (axes[2], "binned.png", "--size 100"))
for ax, name, title in pictures:
    with open(os.path.join(folder, name), "rb") as f:
        ax.imshow(read_png(f.read()), cmap="gray", vmin=0, vmax=255, interpolation="nearest")
    ax.set_title(f"{title}: poisson2d_p1_elements.mtx", fontsize=9)
