"""``--dtype``: change the value dtype, refusing changes that would alter values.

Integer and boolean targets need every value to be exactly representable
(a round trip through the new dtype gives it back). Floating targets may
round, but a finite value must stay finite, and a real target needs every
imaginary part to be zero.

>>> import numpy as np
>>> cast_values(np.array([1.0, 2.0]), np.dtype("int8"), "x.npz").tolist()
[1, 2]
>>> try:
...     cast_values(np.array([1.5]), np.dtype("int8"), "x.npz")
... except UsageError as exc:
...     print(exc)
--dtype int8 would change the value 1.5 of x.npz; choose a dtype that holds every value
"""

from __future__ import annotations

import numpy as np

from ._content import VALUE_DTYPES
from ._errors import UsageError

__all__ = ["cast_values", "parse_dtype"]


def parse_dtype(name: str | None) -> np.dtype | None:
    """The NumPy dtype named ``name`` (one of :data:`VALUE_DTYPES`), or None."""
    if name is None:
        return None
    try:
        dtype = np.dtype(name)
    except TypeError:
        dtype = None
    if dtype is None or dtype.name not in VALUE_DTYPES:
        choices = ", ".join(VALUE_DTYPES)
        raise UsageError(f"--dtype {name!r} is not supported; choose one of {choices}")
    return dtype


def _first(mask: np.ndarray, values: np.ndarray) -> object:
    return values[int(np.argmax(mask))].item()


def cast_values(values: np.ndarray, dtype: np.dtype, source: str) -> np.ndarray:
    """``values`` as ``dtype``; ``UsageError`` naming a value the change would alter."""
    if values.dtype == dtype:
        return values

    def refuse(bad: np.ndarray) -> UsageError:
        return UsageError(
            f"--dtype {dtype.name} would change the value {_first(bad, values)!r} of {source}; "
            "choose a dtype that holds every value"
        )

    if np.iscomplexobj(values) and dtype.kind != "c":
        bad = values.imag != 0
        if bad.any():
            raise refuse(bad)
        values = values.real
    with np.errstate(all="ignore"):
        out = values.astype(dtype)
        if dtype.kind in "biu":
            if values.dtype.kind == "f":
                bad = ~np.isfinite(values) | (out.astype(values.dtype) != values)
            else:
                bad = out.astype(values.dtype) != values
            if dtype.kind in "iu" and values.dtype.kind in "iu":
                # wrap-around in either direction (e.g. -1 -> uint8 255 -> -1)
                info = np.iinfo(dtype)
                bad = bad | (values < info.min) | (values > info.max)
        else:
            bad = np.isfinite(values) & ~np.isfinite(out)
    if bad.any():
        raise refuse(bad)
    return out
