"""Streaming sparse samples into training loops: ``tf_dataset`` and ``torch_collate``.

Both accept a COO or anything :func:`arraymask.interop.from_sparse` reads
(TensorFlow, torch, SciPy, pydata, cupyx sparse objects) per sample, and
both produce canonical sparse tensors of the target framework. TensorFlow and
torch are imported inside the functions.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Iterator, Mapping, Sequence, Sized
from typing import Any

import numpy as np

from ..sparse import COO, stack
from ._from_sparse import from_sparse, source_kind
from .tensorflow import to_tensorflow
from .torch import as_torch, to_torch

__all__ = ["tf_dataset", "torch_collate"]


# --------------------------------------------------------------------------
# tf.data


def _as_coo(item: Any, position: int) -> Any:
    try:
        return from_sparse(item)
    except TypeError as exc:
        raise TypeError(f"tf_dataset element {position}: {exc}") from None


def _factory(source: Any) -> tuple[Callable[[], Iterator[Any]], bool]:
    """A function giving a fresh iterator over ``source``, and whether it is one-shot."""
    if callable(source) and not hasattr(source, "__iter__"):

        def from_function() -> Iterator[Any]:
            produced = source()
            try:
                return iter(produced)
            except TypeError:
                raise TypeError(
                    "tf_dataset: the source function must return an iterable, "
                    f"got {type(produced).__name__}"
                ) from None

        return from_function, False
    try:
        probe = iter(source)
    except TypeError:
        raise TypeError(
            "source must be an iterable or a generator function of sparse samples, "
            f"got {type(source).__name__}"
        ) from None
    if probe is source:  # an iterator or generator object: one pass only
        return (lambda: source), True
    return (lambda: iter(source)), False


def _spec_shape(shape: Any) -> tuple[int | None, ...]:
    if isinstance(shape, (str, bytes)) or not hasattr(shape, "__iter__"):
        raise TypeError(f"shape must be a tuple of ints or None, got {shape!r}")
    dims: list[int | None] = []
    for d in shape:
        if d is None:
            dims.append(None)
        elif isinstance(d, (bool, np.bool_)) or not isinstance(d, (int, np.integer)):
            raise TypeError(f"shape entries must be ints or None, got {d!r} in {shape!r}")
        elif d < 0:
            raise ValueError(f"shape entries must be >= 0 or None, got {shape!r}")
        else:
            dims.append(int(d))
    return tuple(dims)


def tf_dataset(source: Any, *, shape: Any = None, dtype: Any = None) -> Any:
    """A ``tf.data.Dataset`` of ``tf.sparse.SparseTensor`` from sparse samples.

    Parameters
    ----------
    source : iterable or generator function
        Yields one sample per element: a COO or anything ``COO.from_sparse``
        reads (``tf.sparse.SparseTensor``, torch sparse tensors, SciPy sparse
        arrays and matrices, pydata ``sparse`` arrays). A list (or any
        re-iterable) or a generator *function* gives a dataset that can be
        iterated many times (epochs); a generator *object* can be read once.
    shape : tuple of int or None, optional
        Dense shape of each element; ``None`` entries are unknown (for
        example a variable leading dimension). Default: the first element's
        shape.
    dtype : dtype, optional
        Value dtype of the elements (NumPy, TensorFlow or a name). Samples of
        another dtype of the same kind are cast (``float64`` → ``float32``,
        ``int64`` → ``int32``); a cast across kinds (``int64`` → ``float32``)
        raises. Default: the first element's dtype, which
        every later element must have.

    Returns
    -------
    tf.data.Dataset
        ``element_spec`` is ``tf.SparseTensorSpec(shape, dtype)``; elements are
        ordered without duplicates (duplicates in a sample are summed). Works
        with ``.batch()``, ``.prefetch()``, ``.map()`` and ``keras.Model.fit``.
        A source with a length (a list) gives a dataset of known cardinality.

    Raises
    ------
    ValueError
        ``shape``/``dtype`` not given and the source is empty. While
        iterating, an element of the wrong ndim or shape, or an unreadable
        element, stops the iteration with an error (TensorFlow wraps it in a
        ``tf.errors`` exception) whose message names the element's position.

    Notes
    -----
    Inferring ``shape`` or ``dtype`` reads the first element once more: for a
    generator function that is one extra call; for a one-shot iterator the
    element is kept and yielded first.

    Examples
    --------
    >>> import numpy as np
    >>> import arraymask as am
    >>> rows = [am.COO.from_dense(np.array([0.0, 1.5, 0.0], dtype=np.float32))] * 4
    >>> ds = am.sparse.tf_dataset(rows).batch(2)
    >>> [b.dense_shape.numpy().tolist() for b in ds]
    [[2, 3], [2, 3]]
    """
    import tensorflow as tf

    make_iter, one_shot = _factory(source)
    peeked: list[Any] = []
    if shape is None or dtype is None:
        iterator = make_iter()
        try:
            first = next(iter(iterator))
        except StopIteration:
            raise ValueError(
                "tf_dataset: the source is empty, so shape and dtype cannot be "
                "inferred; pass shape= and dtype="
            ) from None
        first_coo = _as_coo(first, 0)
        if one_shot:
            peeked.append(first_coo)
        if shape is None:
            shape = first_coo.shape
        if dtype is None:
            dtype = tf.as_dtype(_numpy_dtype(first_coo.dtype))
            cast_allowed = False
        else:
            cast_allowed = True
    else:
        cast_allowed = True
    dims = _spec_shape(shape)
    try:
        tf_dtype = tf.as_dtype(dtype if not isinstance(dtype, str) else np.dtype(dtype))
    except TypeError:
        raise TypeError(f"dtype {dtype!r} is not a TensorFlow dtype") from None
    spec = tf.SparseTensorSpec(shape=dims, dtype=tf_dtype)
    static_shape = tf.TensorShape(dims)

    def generate() -> Iterator[Any]:

        if one_shot:
            stream: Iterator[Any] = itertools.chain(tuple(peeked), make_iter())
            peeked.clear()  # the first element is yielded on the first pass only
        else:
            stream = make_iter()
        for position, item in enumerate(stream):
            coo = _as_coo(item, position)
            if coo.ndim != len(dims):
                raise ValueError(
                    f"tf_dataset element {position} has {coo.ndim} dimensions "
                    f"(shape {coo.shape}); the dataset's elements have {len(dims)} "
                    f"(shape {dims})"
                )
            if not static_shape.is_compatible_with(coo.shape):
                raise ValueError(
                    f"tf_dataset element {position} has shape {coo.shape}, which does not "
                    f"match the dataset's shape {dims}"
                )
            sparse = to_tensorflow(coo)
            if sparse.dtype != tf_dtype:
                if not cast_allowed or not _same_kind(sparse.dtype, tf_dtype):
                    raise TypeError(
                        f"tf_dataset element {position} has dtype {sparse.dtype.name}, "
                        f"but the dataset's dtype is {tf_dtype.name}"
                        + ("" if cast_allowed else " (the dtype of element 0)")
                    )
                sparse = tf.sparse.SparseTensor(
                    sparse.indices, tf.cast(sparse.values, tf_dtype), sparse.dense_shape
                )
            yield sparse

    dataset = tf.data.Dataset.from_generator(generate, output_signature=spec)
    if isinstance(source, Sized) and not one_shot:
        # a known length lets Keras count steps per epoch (no "ran out of data")
        dataset = dataset.apply(tf.data.experimental.assert_cardinality(len(source)))
    return dataset


def _same_kind(source: Any, target: Any) -> bool:
    """A cast between two TF dtypes stays within one kind (float→float, int→int)."""
    kinds = {np.dtype(d.as_numpy_dtype).kind if d.is_numpy_compatible else d.name
             for d in (source, target)}
    return len(kinds) == 1


def _numpy_dtype(dtype: Any) -> Any:
    """NumPy dtype for a dtype of any namespace (torch dtypes by name)."""
    try:
        return np.dtype(dtype)
    except TypeError:
        name = str(dtype).rsplit(".", 1)[-1]
        if name == "bfloat16":
            import tensorflow as tf

            return tf.bfloat16
        return np.dtype(name)


# --------------------------------------------------------------------------
# torch DataLoader


def _is_sparse_sample(obj: Any) -> bool:

    if isinstance(obj, COO):
        return True
    kind = source_kind(obj)
    if kind == "torch":
        import torch

        return isinstance(obj, torch.Tensor) and obj.layout != torch.strided
    if kind == "scipy":
        import scipy.sparse as sp

        return bool(sp.issparse(obj))
    if kind == "tensorflow":
        import tensorflow as tf

        return isinstance(obj, tf.sparse.SparseTensor)
    if kind == "pydata":
        import sparse

        return isinstance(obj, sparse.SparseArray)
    if kind == "cupyx":
        import cupyx.scipy.sparse as csp

        return bool(csp.issparse(obj))
    return False


def _is_scipy_row(obj: Any) -> bool:

    return source_kind(obj) == "scipy" and len(obj.shape) == 2 and obj.shape[0] == 1


def _collate_sparse(batch: Sequence[Any]) -> Any:

    rows = _is_scipy_row(batch[0])
    coos: list[Any] = []
    for i, sample in enumerate(batch):
        if not _is_sparse_sample(sample):
            raise TypeError(
                f"torch_collate: batch[{i}] is {type(sample).__name__}, but batch[0] is sparse; "
                "a field must be sparse in every sample or in none"
            )
        if _is_scipy_row(sample) != rows:
            raise ValueError(
                f"torch_collate: batch[{i}] has shape {sample.shape}, batch[0] has "
                f"{batch[0].shape}; SciPy rows (shape (1, n)) cannot be mixed with other shapes"
            )
        coo = from_sparse(sample)
        coords, values, shape = as_torch(coo.coords), as_torch(coo.values), coo.shape
        if rows:  # a (1, n) SciPy row stands for a 1-D sample of length n
            coords, shape = coords[1:, :], shape[1:]
        if coos and shape != coos[0].shape:
            raise ValueError(
                f"torch_collate: batch[{i}] has shape {shape}, but batch[0] has {coos[0].shape}"
            )
        if coos and values.device != coos[0].values.device:
            coords, values = coords.to(coos[0].values.device), values.to(coos[0].values.device)
        coos.append(COO._from_trusted(coords, values, shape, canonical=True))
    return to_torch(stack(coos, axis=0))


def torch_collate(batch: Sequence[Any]) -> Any:
    """``collate_fn`` for ``torch.utils.data.DataLoader`` that stacks sparse samples.

    Parameters
    ----------
    batch : sequence
        The samples of one batch. Each sample (or each field of a tuple,
        list, named tuple or dict sample, at any depth) is either sparse — a
        COO, a torch sparse tensor (COO/CSR/CSC/BSR/BSC), a SciPy sparse
        array/matrix, a pydata ``sparse`` array, a ``tf.sparse.SparseTensor``
        — or anything ``torch.utils.data.default_collate`` takes.

    Returns
    -------
    Any
        Sparse fields become one coalesced ``torch.sparse_coo_tensor`` of
        shape ``(len(batch), *sample_shape)`` (duplicates in a sample are
        summed); SciPy samples of shape ``(1, n)`` — rows sliced from a
        matrix — are rows, so a batch of them has shape ``(len(batch), n)``.
        Dense fields are collated by ``default_collate``.

    Raises
    ------
    TypeError
        A field sparse in some samples and dense in others.
    ValueError
        Sparse samples of different shapes; an empty batch.

    Examples
    --------
    >>> import numpy as np
    >>> import scipy.sparse as sp
    >>> import arraymask as am
    >>> X = sp.csr_matrix(np.array([[0.0, 1.0], [2.0, 0.0], [0.0, 0.0]]))
    >>> batch = [(X[i], i) for i in range(3)]
    >>> x, y = am.sparse.torch_collate(batch)
    >>> x.shape, x.is_coalesced(), y.tolist()
    (torch.Size([3, 2]), True, [0, 1, 2])
    """
    from torch.utils.data import default_collate

    if not isinstance(batch, Sequence):
        batch = list(batch)
    if len(batch) == 0:
        raise ValueError("torch_collate: batch is empty")
    first = batch[0]
    if _is_sparse_sample(first):
        return _collate_sparse(batch)
    if isinstance(first, Mapping):
        return {key: torch_collate([sample[key] for sample in batch]) for key in first}
    if isinstance(first, tuple) and hasattr(first, "_fields"):
        return type(first)(*(torch_collate(list(field)) for field in zip(*batch, strict=True)))
    if isinstance(first, Sequence) and not isinstance(first, (str, bytes)):
        size = len(first)
        for i, sample in enumerate(batch):
            if len(sample) != size:
                raise ValueError(
                    f"torch_collate: batch[{i}] has {len(sample)} fields, batch[0] has {size}"
                )
        return [torch_collate(list(field)) for field in zip(*batch, strict=True)]
    for i, sample in enumerate(batch):
        if _is_sparse_sample(sample):
            raise TypeError(
                f"torch_collate: batch[{i}] is sparse, but batch[0] is "
                f"{type(first).__name__}; a field must be sparse in every sample or in none"
            )
    return default_collate(list(batch))

