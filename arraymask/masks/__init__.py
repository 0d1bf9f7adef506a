"""Mask algorithms, written once against the array API.

Public modules: :mod:`.topk` (top-k family), :mod:`.sequence` (lengths and
index masks), :mod:`.select` (isin, boolean selection, masked fill,
argwhere). Each chooses the route of every call: :mod:`._kernels` (compiled),
:mod:`._dask` (chunked) or :mod:`._generic` (the array-API twins).
"""
