"""Bar charts of arraymask's speed-up against each peer, from ``compare.py --json`` records.

Every ``results/*.json`` file (written by ``asv_bench/compare.py ... --json``)
becomes ``figures/<name>.png``: one horizontal bar per pair of an arraymask
method and a peer method of the same benchmark class and parameters, its
length the speed-up ``peer median / arraymask median`` on a log scale (right
of the line at 1: arraymask is faster). A class's peers are its
``time_peer_*`` methods and its ``baseline``; ``time_ref_*`` methods (lower
bounds such as a bare sort, not peers) are left out; arraymask's method is
``time_arraymask`` where the class has one, else each of its other
``time_*`` methods. The caption under the chart gives the run's command,
machine and date, as recorded. Nothing here is typed by hand: the numbers
come from the JSON files only.

    python docs/benchmarks/plot.py docs/benchmarks/results docs/benchmarks/figures

The documentation build runs it (``docs/conf.py``).
"""

from __future__ import annotations

import json
import math
import sys
from pathlib import Path
from typing import Any

__all__ = ["main", "speedups"]


def _short(method: str) -> str:
    return method.removeprefix("time_peer_").removeprefix("time_")


def speedups(record: dict[str, Any]) -> list[tuple[str, str, float]]:
    """``(workload, peer, speed-up)`` rows of one record, in the record's order.

    >>> rows = [
    ...     {"class": "A", "params": "n=1", "method": "time_ours", "median_s": 1.0,
    ...      "baseline": "time_peer_x"},
    ...     {"class": "A", "params": "n=1", "method": "time_peer_x", "median_s": 3.0,
    ...      "baseline": "time_peer_x"},
    ... ]
    >>> speedups({"rows": rows})
    [('A[n=1] ours', 'x', 3.0)]
    """
    groups: dict[tuple[str, str], list[dict[str, Any]]] = {}
    for row in record["rows"]:
        groups.setdefault((row["class"], row["params"]), []).append(row)
    out = []
    for (cls, params), rows in groups.items():
        baseline = rows[0].get("baseline")
        peers = [r for r in rows if r["method"].startswith("time_peer_") or r["method"] == baseline]
        ours = [r for r in rows if r not in peers and not r["method"].startswith("time_ref_")]
        main = [r for r in ours if r["method"] == "time_arraymask"]
        ours = main or ours  # variants (time_arraymask_keep, ...) only when there is no main one
        for mine in ours:
            for peer in peers:
                if mine["median_s"] > 0:
                    label = f"{cls}[{params}] {_short(mine['method'])}" if params else (
                        f"{cls} {_short(mine['method'])}"
                    )
                    out.append((label, _short(peer["method"]), peer["median_s"] / mine["median_s"]))
    return out


def _caption(record: dict[str, Any]) -> str:
    machine = record.get("machine", {})
    load = machine.get("load_average")
    load_text = f", load average {load[0]:.1f} at the start" if load else ""
    return (
        f"{record.get('command', '')}\n"
        f"run {record.get('date', '?')} on {machine.get('processor', '?')}, "
        f"{machine.get('cpu_count', '?')} CPUs ({machine.get('platform', '?')}, "
        f"Python {machine.get('python', '?')}){load_text}; medians of "
        f"{record.get('repeat', '?')} runs"
    )


def draw(record: dict[str, Any], title: str, path: Path) -> None:
    """Write the chart of one record to ``path`` (PNG)."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    rows = speedups(record)
    peers = list(dict.fromkeys(peer for _, peer, _ in rows))
    colours = plt.get_cmap("tab10")
    fig, ax = plt.subplots(figsize=(11, 0.55 * len(rows) + 1.9), layout="constrained")
    labels = [f"{workload}\nvs {peer}" for workload, peer, _ in rows]
    values = [value for _, _, value in rows]
    ax.barh(range(len(rows)), values,
            color=[colours(peers.index(peer) % 10) for _, peer, _ in rows])
    for y, value in enumerate(values):
        ax.annotate(f"{value:.2f}x", (value, y), xytext=(3, 0), textcoords="offset points",
                    va="center", fontsize=8)
    ax.set_yticks(range(len(rows)), labels, fontsize=8)
    ax.invert_yaxis()
    ax.set_xscale("log")
    low, high = min([*values, 1.0]), max([*values, 1.0])
    ax.set_xlim(10 ** (math.floor(math.log10(low)) - 0.1),
                10 ** (math.ceil(math.log10(high)) + 0.3))
    ax.axvline(1.0, color="black", linewidth=0.8)
    ax.set_xlabel("speed-up = peer median / arraymask median (log scale; > 1: arraymask faster)",
                  fontsize=9)
    ax.set_title(title)
    fig.text(0.01, 0.005, _caption(record), fontsize=7, va="bottom", ha="left", wrap=True)
    fig.get_layout_engine().set(rect=(0, 0.07, 1, 0.93))
    fig.savefig(path, dpi=110)
    plt.close(fig)


def main(argv: list[str] | None = None) -> list[Path]:
    """Draw every ``RESULTS/*.json`` into ``FIGURES/*.png``; returns the files written."""
    args = sys.argv[1:] if argv is None else argv
    results, figures = Path(args[0]), Path(args[1])
    figures.mkdir(parents=True, exist_ok=True)
    written = []
    for source in sorted(results.glob("*.json")):
        record = json.loads(source.read_text())
        target = figures / f"{source.stem}.png"
        draw(record, f"{source.stem}: speed-up against each peer", target)
        written.append(target)
    return written


if __name__ == "__main__":
    for done in main():
        print(done)
