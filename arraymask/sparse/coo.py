"""The COO container."""

from __future__ import annotations


class COO:
    def __init__(self, *args, **kwargs):
        raise NotImplementedError  # PLACEHOLDER: issue 5
