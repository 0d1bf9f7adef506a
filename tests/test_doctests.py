"""Run the docstring examples (numpydoc ``Examples``) of every module of the package.

The modules are discovered, so a new module's examples run without a list
to keep up to date. Examples that need an optional library (Dask, SciPy,
TensorFlow, ...) run where it is installed, as in CI.
"""

from __future__ import annotations

import doctest
import importlib
import pkgutil

import pytest

import arraymask

SKIP = {"arraymask.__main__"}
MODULES = sorted(
    info.name
    for info in pkgutil.walk_packages(arraymask.__path__, "arraymask.")
    if info.name not in SKIP and not info.name.startswith("arraymask._ext")
)
FLAGS = doctest.NORMALIZE_WHITESPACE | doctest.ELLIPSIS


def test_the_important_modules_have_examples() -> None:
    assert {"arraymask.masks.topk", "arraymask.sparse.coo", "arraymask.random",
            "arraymask._validate", "arraymask.masks._dask"} <= set(MODULES)


@pytest.mark.parametrize("name", MODULES)
def test_docstring_examples(name: str) -> None:
    module = importlib.import_module(name)
    runner = doctest.DocTestRunner(optionflags=FLAGS)
    for test in doctest.DocTestFinder(exclude_empty=True).find(module, name):
        runner.run(test)
    result = runner.summarize(verbose=False)
    assert result.failed == 0, f"{result.failed} docstring example(s) failed in {name}"
