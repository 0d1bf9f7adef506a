"""Bridge for TensorFlow tensors into the mask functions (issue 6 fills this in)."""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

F = TypeVar("F", bound=Callable)


def bridged(fn: F) -> F:
    """Decorator for public mask functions: lets them accept ``tf.Tensor`` inputs."""
    return fn  # PLACEHOLDER: issue 6
