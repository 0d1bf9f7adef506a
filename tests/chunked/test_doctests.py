"""Docstring examples of the Dask modules (they need dask, so they live here)."""

from __future__ import annotations

import doctest
import importlib

import pytest

pytest.importorskip("dask.array")

MODULES = ["arraymask.chunked._common", "arraymask.chunked.topk", "arraymask.chunked.coo"]


@pytest.mark.parametrize("name", MODULES)
def test_docstring_examples(name: str) -> None:
    module = importlib.import_module(name)
    runner = doctest.DocTestRunner(optionflags=doctest.NORMALIZE_WHITESPACE | doctest.ELLIPSIS)
    for test in doctest.DocTestFinder(exclude_empty=True).find(module, name):
        runner.run(test)
    assert runner.summarize(verbose=False).failed == 0
