"""Fixtures shared by the whole suite.

``backend`` runs a test once per backend (see ``_helpers.ALL_BACKENDS``);
``xp`` is that backend's array-API namespace. Missing libraries skip with a
reason; ``ARRAYMASK_TEST_BACKENDS`` narrows the set.
"""

from __future__ import annotations

import os

import pytest
from _helpers import ALL_BACKENDS, Backend, make_backend

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
# Subprocesses started by tests (``python -c``, ``python -m arraymask``) must
# import the installed package, not the source folder of the checkout that is
# their working directory: Python 3.11+ then leaves the cwd off sys.path.
os.environ["PYTHONSAFEPATH"] = "1"

try:  # hypothesis profiles: CI runs a few more examples than a quick local run
    from hypothesis import HealthCheck, settings

    settings.register_profile(
        "default", max_examples=40, deadline=None,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
    )
    settings.register_profile(
        "ci", max_examples=80, deadline=None,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
    )
    settings.load_profile("ci" if os.environ.get("CI") else "default")
except ImportError:  # pragma: no cover
    pass


@pytest.fixture(params=ALL_BACKENDS)
def backend(request: pytest.FixtureRequest):
    b: Backend = make_backend(request.param)
    with b.active():
        yield b


@pytest.fixture
def xp(backend: Backend):
    return backend.xp
