"""Every reader on damaged files: success or status 2 naming the file, never a crash.

A valid file of each format is damaged by hypothesis (cut short, bytes
overwritten, bytes inserted); ``convert``, ``info`` and ``spy`` must then
either succeed or fail with status 2 and one message naming the file, and
leave no output or temporary file behind.
"""

from __future__ import annotations

import io
import os
import sys

import pytest
from cli_reference import FORMATS, SUFFIX, needs, sample, write_reference

hypothesis = pytest.importorskip("hypothesis")
from hypothesis import HealthCheck, given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

from arraymask.cli import main  # noqa: E402


@st.composite
def damage(draw):
    """A list of edits: ("cut", at), ("set", at, bytes) or ("insert", at, bytes); at in [0, 1]."""
    edits = []
    for _ in range(draw(st.integers(1, 3))):
        kind = draw(st.sampled_from(["cut", "set", "insert"]))
        at = draw(st.floats(0, 1))
        data = draw(st.binary(min_size=1, max_size=8))
        edits.append((kind, at, data))
    return edits


def _apply(data: bytes, edits) -> bytes:
    for kind, at, payload in edits:
        pos = int(at * len(data))
        if kind == "cut":
            data = data[:pos]
        elif kind == "set":
            data = data[:pos] + payload + data[pos + len(payload):]
        else:
            data = data[:pos] + payload + data[pos:]
    return data


def _quiet_main(argv: list[str]) -> tuple[int, str]:
    err, old = io.StringIO(), sys.stderr
    sys.stderr = err
    try:
        status = main(argv)
    finally:
        sys.stderr = old
    return status, err.getvalue()


_VALID: dict[str, bytes] = {}


def _valid(fmt: str, folder) -> bytes:
    if fmt not in _VALID:
        path = os.path.join(folder, f"valid{SUFFIX[fmt]}")
        write_reference(fmt, path, sample("real"))
        with open(path, "rb") as f:
            _VALID[fmt] = f.read()
    return _VALID[fmt]


@pytest.mark.parametrize("fmt", FORMATS)
@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(edits=damage())
def test_damaged_files(fmt, edits, tmp_path_factory):
    needs(fmt, "npz")
    folder = tmp_path_factory.mktemp("fuzz")
    src = folder / f"bad{SUFFIX[fmt]}"
    src.write_bytes(_apply(_valid(fmt, folder), edits))
    for argv in (
        ["convert", str(src), str(folder / "out.npz"), "-q"],
        ["info", str(src)],
        ["spy", str(src), str(folder / "out.png"), "-q", "--size", "16"],
    ):
        status, err = _quiet_main(argv)
        assert status in (0, 2), (argv, status, err)
        if status == 2:
            lines = err.strip().splitlines()
            assert len(lines) == 1 and str(src) in lines[0], err
        for name in os.listdir(folder):
            assert ".arraymask-tmp-" not in name, name
            if status == 2:
                assert name not in {"out.npz", "out.png"}, (argv, err)
        for name in ("out.npz", "out.png"):
            if os.path.exists(folder / name):
                os.unlink(folder / name)
