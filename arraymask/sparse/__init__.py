"""Sparse COO container, its combinators and data-pipeline helpers."""

from .coo import COO

__all__ = ["COO"]
