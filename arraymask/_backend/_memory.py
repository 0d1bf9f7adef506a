"""The one memory policy of the compiled kernels: freed large blocks are kept.

Every compiled route runs under :func:`pooled`: the NumPy arrays it makes
(outputs and scratch) take their memory from :mod:`arraymask._ext.pool`.
When such an array of 1 MiB or more is freed -- by the kernel, or later by
the caller who dropped the result -- its block stays mapped in an idle list
and the next call of a similar size reuses it. Fresh memory from the
operating system costs a page fault and a zeroing per page, and far more on
a virtual machine whose host takes back free memory (see "Speed in a real
process" in ``docs/benchmarks.md``).

* ``ARRAYMASK_POOL_BYTES`` (a non-negative integer) caps the bytes of idle
  blocks; ``0`` turns the pool off. The default is 1 GiB or one eighth of
  the physical memory, whichever is smaller.
* Arrays made outside arraymask's calls are not affected; blocks in use are
  never counted, so the pool adds at most the cap to the process.
* :func:`release_pool` gives the idle blocks back at once.

The variable is read once, at the first compiled call; a malformed value
raises ``ValueError`` naming it.
"""

from __future__ import annotations

import functools
import os
from collections.abc import Callable
from types import ModuleType
from typing import Any, TypeVar

__all__ = ["configured_pool_bytes", "pooled", "release_pool"]

F = TypeVar("F", bound=Callable[..., Any])

_DEFAULT_CAP = 1 << 30


def _physical_memory() -> int | None:
    try:
        return os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES")
    except (AttributeError, ValueError, OSError):
        return None


@functools.lru_cache(maxsize=1)
def configured_pool_bytes() -> int:
    """Bytes of freed blocks the pool may keep (see the module docstring).

    >>> configured_pool_bytes() >= 0
    True
    """
    text = os.environ.get("ARRAYMASK_POOL_BYTES", "").strip()
    if text:
        try:
            count = int(text)
        except ValueError:
            count = -1
        if count < 0:
            raise ValueError(
                f"ARRAYMASK_POOL_BYTES must be a non-negative integer, got {text!r}"
            )
        return count
    physical = _physical_memory()
    return min(_DEFAULT_CAP, physical // 8) if physical else _DEFAULT_CAP


@functools.lru_cache(maxsize=1)
def _pool() -> ModuleType | None:
    limit = configured_pool_bytes()
    if not limit:
        return None
    import numpy as np

    from .._ext import pool

    core: Any = getattr(np, "_core", None) or np.core  # NumPy 2 / NumPy 1.26
    huge = getattr(core.multiarray, "_get_madvise_hugepage", lambda: True)()
    pool.configure(limit, bool(huge))
    if hasattr(os, "register_at_fork"):
        os.register_at_fork(after_in_child=pool.after_fork)
    return pool


def pooled(fn: F) -> F:
    """Run ``fn`` with the pool as NumPy's allocator (of this thread only).

    >>> import numpy as np
    >>> pooled(np.zeros)(3)
    array([0., 0., 0.])
    """

    @functools.wraps(fn)
    def with_pool(*args: Any, **kwargs: Any) -> Any:
        pool = _pool()
        if pool is None:
            return fn(*args, **kwargs)
        previous = pool.install()
        try:
            return fn(*args, **kwargs)
        finally:
            pool.restore(previous)

    return with_pool  # type: ignore[return-value]


def release_pool() -> int:
    """Give the pool's idle blocks back to the operating system; returns their bytes.

    >>> release_pool() >= 0
    True
    """
    pool = _pool()
    return pool.release() if pool is not None else 0
