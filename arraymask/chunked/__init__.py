"""Dask-specific algorithms: masks and COO on chunked ``dask.array`` inputs.

The public functions (:func:`arraymask.topk_mask`, :meth:`arraymask.sparse.COO.from_dense`,
...) dispatch here when their input is lazy (``_backend.capabilities(xp).lazy``);
this package is imported only then, and imports Dask only inside its functions.

* :mod:`.topk` — top-k masks by a tree reduction of per-chunk candidates
  (no rechunking of the ranked axis);
* :mod:`.coo` — COO from dense arrays and masks block by block with the
  compiled kernel, combined lazily (:class:`.coo.LazyCOO`), and dask arrays of
  pydata ``sparse.COO`` chunks;
* :mod:`._common` — checks shared by both (known chunk sizes, NumPy chunks).

See ``docs/dask.md`` for what every mask function does on Dask.
"""

from __future__ import annotations

__all__: list[str] = []
