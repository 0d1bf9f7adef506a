"""``info``: what a sparse-matrix file holds, as stored.

The facts describe the entries a reader gets, before any canonical
ordering: ``nnz`` counts stored entries (duplicates included; for a
symmetric Matrix Market file, after SciPy's reader has added the mirrored
entries; for a dense ``.npy``, its nonzero elements); ``duplicates`` is the
number of entries whose coordinates occurred before (``nnz`` minus the
number of distinct coordinates); ``density`` is distinct coordinates over
the number of elements; ``canonical`` says whether the entries are in
row-major order without duplicates, and ``order`` says more:
``"canonical"``, ``"sorted with duplicates"`` or ``"unsorted"``.
"""

from __future__ import annotations

import json
import math
import os
from typing import Any

import numpy as np

from ._progress import Progress
from ._registry import for_path
from .convert import check_source

__all__ = ["describe", "render"]


def _order(coords: np.ndarray) -> str:
    """Row-major order status of ``coords`` (ndim, nnz) that are not canonical."""
    if coords.shape[1] < 2 or coords.shape[0] == 0:
        return "sorted with duplicates"
    diff = np.diff(coords, axis=1)
    nondecreasing = diff[-1] >= 0
    for axis in range(coords.shape[0] - 2, -1, -1):
        nondecreasing = (diff[axis] > 0) | ((diff[axis] == 0) & nondecreasing)
    return "sorted with duplicates" if bool(nondecreasing.all()) else "unsorted"


def describe(
    path: str, *, file_format: str | None = None, progress: Progress | None = None
) -> dict[str, Any]:
    """Facts about the matrix in ``path`` (see the module docstring), JSON-ready.

    >>> import os, tempfile
    >>> import numpy as np
    >>> path = os.path.join(tempfile.mkdtemp(), "m.npy")
    >>> np.save(path, np.eye(3))
    >>> facts = describe(path)
    >>> facts["shape"], facts["nnz"], facts["canonical"], facts["density"]
    ([3, 3], 3, True, 0.3333333333333333)
    """
    progress = progress or Progress("never")
    fmt = for_path(path, file_format, option="--from")
    check_source(path)
    fmt.module.requirements()
    content = fmt.module.read(path, progress=progress)
    coo = content.coo
    nnz = coo.nnz
    if coo.is_canonical:
        distinct, order = nnz, "canonical"
    else:
        distinct = coo.canonical(duplicates="first").nnz
        order = _order(np.asarray(coo.coords))
    size = math.prod(coo.shape)
    return {
        "file": path,
        "format": fmt.name,
        "format_title": fmt.title,
        "file_size": os.path.getsize(path),
        "shape": list(coo.shape),
        "nnz": nnz,
        "distinct": distinct,
        "duplicates": nnz - distinct,
        "density": distinct / size if size else 0.0,
        "dtype": np.dtype(coo.dtype).name,
        "canonical": bool(coo.is_canonical),
        "order": order,
        "details": content.details,
    }


def _size(n: int) -> str:
    for unit in ("B", "KiB", "MiB", "GiB"):
        if n < 1024 or unit == "GiB":
            return f"{n} B" if unit == "B" else f"{n:.1f} {unit}"
        n /= 1024  # type: ignore[assignment]
    return f"{n} B"  # pragma: no cover


def render(facts: dict[str, Any], *, as_json: bool = False) -> str:
    """The facts as aligned text lines, or as JSON."""
    if as_json:
        return json.dumps(facts, indent=2)
    canonical = "yes" if facts["canonical"] else f"no ({facts['order']})"
    rows = [
        ("file", f"{facts['file']} ({facts['format_title']})"),
        ("file size", f"{_size(facts['file_size'])} ({facts['file_size']} bytes)"),
        ("shape", " x ".join(str(s) for s in facts["shape"]) or "()"),
        ("nnz", str(facts["nnz"])),
        ("duplicates", str(facts["duplicates"])),
        ("density", f"{facts['density']:.6g}"),
        ("dtype", facts["dtype"]),
        ("canonical", canonical),
    ]
    rows += [(key.replace("_", " "), _text(value)) for key, value in facts["details"].items()]
    width = max(len(k) for k, _ in rows)
    return "\n".join(f"{k + ':':<{width + 1}} {v}" for k, v in rows)


def _text(value: Any) -> str:
    if isinstance(value, bool):
        return "yes" if value else "no"
    return str(value)
