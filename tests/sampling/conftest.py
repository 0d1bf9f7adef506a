"""Lets the tests of this folder import their shared helper ``_reference``; JAX in both modes."""

import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parent))


@pytest.fixture(params=[False, True], ids=["jax_x32", "jax_x64"])
def jax_mode(request: pytest.FixtureRequest):
    """``jax.numpy`` with ``jax_enable_x64`` set as the parameter says, restored after."""
    from _helpers import make_backend

    make_backend("jax")  # skips when JAX is missing or not requested
    import jax

    old = bool(jax.config.read("jax_enable_x64"))
    jax.config.update("jax_enable_x64", request.param)
    try:
        yield jax.numpy, request.param
    finally:
        jax.config.update("jax_enable_x64", old)
