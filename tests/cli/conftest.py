"""Fixtures of the command-line tests (helpers live in ``cli_reference.py``)."""

from __future__ import annotations

import os
import sys

import pytest

sys.path.insert(0, os.path.dirname(__file__))

from cli_reference import sample

from arraymask.cli import main


@pytest.fixture(params=["real", "integer", "complex", "pattern"])
def matrix(request: pytest.FixtureRequest):
    """Each sample matrix (duplicates, an explicit zero, empty rows, unsorted)."""
    return sample(request.param)


@pytest.fixture
def run(capsys: pytest.CaptureFixture[str]):
    """``run(*argv) -> (status, stdout, stderr)`` of the command line, in process."""

    def _run(*argv: object) -> tuple[int, str, str]:
        capsys.readouterr()
        status = main([str(a) for a in argv])
        out, err = capsys.readouterr()
        return status, out, err

    return _run
