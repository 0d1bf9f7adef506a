"""
Sequence-length masks, padded right and left
============================================

``lengths_mask(lengths, maxlen)`` is ``tf.sequence_mask``: row ``i`` is True
at the first ``lengths[i]`` positions (``side="right"``: right padding). With
``side="left"`` the True positions are the last ones, as for left-padded
batches (decoder-only language models pad on the left).
"""

import matplotlib.pyplot as plt
import numpy as np

import arraymask as am

lengths = np.array([3, 7, 1, 5, 10, 0])
right = am.lengths_mask(lengths, 10)
left = am.lengths_mask(lengths, 10, side="left")

fig, axes = plt.subplots(1, 2, figsize=(9, 3), layout="constrained")
for ax, mask, title in ((axes[0], right, 'side="right"'), (axes[1], left, 'side="left"')):
    ax.imshow(mask, cmap="Blues", vmin=0, vmax=1.3)
    ax.set_title(title)
    ax.set_yticks(range(len(lengths)), [f"length {n}" for n in lengths])
    ax.set_xticks(range(10))

# %%
# The True counts are the lengths, on both sides:

print(right.sum(axis=1), left.sum(axis=1))
