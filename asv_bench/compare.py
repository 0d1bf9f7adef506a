"""Median-ratio table against the peers, without asv.

Runs the benchmark classes of ``asv_bench/benchmarks`` in this process: for
every parameter combination it times each ``time_*`` method ``--repeat``
times (after one warm-up call) and prints the median and its ratio to the
class's ``baseline`` method (``time_peer_...``; ratio < 1 means arraymask is
faster). Only one benchmark process runs at a time on a shared machine: take
the lock in ``/tmp/arraymask-bench.lock`` (``flock``) around it.

    python asv_bench/compare.py masks.TopK --repeat 7
    python asv_bench/compare.py masks            # every class of a module
    python asv_bench/compare.py sparse_coo.Canonical --case 2d_narrow
    python asv_bench/compare.py masks_topk --json docs/benchmarks/results/masks_topk.json

``--json PATH`` also writes every measured row (class, parameters, method,
median seconds, ratio to the baseline) with the machine and the date, for
``docs/benchmarks/plot.py``.

``--state`` sets the state of the process each timed call meets:

* ``steady`` (default): the same call repeated in one process, after a
  warm-up call;
* ``first``: the first call in a fresh process (a new Python process per
  measurement; imports and setup are not timed);
* ``after-peer``: right after a large PyTorch operation on other memory (a
  ``coalesce`` of 10M random entries, then a 0.3 s pause), as in a training
  loop that interleaves arraymask with framework work.

    python asv_bench/compare.py sparse_coo.Canonical --case 2d_unique --state first
"""

from __future__ import annotations

import argparse
import datetime
import importlib
import inspect
import itertools
import json
import os
import platform
import statistics
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).parent))

from benchmarks.common import peer_disturbance


def _classes(target: str) -> list[type]:
    module_name, _, class_name = target.partition(".")
    module = importlib.import_module(f"benchmarks.{module_name}")
    if class_name:
        return [getattr(module, class_name)]
    return [
        obj for _, obj in inspect.getmembers(module, inspect.isclass)
        if obj.__module__ == module.__name__ and any(n.startswith("time_") for n in dir(obj))
    ]


_CHILD = """
import sys, time
sys.path.insert(0, {bench!r})
import importlib, itertools
import arraymask  # imported, as in a program: the first *call* is what is timed
module = importlib.import_module("benchmarks.{module}")
cls = getattr(module, "{cls}")
params = cls.params if isinstance(cls.params[0], list) else [cls.params]
names = getattr(cls, "param_names", [f"p{{i}}" for i in range(len(params))])
for combo in itertools.product(*params):
    if ", ".join(f"{{n}}={{v}}" for n, v in zip(names, combo)) == {label!r}:
        break
bench = cls()
bench.setup(*combo)
fn = getattr(bench, "{method}")
t0 = time.perf_counter()
fn(*combo)
print("TIME", time.perf_counter() - t0)
"""


def _first_call(cls: type, label: str, method: str) -> float | None:
    """Seconds of ``method``'s first call in a fresh process (None if it does not run)."""
    code = _CHILD.format(bench=str(Path(__file__).parent), module=cls.__module__.removeprefix(
        "benchmarks."), cls=cls.__name__, label=label, method=method)
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          timeout=900)
    for line in done.stdout.splitlines():
        if line.startswith("TIME "):
            return float(line.split()[1])
    return None


def _run_class(
    cls: type, repeat: int, only: str | None, case: str | None = None,
    rows: list[dict[str, Any]] | None = None, state: str = "steady",
) -> None:
    params = cls.params if isinstance(cls.params[0], list) else [cls.params]
    names = getattr(cls, "param_names", [f"p{i}" for i in range(len(params))])
    wanted = only.split(",") if only else []
    methods = sorted(n for n in dir(cls) if n.startswith("time_")
                     and (not wanted or any(w in n for w in wanted)))
    baseline = getattr(cls, "baseline", None)
    for combo in itertools.product(*params):
        bench = cls()
        label = ", ".join(f"{n}={v}" for n, v in zip(names, combo, strict=False))
        if case and case not in label:
            continue
        try:
            bench.setup(*combo)
        except NotImplementedError as exc:
            print(f"{cls.__name__}[{label}]: skipped ({exc})")
            continue
        medians = {}
        for name in methods:
            fn = getattr(bench, name)
            if state == "first":
                times = [_first_call(cls, label, name) for _ in range(repeat)]
                if any(t is None for t in times):
                    continue
                medians[name] = statistics.median(t for t in times if t is not None)
                continue
            try:
                fn(*combo)  # warm-up
            except NotImplementedError:
                continue
            times = []
            for _ in range(repeat):
                if state == "after-peer":
                    peer_disturbance()
                t0 = time.perf_counter()
                fn(*combo)
                times.append(time.perf_counter() - t0)
            medians[name] = statistics.median(times)
        if hasattr(bench, "teardown"):
            bench.teardown(*combo)
        base = medians.get(baseline) if baseline else None
        print(f"{cls.__name__}[{label}]")
        for name, med in medians.items():
            ratio = f"{med / base:6.2f}x" if base else "      "
            print(f"  {name:<40} {med * 1e3:10.2f} ms  {ratio}")
            if rows is not None:
                rows.append({
                    "module": cls.__module__.removeprefix("benchmarks."), "class": cls.__name__,
                    "params": label, "method": name, "median_s": med, "state": state,
                    "baseline": baseline, "ratio": med / base if base else None,
                })


def _machine() -> dict[str, Any]:
    return {
        "processor": platform.processor() or platform.machine(),
        "cpu_count": os.cpu_count(),
        "platform": platform.platform(),
        "python": platform.python_version(),
        "load_average": list(os.getloadavg()) if hasattr(os, "getloadavg") else None,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("targets", nargs="+", help="module or module.Class in asv_bench/benchmarks")
    parser.add_argument("--repeat", type=int, default=7)
    parser.add_argument("--only", help="run only time_ methods whose name contains one of "
                                       "these (comma-separated)")
    parser.add_argument("--case", help="run only parameter sets whose label contains this")
    parser.add_argument("--json", metavar="PATH", help="also write the rows as JSON to PATH")
    parser.add_argument("--state", choices=["steady", "first", "after-peer"], default="steady",
                        help="the state of the process each timed call meets (see above)")
    args = parser.parse_args()
    rows: list[dict[str, Any]] = []
    started = datetime.datetime.now(datetime.timezone.utc)
    for target in args.targets:
        for cls in _classes(target):
            _run_class(cls, args.repeat, args.only, args.case, rows, args.state)
    if args.json:
        record = {
            "command": "python asv_bench/compare.py " + " ".join(sys.argv[1:]),
            "date": started.isoformat(timespec="seconds"),
            "machine": _machine(),
            "repeat": args.repeat,
            "state": args.state,
            "rows": rows,
        }
        Path(args.json).parent.mkdir(parents=True, exist_ok=True)
        Path(args.json).write_text(json.dumps(record, indent=1) + "\n")


if __name__ == "__main__":
    main()
