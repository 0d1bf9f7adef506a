"""
Converting between Matrix Market and binsparse
==============================================

``arraymask convert`` reads and writes Matrix Market (``.mtx``, ``.mtx.gz``,
``.mtx.bz2``), SciPy ``.npz``, NumPy ``.npy``, PyTorch ``.pt`` and binsparse
(``.bsp.h5``, ``.bsp.npz``; ``pip install "arraymask[binsparse]"``). The
output is always canonical (row-major, duplicates combined). The binary file
reads back much faster than the text and holds exactly the same entries.
"""

import os
import tempfile
import time

import matplotlib.pyplot as plt
import numpy as np

from arraymask.cli import main
from arraymask.io import Progress, binsparse_io, describe, matrix_market

example = os.path.join(os.pardir, os.pardir, "examples", "poisson2d_p1_elements.mtx")
folder = tempfile.mkdtemp()
target = os.path.join(folder, "poisson.bsp.h5")
main(["convert", example, target])
main(["info", target])

# %%
# The same matrix from both files (the ``.mtx`` holds the unassembled element
# matrices; converting summed them):

quiet = Progress("never")
text = matrix_market.read(example, progress=quiet).coo.canonical()
binary = binsparse_io.read(target, progress=quiet).coo
print(np.array_equal(text.coords, binary.coords), np.array_equal(text.values, binary.values))

sizes, times = {}, {}
for name, path, reader in (("text .mtx", example, matrix_market.read),
                           ("binsparse .bsp.h5", target, binsparse_io.read)):
    sizes[name] = describe(path)["file_size"] / 1024
    start = time.perf_counter()
    for _ in range(5):
        reader(path, progress=quiet)
    times[name] = (time.perf_counter() - start) / 5 * 1e3

fig, axes = plt.subplots(1, 2, figsize=(9, 2.6), layout="constrained")
axes[0].barh(list(sizes), list(sizes.values()), color=["tab:gray", "tab:blue"])
axes[0].set_xlabel("file size (KiB)")
axes[1].barh(list(times), list(times.values()), color=["tab:gray", "tab:blue"])
axes[1].set_xlabel("read time (ms, this build's machine, small file)")
