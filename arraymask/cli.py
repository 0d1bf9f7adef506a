"""The ``arraymask`` command line (``python -m arraymask`` is the same).

Subcommands: ``backends`` (what is installed), ``convert SRC DST``,
``info FILE`` and ``spy SRC OUT.png`` (sparse-matrix files; the work is done
by :mod:`arraymask.io`).
Exit status: 0 success; 2 malformed input or a request that cannot be
carried out as given (argparse's own usage errors too); 1 a missing
optional package or a failure while writing; 130 interrupted (Ctrl-C); 143
terminated (SIGTERM); 141 stdout closed early (``| head``). Every error is
one line on stderr.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import signal
import sys
import threading
from collections.abc import Iterator, Sequence

EXIT_INTERRUPTED = 130
EXIT_TERMINATED = 143
EXIT_BROKEN_PIPE = 141
_POLICIES = ("sum", "min", "max", "first", "last", "error", "keep")
_FORMATS = ("mtx", "mtx.gz", "mtx.bz2", "npz", "npy", "pt", "bsp.h5", "bsp.npz")


class Terminated(BaseException):
    """Raised by the SIGTERM handler so that clean-up code runs (like Ctrl-C)."""


def _cmd_backends(args: argparse.Namespace) -> int:
    from . import _ext
    from ._backend._report import installed_backends

    print(f"arraymask {_version()}")
    modules = ", ".join(name for name in _ext.__all__)
    print(f"compiled extension: loaded ({modules}) from {_ext.__path__[0]}")
    rows = installed_backends()
    width = max(len(r["backend"]) for r in rows)
    vwidth = max(len(r["version"]) for r in rows)
    for row in rows:
        print(f"  {row['backend']:<{width}}  {row['version']:<{vwidth}}  {row['devices']}")
    return 0


def _progress(args: argparse.Namespace) -> object:
    from .io import Progress

    mode = "never" if args.quiet else "always" if args.progress else "auto"
    return Progress(mode)


def _cmd_convert(args: argparse.Namespace) -> int:
    from .io import convert

    done = convert(
        args.src,
        args.dst,
        source_format=args.from_format,
        destination_format=args.to_format,
        duplicates=args.duplicates,
        dtype=args.dtype,
        force=args.force,
        allow_large=args.allow_large,
        progress=_progress(args),  # type: ignore[arg-type]
    )
    if not args.quiet:
        print(done.summary())
    return 0


def _cmd_info(args: argparse.Namespace) -> int:
    from .io import describe, render

    facts = describe(args.file, file_format=args.from_format, progress=_progress(args))  # type: ignore[arg-type]
    print(render(facts, as_json=args.json))
    return 0


def _cmd_spy(args: argparse.Namespace) -> int:
    from .io.spy import spy

    done = spy(
        args.src,
        args.dst,
        source_format=args.from_format,
        size=args.size,
        precision=args.precision,
        present=args.present,
        force=args.force,
        progress=_progress(args),  # type: ignore[arg-type]
    )
    if not args.quiet:
        print(done.summary())
    return 0


def _version() -> str:
    from . import __version__

    return __version__


def _add_progress_flags(parser: argparse.ArgumentParser) -> None:
    group = parser.add_mutually_exclusive_group()
    group.add_argument(
        "--progress", action="store_true",
        help="always show a progress bar on stderr (default: on a terminal, for large files)",
    )
    group.add_argument("-q", "--quiet", action="store_true", help="no progress bar, no summary")


def build_parser() -> argparse.ArgumentParser:
    """The argument parser of the ``arraymask`` command."""
    parser = argparse.ArgumentParser(
        prog="arraymask",
        description="Masks and sparse COO data across array libraries.",
    )
    parser.add_argument("--version", action="version", version=f"arraymask {_version()}")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    backends = sub.add_parser(
        "backends",
        help="installed backends, their versions and devices, and the compiled extension",
    )
    backends.set_defaults(run=_cmd_backends)

    formats = ", ".join(_FORMATS)
    convert = sub.add_parser(
        "convert",
        help="convert a sparse matrix between .mtx/.mtx.gz/.mtx.bz2, .npz, .npy, .pt and "
             "binsparse files",
        description=(
            "Convert a sparse matrix between Matrix Market (.mtx, .mtx.gz, .mtx.bz2), SciPy "
            ".npz, dense NumPy .npy, PyTorch .pt and binsparse (.bsp.h5, .bsp.hdf5, "
            ".bsp.npz) files. The output is in canonical "
            "row-major order (duplicates combined by --duplicates) and is written to a "
            "temporary file that is renamed only on success."
        ),
    )
    convert.add_argument("src", metavar="SRC", help="input file")
    convert.add_argument("dst", metavar="DST", help="output file")
    convert.add_argument("--from", dest="from_format", choices=_FORMATS, metavar="FORMAT",
                         help=f"format of SRC ({formats}; default: from its extension)")
    convert.add_argument("--to", dest="to_format", choices=_FORMATS, metavar="FORMAT",
                         help=f"format of DST ({formats}; default: from its extension)")
    convert.add_argument("--duplicates", choices=_POLICIES, default="sum", metavar="POLICY",
                         help=f"how duplicated coordinates are combined ({', '.join(_POLICIES)}; "
                              "default: sum)")
    convert.add_argument("--dtype", metavar="DTYPE",
                         help="value dtype of the output (e.g. float32, int64, complex128); "
                              "refused if a value would change")
    convert.add_argument("-f", "--force", action="store_true", help="overwrite DST if it exists")
    convert.add_argument("--allow-large", action="store_true",
                         help="write a dense .npy even if it looks too large for memory")
    _add_progress_flags(convert)
    convert.set_defaults(run=_cmd_convert)

    info = sub.add_parser(
        "info",
        help="shape, nnz, density, dtype, duplicates and order of a sparse-matrix file",
    )
    info.add_argument("file", metavar="FILE")
    info.add_argument("--from", dest="from_format", choices=_FORMATS, metavar="FORMAT",
                      help=f"format of FILE ({formats}; default: from its extension)")
    info.add_argument("--json", action="store_true", help="print the facts as JSON")
    _add_progress_flags(info)
    info.set_defaults(run=_cmd_info)

    spy = sub.add_parser(
        "spy",
        help="draw the sparsity pattern of a sparse-matrix file as a PNG image",
        description=(
            "Draw the sparsity pattern of any file that convert reads as a PNG image: "
            "one square per element when the matrix fits in --size pixels, else a "
            "density picture of square bins (darker: more entries). The entries are counted "
            "into the picture a chunk at a time, so nothing dense is built (Matrix Market, "
            ".npy and binsparse HDF5 coordinate files are also read a block at a time); the "
            "image is written to a temporary file that is renamed only on success."
        ),
    )
    spy.add_argument("src", metavar="SRC", help="input file")
    spy.add_argument("dst", metavar="OUT.png", help="output PNG image")
    spy.add_argument("--from", dest="from_format", choices=_FORMATS, metavar="FORMAT",
                     help=f"format of SRC ({formats}; default: from its extension)")
    spy.add_argument("--size", type=int, default=1024, metavar="PIXELS",
                     help="longer side of the image at most (default: 1024)")
    which = spy.add_mutually_exclusive_group()
    which.add_argument("--precision", type=float, default=0.0, metavar="P",
                       help="draw entries with |value| > P (default: 0, every nonzero; NaN too)")
    which.add_argument("--present", action="store_true",
                       help="draw every stored entry, explicit zeros included")
    spy.add_argument("-f", "--force", action="store_true", help="overwrite OUT if it exists")
    _add_progress_flags(spy)
    spy.set_defaults(run=_cmd_spy)
    return parser


@contextlib.contextmanager
def _sigterm_raises() -> Iterator[None]:
    """Turn SIGTERM into :class:`Terminated` while a command runs (main thread only)."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return

    def handler(signum: int, frame: object) -> None:
        raise Terminated

    previous = signal.signal(signal.SIGTERM, handler)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)


def _error(message: str) -> None:
    print(f"arraymask: error: {message}", file=sys.stderr)


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; returns the exit status."""
    try:
        args = build_parser().parse_args(argv)
    except SystemExit as exc:  # --help, --version, usage errors (status 2)
        return exc.code if isinstance(exc.code, int) else 2
    from .io import ConvertError

    try:
        with _sigterm_raises():
            return int(args.run(args))
    except ConvertError as exc:
        _error(str(exc))
        return exc.exit_status
    except KeyboardInterrupt:
        _error("interrupted; no output was written")
        return EXIT_INTERRUPTED
    except Terminated:
        _error("terminated; no output was written")
        return EXIT_TERMINATED
    except BrokenPipeError:  # ``arraymask info X | head``: the reader went away
        _silence_stdout()
        return EXIT_BROKEN_PIPE


def _silence_stdout() -> None:
    """Point stdout at /dev/null so that Python's final flush does not fail again."""
    with contextlib.suppress(AttributeError, OSError, ValueError):
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())


if __name__ == "__main__":
    sys.exit(main())
