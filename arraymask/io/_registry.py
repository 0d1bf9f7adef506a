"""The file formats, and how a path's format is chosen (extension or ``--from``/``--to``).

>>> for_path("a/b.MTX.gz").name, for_path("x.dat", "npz").name
('mtx.gz', 'npz')
>>> for_path("m.bsp.npz").name, for_path("m.npz").name, for_path("m.bsp.hdf5").name
('bsp.npz', 'npz', 'bsp.h5')
"""

from __future__ import annotations

import importlib
from dataclasses import dataclass, field
from types import ModuleType
from typing import Any

from ._errors import UsageError

__all__ = ["FORMATS", "Format", "by_name", "for_path"]


@dataclass(frozen=True)
class Format:
    """One file format: its name, what it is called, its extensions, its module."""

    name: str
    title: str
    suffixes: tuple[str, ...]
    module_name: str
    write_options: dict[str, Any] = field(default_factory=dict)

    @property
    def module(self) -> ModuleType:
        """The module that reads and writes the format (imported on first use)."""
        return importlib.import_module(f"{__package__}.{self.module_name}")


FORMATS: tuple[Format, ...] = (
    Format("mtx", "Matrix Market", (".mtx",), "matrix_market", {"compression": None}),
    Format("mtx.gz", "Matrix Market (gzip)", (".mtx.gz",), "matrix_market",
           {"compression": "gzip"}),
    Format("mtx.bz2", "Matrix Market (bzip2)", (".mtx.bz2",), "matrix_market",
           {"compression": "bz2"}),
    Format("npz", "SciPy sparse .npz", (".npz",), "npz"),
    Format("npy", "NumPy dense .npy", (".npy",), "npy"),
    Format("pt", "PyTorch sparse .pt", (".pt", ".pth"), "torch_pt"),
    Format("bsp.h5", "binsparse (HDF5)", (".bsp.h5", ".bsp.hdf5"), "binsparse_io",
           {"container": "hdf5"}),
    Format("bsp.npz", "binsparse (NumPy .npz)", (".bsp.npz",), "binsparse_io",
           {"container": "npz"}),
)

NAMES = tuple(f.name for f in FORMATS)


def by_name(name: str) -> Format:
    """The format called ``name`` (``UsageError`` listing the names otherwise)."""
    for fmt in FORMATS:
        if fmt.name == name:
            return fmt
    raise UsageError(f"unknown format {name!r}; choose one of {', '.join(NAMES)}")


def for_path(path: str, name: str | None = None, *, option: str = "--from") -> Format:
    """The format of ``path``: ``name`` if given, else the longest matching extension."""
    if name is not None:
        return by_name(name)
    lower = path.lower()
    matches = [(len(s), f) for f in FORMATS for s in f.suffixes if lower.endswith(s)]
    if not matches:
        raise UsageError(
            f"{path}: cannot tell the format from the extension; name it with {option} "
            f"({', '.join(NAMES)})"
        )
    return max(matches, key=lambda m: m[0])[1]
