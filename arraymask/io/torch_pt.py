"""PyTorch ``.pt`` files holding one tensor, loaded with ``weights_only=True``.

Reading takes a sparse COO tensor (coalesced or not: its stored entries, in
stored order, duplicates kept), a sparse CSR/CSC/BSR/BSC tensor (expanded
to COO by torch) or a dense tensor (its nonzero entries). ``bfloat16``
values are read as float32 (exact). Only ``torch.load(weights_only=True)``
is used: a file that needs arbitrary pickled objects is refused, never run.

Writing saves a ``torch.sparse_coo_tensor`` with int64 indices, built on
the COO's arrays without a copy, marked coalesced when it is canonical.
PyTorch is imported only here, and only for ``.pt`` files.
"""

from __future__ import annotations

import contextlib
import os
from typing import Any, BinaryIO

import numpy as np

from ._content import Content, make_coo, require
from ._errors import ConvertError, MalformedInputError, brief
from ._progress import CountingWriter, Progress, opened_for_reading

__all__ = ["check_writable", "read", "requirements", "write"]

_PURPOSE = "reading and writing .pt files"


def requirements() -> None:
    """Raise :class:`MissingDependencyError` unless PyTorch is importable."""
    require("torch", _PURPOSE, extra="torch")


def _host(t: Any) -> np.ndarray:
    import torch

    t = t.detach().cpu()
    if t.dtype == torch.bfloat16:
        t = t.float()
    return t.resolve_conj().resolve_neg().numpy()


def read(path: str, *, progress: Progress) -> Content:
    """The tensor in ``path`` as stored (see the module docstring)."""
    torch = require("torch", _PURPOSE, extra="torch")
    size = os.path.getsize(path)
    progress.wanted(size)
    try:
        with opened_for_reading(path, progress, size) as source:
            obj = torch.load(source, map_location="cpu", weights_only=True)
    except MemoryError:
        raise ConvertError(f"{path}: not enough memory to read it") from None
    except Exception as exc:  # torch.load raises many kinds for a bad file
        raise MalformedInputError(
            path, f"not a tensor file that torch.load(weights_only=True) can read ({brief(exc)})"
        ) from None
    if not isinstance(obj, torch.Tensor):
        raise MalformedInputError(
            path, f"holds a {type(obj).__name__}, not a tensor (expected a sparse COO tensor)"
        )
    details: dict[str, Any] = {"layout": str(obj.layout).replace("torch.", ""),
                               "torch_dtype": str(obj.dtype).replace("torch.", "")}
    if obj.layout == torch.strided:
        from ..sparse import COO

        return Content(COO.from_dense(_host(obj)), details)
    from ..interop.torch import from_torch

    try:
        coords, values, shape = from_torch(obj)
    except (TypeError, ValueError, RuntimeError) as exc:
        raise MalformedInputError(path, str(exc)) from None
    if obj.layout == torch.sparse_coo:
        details["coalesced_flag"] = bool(obj.is_coalesced())
    host_coords = _host(coords).astype(np.int64, copy=False)
    return Content(make_coo(path, host_coords, _host(values), shape), details)


def check_writable(coo: Any, path: str, *, allow_large: bool) -> None:
    """Every supported dtype and dimension count fits a torch sparse tensor."""


def write(coo: Any, handle: BinaryIO, *, progress: Progress, name: str = "", **_: Any) -> None:
    """Save ``coo`` (in the order given) as a ``torch.sparse_coo_tensor``."""
    torch = require("torch", _PURPOSE, extra="torch")
    from ..interop.torch import to_torch

    tensor = to_torch(coo, duplicates="keep")
    with contextlib.ExitStack() as stack:
        sink: Any = handle
        if progress.active:
            update = stack.enter_context(progress.bar(f"writing {name}", None))
            sink = CountingWriter(handle, update)
        torch.save(tensor, sink)
