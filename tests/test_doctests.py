"""Run the docstring examples of the listed modules (numpydoc ``Examples``).

Each module that has runnable examples is listed here; add yours.
"""

from __future__ import annotations

import doctest
import importlib

import pytest

MODULES = [
    "arraymask",
    "arraymask._backend",
    "arraymask._bridge",
    "arraymask.interop._from_sparse",
    "arraymask.interop.cupyx",
    "arraymask.interop.pydata",
    "arraymask.interop.scipy",
    "arraymask.interop.tensorflow",
    "arraymask.interop.torch",
    "arraymask.sparse.coo",
    "arraymask.sparse.combine",
    "arraymask.sparse.data",
    "arraymask._validate",
    "arraymask.masks.sequence",
    "arraymask.masks.select",
    "arraymask.masks.topk",
]

FLAGS = doctest.NORMALIZE_WHITESPACE | doctest.ELLIPSIS


@pytest.mark.parametrize("name", MODULES)
def test_docstring_examples(name: str) -> None:
    module = importlib.import_module(name)
    finder = doctest.DocTestFinder(exclude_empty=True)
    runner = doctest.DocTestRunner(optionflags=FLAGS)
    tests = finder.find(module, name)
    for test in tests:
        runner.run(test)
    result = runner.summarize(verbose=False)
    assert result.attempted > 0, f"{name} is listed but has no docstring examples"
    assert result.failed == 0, f"{result.failed} docstring example(s) failed in {name}"
