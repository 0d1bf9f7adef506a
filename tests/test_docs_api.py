"""The API reference page lists every public name (read from its source, no docs build).

Every name of ``arraymask.__all__`` must be listed under ``.. currentmodule::
arraymask``, and every name of each public submodule that ``arraymask.__all__``
names (``random``, ``sparse``, ... — discovered, not listed here) under
``.. currentmodule:: arraymask.<module>``, in an ``autosummary`` block.
"""

from __future__ import annotations

import re
import types
from pathlib import Path

import pytest

import arraymask

API_PAGE = Path(__file__).resolve().parents[1] / "docs" / "api.rst"
_CURRENT = re.compile(r"^\.\. currentmodule::\s*(\S+)\s*$")
_AUTOSUMMARY = re.compile(r"^\.\. autosummary::")


def listed(text: str) -> set[tuple[str, str]]:
    """``(module, name)`` of every entry of the page's autosummary blocks.

    >>> page = ".. currentmodule:: m\\n\\n.. autosummary::\\n   :toctree: g/\\n\\n   f\\n   g\\n"
    >>> sorted(listed(page))
    [('m', 'f'), ('m', 'g')]
    """
    module = ""
    found: set[tuple[str, str]] = set()
    in_block = False
    for line in text.splitlines():
        match = _CURRENT.match(line)
        if match:
            module, in_block = match.group(1), False
            continue
        if _AUTOSUMMARY.match(line):
            in_block = True
            continue
        if not in_block:
            continue
        stripped = line.strip()
        if not stripped or stripped.startswith(":"):
            continue
        if not line.startswith((" ", "\t")):
            in_block = False
            continue
        found.add((module, stripped.split()[0]))
    return found


def _public_modules() -> list[str]:
    return [n for n in arraymask.__all__ if isinstance(getattr(arraymask, n), types.ModuleType)]


@pytest.fixture(scope="module")
def entries() -> set[tuple[str, str]]:
    return listed(API_PAGE.read_text())


def test_listing_parser():
    import doctest

    runner = doctest.DocTestRunner()
    for test in doctest.DocTestFinder().find(listed, "listed", globs={"listed": listed}):
        runner.run(test)
    assert runner.summarize(verbose=False).failed == 0
    text = ".. currentmodule:: a\n\n.. autosummary::\n\n   x\n\nprose\n   y\n"
    assert listed(text) == {("a", "x")}


@pytest.mark.parametrize("name", arraymask.__all__)
def test_top_level_name_is_listed(name, entries):
    assert ("arraymask", name) in entries, f"arraymask.{name} is missing from docs/api.rst"


@pytest.mark.parametrize("module", _public_modules())
def test_submodule_names_are_listed(module, entries):
    names = getattr(getattr(arraymask, module), "__all__", None)
    assert names, f"arraymask.{module} has no __all__"
    missing = [n for n in names if (f"arraymask.{module}", n) not in entries]
    assert not missing, f"missing from docs/api.rst under arraymask.{module}: {missing}"


def test_there_are_public_submodules():
    assert {"random", "sparse"} <= set(_public_modules())
