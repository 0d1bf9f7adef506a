"""Fixtures of the random tests: JAX in both integer modes."""

from __future__ import annotations

import pytest


@pytest.fixture(params=[False, True], ids=["jax_x32", "jax_x64"])
def jax_xp(request: pytest.FixtureRequest):
    """``jax.numpy`` with ``jax_enable_x64`` set as the parameter says, restored after."""
    from _helpers import make_backend

    make_backend("jax")  # skips when JAX is missing or not requested
    import jax

    old = bool(jax.config.read("jax_enable_x64"))
    jax.config.update("jax_enable_x64", request.param)
    try:
        yield jax.numpy
    finally:
        jax.config.update("jax_enable_x64", old)
