"""Type stub of the compiled sampling filters (``_ext/sampling.pyx``)."""

import numpy as np
import numpy.typing as npt

def filter_rows(
    x: npt.NDArray[np.unsignedinteger],
    temp: npt.NDArray[np.float64],
    k: npt.NDArray[np.int64],
    p: npt.NDArray[np.float64],
    min_p: npt.NDArray[np.float64],
    joint: bool,
    table: npt.NDArray[np.float64],
    scale_bits: int,
    top: npt.NDArray[np.uint8],
    mask: npt.NDArray[np.uint8],
    u: npt.NDArray[np.float64],
    tokens: npt.NDArray[np.int64],
    threads: int = 1,
) -> None:
    """Sampling filters of every row ``x[r, :]`` (raw float16/32/64 bits, shape ``(rows, n)``).

    ``top`` (when it has rows) is the top-``k`` mask of the raw values, from
    which the survivors are read; ``mask`` may be the same array. Writes the
    kept tokens into ``mask`` (uint8, shape of ``x``) when it has rows, and the tokens drawn with the uniforms ``u`` (``(rows, ns)``) into
    ``tokens`` when ``u`` has rows.
    """

def gather_marked(mask: npt.NDArray[np.uint8], out: npt.NDArray[np.int64], threads: int = 1) -> None:
    """``out[r, :]``: positions of the nonzero bytes of ``mask[r, :]`` (C-contiguous rows)."""
