"""Sparse COO container, its combinators and data-pipeline helpers."""

from .combine import concat, stack
from .coo import COO
from .data import tf_dataset, torch_collate

__all__ = ["COO", "concat", "stack", "tf_dataset", "torch_collate"]
