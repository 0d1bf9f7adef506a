"""The ``arraymask`` command line."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence


def _cmd_backends(args: argparse.Namespace) -> int:
    from . import _backend, _ext

    print(f"arraymask {_version()}")
    modules = ", ".join(name for name in _ext.__all__)
    print(f"compiled extension: loaded ({modules}) from {_ext.__path__[0]}")
    rows = _backend.installed_backends()
    width = max(len(r["backend"]) for r in rows)
    vwidth = max(len(r["version"]) for r in rows)
    for row in rows:
        print(f"  {row['backend']:<{width}}  {row['version']:<{vwidth}}  {row['devices']}")
    return 0


def _version() -> str:
    from . import __version__

    return __version__


def build_parser() -> argparse.ArgumentParser:
    """The argument parser of the ``arraymask`` command."""
    parser = argparse.ArgumentParser(
        prog="arraymask",
        description="Masks and sparse COO data across array libraries.",
    )
    parser.add_argument("--version", action="version", version=f"arraymask {_version()}")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    backends = sub.add_parser(
        "backends", help="installed backends, their versions and devices, and the compiled extension"
    )
    backends.set_defaults(run=_cmd_backends)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; returns the exit status."""
    args = build_parser().parse_args(argv)
    return int(args.run(args))


if __name__ == "__main__":
    sys.exit(main())
