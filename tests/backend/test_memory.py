"""The memory pool of the compiled routes (``_backend._memory``, ``_ext.pool``).

Blocks freed by arrays made under :func:`pooled` are reused by the next
array of a similar size; contents, zeroing, resizing, the cap, threads, fork
and the environment variable are checked here. Every other test of the
compiled routes runs with the pool on (the default), so their results are
checked through it as well.
"""

from __future__ import annotations

import multiprocessing
import os
import subprocess
import sys
import textwrap
import threading

import numpy as np
import pytest

from arraymask._backend import _memory, pooled, release_pool
from arraymask._ext import pool

MIB = 1 << 20


def handler_name(a: np.ndarray) -> str:
    core = getattr(np, "_core", None) or np.core
    return core.multiarray.get_handler_name(a)


@pytest.fixture
def fresh_pool():
    """An empty pool with the configured cap, emptied again afterwards."""
    if _memory._pool() is None:
        pytest.skip("the pool is turned off (ARRAYMASK_POOL_BYTES=0)")
    release_pool()
    yield pool
    pool.configure(_memory.configured_pool_bytes())
    release_pool()


def test_arrays_of_a_compiled_call_use_the_pool_and_others_do_not(fresh_pool):
    inside = pooled(np.empty)(2 * MIB, np.uint8)
    assert handler_name(inside) == "arraymask_pool"
    assert handler_name(np.empty(2 * MIB, np.uint8)) != "arraymask_pool"


def test_a_freed_block_is_reused_by_the_next_similar_size(fresh_pool):
    make = pooled(np.empty)
    a = make(8 * MIB, np.uint8)
    address = a.ctypes.data
    del a
    held, reused, _ = fresh_pool.stats()
    assert held >= 8 * MIB
    b = make(7 * MIB, np.uint8)  # within 1.25 x + 2 MiB of the block: reused
    assert b.ctypes.data == address
    assert fresh_pool.stats()[1] == reused + 1
    b[:] = 3
    assert (b == 3).all()


def test_a_much_smaller_request_does_not_take_a_large_block(fresh_pool):
    make = pooled(np.empty)
    a = make(64 * MIB, np.uint8)
    address = a.ctypes.data
    del a
    b = make(2 * MIB, np.uint8)
    assert b.ctypes.data != address


def test_zeros_from_a_reused_block_are_zero(fresh_pool):
    a = pooled(np.empty)(4 * MIB, np.uint8)
    a[:] = 255
    address = a.ctypes.data
    del a
    z = pooled(np.zeros)(4 * MIB, np.uint8)
    assert z.ctypes.data == address
    assert not z.any()


@pytest.mark.parametrize("new", [3 * MIB, 5 * MIB, 64 * MIB, 1000])
def test_resize_keeps_the_contents(fresh_pool, new):
    expect = (np.arange(4 * MIB) % 251).astype(np.uint8)
    a = pooled(expect.copy)()
    a.resize(new, refcheck=False)
    keep = min(new, 4 * MIB)
    np.testing.assert_array_equal(a[:keep], expect[:keep])
    if new > 4 * MIB:
        assert not a[4 * MIB:].any()
    del a  # freed with its new size: must not corrupt the pool
    b = pooled(np.ones)(4 * MIB, np.uint8)
    assert b.all()


def test_the_cap_bounds_the_idle_bytes(fresh_pool):
    fresh_pool.configure(10 * MIB)
    make = pooled(np.empty)
    blocks = [make(4 * MIB, np.uint8) for _ in range(5)]
    _, _, evicted = fresh_pool.stats()
    del blocks
    held, _, evicted_after = fresh_pool.stats()
    assert 0 < held <= 10 * MIB
    assert evicted_after > evicted
    too_big = make(16 * MIB, np.uint8)
    del too_big  # larger than the cap: given back at once
    assert fresh_pool.stats()[0] <= 10 * MIB


def test_release_empties_the_pool(fresh_pool):
    a = pooled(np.empty)(4 * MIB, np.uint8)
    del a
    assert fresh_pool.stats()[0] > 0
    assert release_pool() >= 4 * MIB
    assert fresh_pool.stats()[0] == 0


def test_the_previous_allocator_is_restored_even_after_an_error(fresh_pool):
    @pooled
    def fails():
        raise RuntimeError("boom")

    with pytest.raises(RuntimeError, match="boom"):
        fails()
    assert handler_name(np.empty(2 * MIB, np.uint8)) != "arraymask_pool"


def test_threads_share_the_pool_safely(fresh_pool):
    errors = []

    @pooled
    def churn(seed):
        rng = np.random.default_rng(seed)
        for _ in range(40):
            size = int(rng.integers(1, 6)) * MIB
            a = np.full(size, seed, dtype=np.uint8)
            b = np.zeros(size // 2, dtype=np.uint8)
            if not (a == seed).all() or b.any():
                errors.append(seed)

    workers = [threading.Thread(target=churn, args=(s,)) for s in range(1, 5)]
    for w in workers:
        w.start()
    for w in workers:
        w.join()
    assert errors == []


def _child_uses_pool(queue):
    a = pooled(np.full)(4 * MIB, 7, dtype=np.uint8)
    del a
    b = pooled(np.zeros)(4 * MIB, dtype=np.uint8)
    queue.put(bool(not b.any()))


@pytest.mark.skipif(not hasattr(os, "fork"), reason="no fork on this platform")
def test_a_forked_child_can_use_the_pool(fresh_pool):
    pooled(np.empty)(4 * MIB, np.uint8)  # the parent's pool holds a block
    context = multiprocessing.get_context("fork")
    queue = context.Queue()
    child = context.Process(target=_child_uses_pool, args=(queue,))
    child.start()
    child.join(60)
    assert child.exitcode == 0
    assert queue.get(timeout=5) is True


@pytest.mark.parametrize("value", ["-1", "lots", "1.5"])
def test_a_malformed_variable_is_named_in_the_error(value):
    code = textwrap.dedent("""
        import numpy as np, arraymask as am
        try:
            am.topk_mask(np.zeros(1 << 17), 3)
        except ValueError as exc:
            print("ARRAYMASK_POOL_BYTES" in str(exc))
    """)
    env = {**os.environ, "ARRAYMASK_POOL_BYTES": value}
    done = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True,
                          timeout=120)
    assert done.stdout.strip() == "True", done.stderr[-2000:]


def test_zero_turns_the_pool_off():
    code = textwrap.dedent("""
        import numpy as np, arraymask as am
        from arraymask._ext import pool
        for _ in range(3):
            mask = am.topk_mask(np.arange(1 << 22, dtype=np.float32), 5)
            del mask
        print(pool.stats()[:2] == (0, 0), am.topk_mask(np.arange(8.0), 2).sum())
    """)
    env = {**os.environ, "ARRAYMASK_POOL_BYTES": "0"}
    done = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True,
                          timeout=120)
    assert done.stdout.split() == ["True", "2"], done.stderr[-2000:]


def test_repeated_kernel_calls_reuse_their_output_blocks(fresh_pool):
    import arraymask as am

    x = np.random.default_rng(0).random((512, 4096), dtype=np.float32)
    first = am.topk_mask(x, 8)
    expect = first.copy()
    del first
    _, reused, _ = fresh_pool.stats()
    again = am.topk_mask(x, 8)
    assert fresh_pool.stats()[1] > reused
    np.testing.assert_array_equal(again, expect)
