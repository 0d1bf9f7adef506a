"""
Streaming sparse samples with ``tf.data``
=========================================

``arraymask.sparse.tf_dataset`` turns an iterable (or a generator function)
of sparse samples into a ``tf.data.Dataset`` of ``tf.sparse.SparseTensor``
with the right ``element_spec``, ready for ``.batch()``, ``.prefetch()`` and
``keras.Model.fit``. Here each sample is a bag of token ids built as a COO
from an ``isin_mask`` over a small vocabulary.
"""

import os

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

import matplotlib.pyplot as plt
import numpy as np
import tensorflow as tf

import arraymask as am

vocabulary = np.arange(32)
rng = np.random.default_rng(5)


def samples():
    for _ in range(12):
        tokens = rng.integers(0, 32, size=rng.integers(2, 9))
        present = am.isin_mask(vocabulary, tokens)
        yield am.COO.from_mask(present, np.ones(32, dtype=np.float32))


dataset = am.sparse.tf_dataset(samples, shape=(32,), dtype="float32").batch(4).prefetch(2)
print(dataset.element_spec)

batches = [tf.sparse.to_dense(batch).numpy() for batch in dataset]
print([b.shape for b in batches])

fig, axes = plt.subplots(1, len(batches), figsize=(12, 2.2), layout="constrained")
for i, (ax, batch) in enumerate(zip(axes, batches, strict=True)):
    ax.imshow(batch, cmap="Greens", vmin=0, vmax=1.2, aspect="auto")
    ax.set_title(f"batch {i}: 4 x 32", fontsize=9)
    ax.set_yticks([])
