"""PyTorch adapter: COO ⇄ ``torch.sparse_coo_tensor`` (CPU and CUDA).

Memory: ``to_torch`` shares the COO's coordinate and value buffers with the
result (``torch.from_numpy`` for NumPy, DLPack for CuPy/JAX/array-api-strict,
the tensors themselves for torch); it copies only to move to another
``device``. ``from_torch`` keeps a COO tensor's ``_indices()`` and
``_values()`` as the COO's arrays (same device, no copy) before
canonicalisation; CSR/CSC/BSR/BSC tensors are expanded to COO by torch (new
index arrays).
"""

from __future__ import annotations

import warnings
from typing import Any

import numpy as np

from .._backend import native_order, to_host
from ._common import prepared

__all__ = ["as_torch", "from_torch", "to_torch"]


def as_torch(x: Any, name: str = "array") -> Any:
    """``x`` as a torch tensor on its own device, sharing memory where possible."""
    import torch

    if isinstance(x, torch.Tensor):
        return x
    if isinstance(x, np.ndarray):
        x = native_order(x)
        try:
            if x.flags.writeable:
                return torch.from_numpy(x)
            # The COO's arrays are read-only views: DLPack shares them silently
            # (torch.from_numpy would warn on every call).
            return torch.from_dlpack(x)
        except (BufferError, RuntimeError):
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", UserWarning)
                try:
                    return torch.from_numpy(x)
                except TypeError as exc:
                    raise TypeError(
                        f"{name} has dtype {x.dtype}, which torch does not support"
                    ) from exc
        except TypeError as exc:
            raise TypeError(f"{name} has dtype {x.dtype}, which torch does not support") from exc
    if hasattr(x, "__dlpack__"):
        try:
            return torch.from_dlpack(x)
        except (BufferError, RuntimeError, TypeError):
            pass  # e.g. a dtype DLPack cannot describe: go through the host
    return as_torch(to_host(x, name), name)


def to_torch(coo: Any, *, duplicates: str = "sum", device: Any = None) -> Any:
    """``coo`` as a ``torch.sparse_coo_tensor`` with ``is_coalesced`` set honestly.

    Parameters
    ----------
    coo : arraymask.COO
        Any namespace and device; NumPy and CPU torch share memory with the
        result, CUDA arrays (CuPy, torch) stay on their GPU.
    duplicates : str
        How a non-canonical ``coo`` is made canonical first (see
        ``COO.canonical``). ``"keep"`` keeps duplicates: the result is then
        sorted but not coalesced (``is_coalesced()`` is False).
    device : torch.device or str, optional
        Move the result there (a copy); default: where the arrays are.

    Returns
    -------
    torch.Tensor
        Sparse COO tensor with int64 indices and the COO's dtype.

    Examples
    --------
    >>> import numpy as np
    >>> import arraymask as am
    >>> coo = am.COO.from_dense(np.array([[0, 2], [5, 0]]))
    >>> t = coo.to_torch()
    >>> t.is_coalesced(), t.to_dense().tolist()
    (True, [[0, 2], [5, 0]])
    """
    import torch

    c = prepared(coo, duplicates)
    indices = as_torch(c.coords, "coords")
    values = as_torch(c.values, "values")
    if indices.dtype != torch.int64:  # int32 coordinates (JAX without x64)
        indices = indices.to(torch.int64)
    if device is not None:
        indices = indices.to(device)
        values = values.to(device)
    elif indices.is_cuda != values.is_cuda:  # cannot happen for a valid COO
        indices = indices.to(values.device)
    return torch.sparse_coo_tensor(
        indices, values, c.shape, is_coalesced=bool(c.is_canonical), check_invariants=False
    )


def from_torch(obj: Any) -> tuple[Any, Any, tuple[int, ...]]:
    """``(coords, values, shape)`` of a torch sparse tensor (not yet canonical)."""
    import torch

    layout = obj.layout
    if layout == torch.strided:
        raise TypeError(
            "torch tensor is dense (layout torch.strided); use COO.from_dense for dense tensors"
        )
    if layout != torch.sparse_coo:
        if layout not in (torch.sparse_csr, torch.sparse_csc, torch.sparse_bsr, torch.sparse_bsc):
            raise TypeError(f"torch tensor with layout {layout} has no COO view")
        obj = obj.to_sparse_coo()  # torch expands the compressed index (new arrays)
    if obj.dense_dim():
        raise ValueError(
            f"hybrid torch tensor with {obj.dense_dim()} dense dimension(s) "
            "cannot be a COO (values must be scalars)"
        )
    obj = obj.detach()
    coords = obj._indices()
    values = obj._values()
    if values.is_conj() or values.is_neg():
        values = values.resolve_conj().resolve_neg()
    return coords, values, tuple(int(s) for s in obj.shape)

