"""The benchmark figures: drawn from the recorded runs in ``docs/benchmarks/results``."""

from __future__ import annotations

import doctest
import importlib.util
import json
from pathlib import Path

import pytest

DOCS = Path(__file__).resolve().parents[1] / "docs"
RESULTS = DOCS / "benchmarks" / "results"


def _plot():
    spec = importlib.util.spec_from_file_location("plot", DOCS / "benchmarks" / "plot.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_speedup_rows():
    plot = _plot()
    finder, runner = doctest.DocTestFinder(), doctest.DocTestRunner()
    for test in finder.find(plot.speedups, "speedups", globs={"speedups": plot.speedups}):
        runner.run(test)
    assert runner.summarize(verbose=False).failed == 0


@pytest.mark.parametrize("path", sorted(RESULTS.glob("*.json")), ids=lambda p: p.stem)
def test_recorded_runs_are_complete(path):
    record = json.loads(path.read_text())
    assert record["command"].startswith("python asv_bench/compare.py")
    assert record["date"] and record["machine"]["cpu_count"]
    assert record["rows"], "no measurements"
    assert _plot().speedups(record), "no arraymask-vs-peer pair to draw"


def test_every_recorded_run_has_a_figure_on_the_benchmarks_page(tmp_path):
    pytest.importorskip("matplotlib")
    written = _plot().main([str(RESULTS), str(tmp_path)])
    page = (DOCS / "benchmarks.md").read_text()
    assert written
    for figure in written:
        assert figure.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
        assert f"benchmarks/figures/{figure.name}" in page, figure.name
