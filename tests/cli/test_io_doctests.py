"""The docstring examples of the file layer and the command line run and pass."""

from __future__ import annotations

import doctest
import importlib

import pytest

MODULES = [
    "arraymask.io._atomic",
    "arraymask.io._content",
    "arraymask.io._dtype",
    "arraymask.io._errors",
    "arraymask.io._progress",
    "arraymask.io._registry",
    "arraymask.io.binsparse_io",
    "arraymask.io.convert",
    "arraymask.io.entries",
    "arraymask.io.info",
    "arraymask.io.matrix_market",
    "arraymask.io.npy",
    "arraymask.io.npz",
    "arraymask.io.png",
    "arraymask.io.spy",
]


@pytest.mark.parametrize("name", MODULES)
def test_docstring_examples(name: str) -> None:
    if name.endswith(("matrix_market", "npz", "convert")):
        pytest.importorskip("scipy")
    if name.endswith("binsparse_io"):
        pytest.importorskip("binsparse")
    module = importlib.import_module(name)
    tests = doctest.DocTestFinder(exclude_empty=True).find(module, name)
    assert any(t.examples for t in tests), f"{name} has no examples"
    runner = doctest.DocTestRunner(optionflags=doctest.NORMALIZE_WHITESPACE | doctest.ELLIPSIS)
    for test in tests:
        runner.run(test)
    result = runner.summarize(verbose=False)
    assert result.failed == 0, f"{result.failed} docstring example(s) failed in {name}"
