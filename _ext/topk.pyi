"""Type stub of the compiled top-k selection kernel (``_ext/topk.pyx``)."""

import numpy as np
import numpy.typing as npt

def topk_slices(
    x: npt.NDArray[np.unsignedinteger],
    k: npt.NDArray[np.int64],
    out: npt.NDArray[np.uint8],
    kind: int,
    largest: bool,
    ties_all: bool,
    threads: int = 1,
) -> None:
    """Mark the top ``k[r]`` entries of every slice ``x[i, :, j]`` in ``out``.

    ``x``: raw bits ``(pre, n, post)`` as uint8/16/32/64, any strides;
    ``k``: ``(pre * post,)`` counts in ``[0, n]`` (may have stride 0);
    ``kind``: 0 unsigned or bool, 1 signed integer, 2 IEEE float;
    ``out``: ``(pre, n, post)`` uint8 written completely.
    """
