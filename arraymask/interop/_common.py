"""Helpers shared by the adapters: argument checks.

Array moves between namespaces (zero-copy host views, DLPack) belong to
:mod:`arraymask._backend`; nothing here imports a framework.
"""

from __future__ import annotations

from typing import Any

from .._validate import check_choice
from ..sparse.coo import COO, DUPLICATE_POLICIES

__all__ = ["check_coo", "prepared", "type_name"]


def type_name(obj: object) -> str:
    """``module.QualifiedName`` of ``obj``'s type, for error messages."""
    kind = type(obj)
    return f"{kind.__module__}.{kind.__qualname__}"


def check_coo(coo: object, name: str = "coo") -> None:
    """``TypeError`` unless ``coo`` is an :class:`arraymask.COO`."""
    if not isinstance(coo, COO):
        raise TypeError(f"{name} must be an arraymask.COO, got {type_name(coo)}")


def prepared(coo: Any, duplicates: str) -> Any:
    """``coo`` in row-major order, duplicates resolved by ``duplicates``.

    A canonical COO is returned as it is (no work); ``duplicates="keep"`` gives
    a sorted COO that may still hold duplicates (``is_canonical`` says which).
    """
    check_coo(coo)
    check_choice(duplicates, "duplicates", DUPLICATE_POLICIES)
    if coo.is_canonical:
        return coo
    return coo.canonical(duplicates=duplicates)
