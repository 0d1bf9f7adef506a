"""The one place that knows about array backends.

Algorithms ask this package which namespace and device their inputs live on
and what a namespace can do (:mod:`._namespace`), whether an array can be
handed to the compiled CPU kernels through a zero-copy NumPy view
(:mod:`._host`), how many threads a kernel may use (:mod:`._threads`),
where its NumPy arrays take their memory (:mod:`._memory`), how to treat
lazy Dask arrays (:mod:`._lazy`), and the few operations whose
spelling depends on the namespace (:mod:`._portable`). TensorFlow tensors,
which have no array-API namespace, are moved in and out through DLPack by
:mod:`._tensorflow` (the :func:`bridged` decorator of the public functions).
No backend name appears outside this package in the algorithms: they branch
on :class:`Capabilities`.
"""

from ._host import from_host, host_view, native_order, to_host
from ._lazy import host_chunks, is_lazy, lazy_check, require_known_chunks
from ._memory import configured_pool_bytes, pooled, release_pool
from ._namespace import (
    Array,
    Capabilities,
    as_array,
    bitcast,
    capabilities,
    device_of,
    dtype_name,
    fused,
    index_dtype,
    is_array,
    is_sequence,
    is_traced,
    itemsize,
    key_limit,
    namespace,
    namespace_of_module,
    native,
    native_topk,
    new_array,
    sparse_layout,
    to_device,
    values_known,
)
from ._portable import first_true, take_last
from ._tensorflow import bridged
from ._threads import configured_threads, override_threads, threads

__all__ = [
    "Array",
    "Capabilities",
    "as_array",
    "bitcast",
    "bridged",
    "capabilities",
    "configured_pool_bytes",
    "configured_threads",
    "device_of",
    "dtype_name",
    "first_true",
    "from_host",
    "fused",
    "host_chunks",
    "host_view",
    "index_dtype",
    "is_array",
    "is_lazy",
    "is_sequence",
    "is_traced",
    "itemsize",
    "key_limit",
    "lazy_check",
    "namespace",
    "namespace_of_module",
    "native",
    "native_order",
    "native_topk",
    "new_array",
    "override_threads",
    "pooled",
    "release_pool",
    "require_known_chunks",
    "sparse_layout",
    "take_last",
    "threads",
    "to_device",
    "to_host",
    "values_known",
]
