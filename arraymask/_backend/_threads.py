"""The one thread policy of the compiled kernels.

Every parallel kernel takes its thread count from :func:`threads`:

* ``ARRAYMASK_NUM_THREADS`` (a positive integer) sets the count;
* else ``OMP_NUM_THREADS`` (its first entry), the OpenMP convention;
* else the cores this process may run on (``os.sched_getaffinity``).

Work smaller than :data:`PARALLEL_MIN` elements (or a kernel's own larger
grain) runs on one thread: starting a second one costs more than it saves.
The variables are read once, at the first parallel call; a malformed
``ARRAYMASK_NUM_THREADS`` raises ``ValueError`` naming it.
:func:`override_threads` sets the count for a block of code (benchmarks,
tests).
"""

from __future__ import annotations

import contextlib
import functools
import os
from collections.abc import Iterator

__all__ = ["PARALLEL_MIN", "configured_threads", "override_threads", "threads"]

#: Below this many elements a kernel runs on one thread.
PARALLEL_MIN = 1 << 16


def _cores() -> int:
    if hasattr(os, "sched_getaffinity"):
        return max(1, len(os.sched_getaffinity(0)))
    return max(1, os.cpu_count() or 1)


@functools.lru_cache(maxsize=1)
def configured_threads() -> int:
    """Threads of the parallel kernels (see the module docstring).

    >>> configured_threads() >= 1
    True
    """
    mine = os.environ.get("ARRAYMASK_NUM_THREADS")
    if mine is not None and mine.strip():
        try:
            count = int(mine)
        except ValueError:
            count = 0
        if count < 1:
            raise ValueError(
                f"ARRAYMASK_NUM_THREADS must be a positive integer, got {mine!r}"
            )
        return count
    omp = os.environ.get("OMP_NUM_THREADS", "").split(",")[0].strip()
    if omp.isdigit() and int(omp) > 0:
        return int(omp)
    return _cores()


_override: list[int] = []


@contextlib.contextmanager
def override_threads(count: int) -> Iterator[None]:
    """Run the kernels on ``count`` threads inside the ``with`` block.

    >>> with override_threads(1):
    ...     threads(10**9)
    1
    """
    if isinstance(count, bool) or not isinstance(count, int) or count < 1:
        raise ValueError(f"count must be a positive integer, got {count!r}")
    _override.append(count)
    try:
        yield
    finally:
        _override.pop()


def threads(work: int, grain: int = PARALLEL_MIN) -> int:
    """Threads for a kernel call over ``work`` elements.

    ``grain`` is the least work worth a second thread for this kernel (the
    lookup kernels, bound by memory latency, ask for more than the default).

    >>> threads(10)
    1
    """
    if work < grain:
        return 1
    return _override[-1] if _override else configured_threads()
