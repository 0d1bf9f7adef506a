"""Namespaces, devices and what each backend can do.

Algorithms ask this module which namespace and device their inputs live on,
and what a namespace can do (:class:`Capabilities`). Nothing here imports a
framework the caller has not imported already: detection goes through
``array_api_compat``, which looks at ``sys.modules`` first.
"""

from __future__ import annotations

import functools
import importlib
import sys
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from types import ModuleType
from typing import Any

import array_api_compat as compat
import numpy as np

__all__ = [
    "Array",
    "Capabilities",
    "as_array",
    "bitcast",
    "capabilities",
    "device_of",
    "dtype_name",
    "fused",
    "index_dtype",
    "is_array",
    "is_sequence",
    "is_traced",
    "itemsize",
    "key_limit",
    "namespace",
    "namespace_of_module",
    "native",
    "native_topk",
    "new_array",
    "sparse_layout",
    "to_device",
    "values_known",
]

#: Runtime alias for "an array of any supported namespace".
Array = Any

_NUMPY = compat.array_namespace(np.empty(0))


@dataclass(frozen=True)
class Capabilities:
    """What a namespace can do, as far as arraymask's algorithms care.

    Attributes
    ----------
    name : str
        Short backend name for messages and reports: ``numpy``, ``torch``,
        ``cupy``, ``jax``, ``dask``, ``array_api_strict`` or the namespace's
        module name. Algorithms branch on the flags below, never on it.
    inplace : bool
        Arrays support item assignment (``x[i] = v``).
    data_dependent_shapes : bool
        Functions whose output shape depends on values (``nonzero``,
        boolean indexing, ``unique``) are available.
    boolean_index : bool
        ``x[(slice(None),) * a + (mask,)]`` selects natively and eagerly.
    scatter : bool
        ``array_api_extra.at(x, idx).set(v)`` is a native scatter (NumPy,
        PyTorch, CuPy, JAX); without it a scatter is emulated.
    native_argwhere : bool
        The library module (:func:`native`) has ``argwhere`` and ``where``
        with NumPy's semantics.
    native_topk : bool
        The backend has a top-k routine (``torch.topk``, ``jax.lax.top_k``).
    uint32 : bool
        A ``uint32`` dtype with exact wrapping elementwise arithmetic (add,
        multiply, shifts, bitwise, comparisons) exists: NumPy, CuPy, Dask,
        array-api-strict and JAX (XLA's ``uint32`` wraps in both x64 modes);
        not PyTorch, whose ``uint32`` lacks shifts and adds.
    int64 : bool
        64-bit integers are available (JAX without x64 has none).
    lazy : bool
        Arrays are lazy task graphs (Dask): nothing is computed until asked.
    compiles : bool
        A chain of elementwise operations runs faster compiled as one
        function (:func:`fused`; JAX).
    bitcast : bool
        The bits of an array can be read as unsigned integers of the same
        width, and those compared and shifted (:func:`bitcast`): NumPy, CuPy,
        JAX, Dask (not array-api-strict; not torch, whose uint16/32/64 have
        no comparisons).
    """

    name: str
    inplace: bool
    data_dependent_shapes: bool
    boolean_index: bool
    scatter: bool
    native_argwhere: bool
    native_topk: bool
    uint32: bool
    int64: bool
    lazy: bool
    compiles: bool
    bitcast: bool


def _backend_name(xp: ModuleType) -> str:
    if compat.is_numpy_namespace(xp):
        return "numpy"
    if compat.is_torch_namespace(xp):
        return "torch"
    if compat.is_cupy_namespace(xp):
        return "cupy"
    if compat.is_jax_namespace(xp):
        return "jax"
    if compat.is_dask_namespace(xp):
        return "dask"
    if compat.is_array_api_strict_namespace(xp):
        return "array_api_strict"
    return xp.__name__


def capabilities(xp: ModuleType) -> Capabilities:
    """Capabilities of namespace ``xp``.

    >>> import numpy as np
    >>> capabilities(namespace(np.zeros(3))).inplace
    True
    """
    name = _backend_name(xp)
    if name == "array_api_strict":
        flags = xp.get_array_api_strict_flags()
        data_dependent = bool(flags.get("data_dependent_shapes", True)) and bool(
            flags.get("boolean_indexing", True)
        )
    else:
        data_dependent = name != "jax"  # under jax.jit shapes must be static
    int64 = True
    if name == "jax":
        import jax  # the caller already imported it: its arrays reached us

        int64 = bool(jax.config.read("jax_enable_x64"))
    eager_native = name in {"numpy", "torch", "cupy", "jax"}
    return Capabilities(
        name=name,
        inplace=name not in {"jax", "dask"},
        data_dependent_shapes=data_dependent,
        boolean_index=eager_native,
        scatter=eager_native,
        native_argwhere=eager_native or name == "dask",
        native_topk=name in {"torch", "jax"},
        uint32=name in {"numpy", "cupy", "array_api_strict", "dask", "jax"},
        int64=int64,
        lazy=name == "dask",
        compiles=name == "jax",
        bitcast=name in {"numpy", "cupy", "jax", "dask"},  # torch's unsigned types lack ops
    )


_NATIVE_MODULES = {
    "numpy": "numpy",
    "torch": "torch",
    "cupy": "cupy",
    "jax": "jax.numpy",
    "dask": "dask.array",
}


def native(xp: ModuleType) -> ModuleType | None:
    """The library module behind namespace ``xp`` (``numpy``, ``torch``, ``jax.numpy``, ...).

    ``None`` for a namespace that is its own library (array-api-strict). The
    module is imported already: its arrays reached us.

    >>> import numpy as np
    >>> native(namespace(np.zeros(1))).__name__
    'numpy'
    """
    module = _NATIVE_MODULES.get(capabilities(xp).name)
    return None if module is None else sys.modules.get(module) or importlib.import_module(module)


_UNSIGNED = {1: "uint8", 2: "uint16", 4: "uint32", 8: "uint64"}


def itemsize(dtype: Any) -> int:
    """Bytes per element of a dtype of any namespace (bfloat16 included).

    >>> itemsize(np.dtype("float16"))
    2
    """
    size = getattr(dtype, "itemsize", None)
    if isinstance(size, int):
        return size
    name = dtype_name(dtype)
    return 1 if name == "bool" else int("".join(c for c in name if c.isdigit())) // 8


def bitcast(x: Array, xp: ModuleType) -> Array:
    """The bits of ``x`` as unsigned integers of the same width (no copy where possible).

    Only where :attr:`Capabilities.bitcast`; the values are reinterpreted,
    not converted.
    """
    target = _UNSIGNED[itemsize(x.dtype)]
    name = capabilities(xp).name
    if name == "jax":
        return sys.modules["jax"].lax.bitcast_convert_type(x, getattr(xp, target))
    if name == "dask":
        return x.map_blocks(lambda b: b.view(np.dtype(target)), dtype=np.dtype(target))
    return x.view(np.dtype(target))  # NumPy, CuPy


def native_topk(xp: ModuleType, dtype: Any) -> tuple[Any, bool] | None:
    """The backend's own top-k for ``dtype``: ``(fn, stable)``, or ``None``.

    ``fn(z, kmax, largest)`` gives the ``kmax`` best ``(values, indices)`` per
    last-axis slice, best first. ``stable``: the indices follow arraymask's
    ranking -- equal values lower index first, NaN above ``+inf``
    (``largest=False``: below every number), ``-0.0`` tied with ``0.0`` --
    as ``jax.lax.top_k`` documents its ties, fed a copy with one NaN and
    ``+0.0``; its values are that copy's (gather from ``z`` for the exact
    bits). ``torch.topk`` promises no order among equal values (and its CPU
    and CUDA kernels differ), so only its values may be used.

    >>> native_topk(namespace(np.zeros(1)), np.float64) is None
    True
    """
    caps = capabilities(xp)
    if not caps.native_topk:
        return None
    name = dtype_name(dtype)
    kind = "f" if "float" in name else ("u" if name.startswith("uint") else "i")
    if caps.name == "torch":
        if kind == "u" and name != "uint8":
            return None  # torch's topk has no uint16/32/64 kernels

        def torch_topk(z: Array, kmax: int, largest: bool) -> tuple[Array, Array]:
            out = sys.modules["torch"].topk(z, kmax, dim=-1, largest=largest, sorted=True)
            return out.values, out.indices

        return torch_topk, False
    # XLA's CPU top-k is fast on float32/float64 only (about 25x slower on
    # integers and float16): values go through the narrowest float that holds
    # them exactly, or the backend has no fast top-k for them
    wide = caps.int64
    size = itemsize(dtype)
    if (kind == "f" and size <= 4) or (kind in "iu" and size <= 2):
        fast = xp.float32
    elif (kind == "f" and size == 8) or (kind in "iu" and size == 4 and wide):
        fast = xp.float64
    else:
        return None
    lax = sys.modules["jax"].lax

    def jax_topk(z: Array, kmax: int, largest: bool) -> tuple[Array, Array]:
        w = xp.astype(z, fast)
        if kind == "f":
            w = xp.where(w == 0, xp.zeros_like(w), w)  # -0.0 ties 0.0
            w = xp.where(xp.isnan(w), xp.full_like(w, float("nan")), w)  # all NaNs tie
        # behind an optimization barrier: XLA on the CPU otherwise turns a
        # top_k whose values feed arithmetic into a full sort (100x slower on
        # a (64, 128256) batch, jax 0.10)
        values, indices = lax.optimization_barrier(lax.top_k(w if largest else -w, kmax))
        return xp.astype(values if largest else -values, z.dtype), indices

    return jax_topk, True


def index_dtype(xp: ModuleType) -> Any:
    """int64, or int32 on a backend without 64-bit integers (JAX without x64)."""
    return xp.int64 if capabilities(xp).int64 else xp.int32


def key_limit(xp: ModuleType) -> int:
    """Largest value of :func:`index_dtype` (the bound of a linear index)."""
    return 2**63 - 1 if capabilities(xp).int64 else 2**31 - 1


def dtype_name(dtype: Any) -> str:
    """``"int64"`` for ``numpy.int64``, ``torch.int64``, ``jnp.int64``, ..."""
    return str(dtype).rsplit(".", 1)[-1]


def is_array(obj: object) -> bool:
    """True for an array of any namespace that array-api-compat knows."""
    return bool(compat.is_array_api_obj(obj)) and not isinstance(obj, np.generic)


def is_sequence(obj: object) -> bool:
    """True for a Python list or tuple (not a string)."""
    return isinstance(obj, Sequence) and not isinstance(obj, (str, bytes))


_module_namespaces: dict[str, ModuleType] = {}


def namespace_of_module(xp: ModuleType | str) -> ModuleType:
    """Array-API namespace for a plain module (``numpy``, ``torch``, ...).

    Accepts a module, a module name, or an array-api-compat namespace.

    >>> import numpy
    >>> namespace_of_module(numpy).__name__
    'array_api_compat.numpy'
    """
    if isinstance(xp, str):
        xp = importlib.import_module(xp)
    if not isinstance(xp, ModuleType) or not hasattr(xp, "asarray"):
        raise TypeError(f"xp must be an array namespace module, got {xp!r}")
    key = xp.__name__
    if key not in _module_namespaces:
        _module_namespaces[key] = compat.array_namespace(xp.asarray(0))
    return _module_namespaces[key]


def namespace(*arrays: object, xp: ModuleType | str | None = None) -> ModuleType:
    """Namespace shared by ``arrays``; Python scalars and sequences are ignored.

    ``xp`` (a module or namespace) is used when no argument is an array. Mixed
    namespaces raise ``TypeError``.

    >>> import numpy as np
    >>> namespace(np.zeros(2), 3).__name__
    'array_api_compat.numpy'
    >>> namespace([1, 2]).__name__
    'array_api_compat.numpy'
    """
    found = [a for a in arrays if is_array(a)]
    if found:
        try:
            ns = compat.array_namespace(*found)
        except TypeError as exc:
            kinds = sorted({type(a).__module__ + "." + type(a).__name__ for a in found})
            raise TypeError(f"arrays of different namespaces cannot be mixed: {kinds}") from exc
        if xp is not None and namespace_of_module(xp) is not ns:
            raise TypeError(
                f"xp={getattr(xp, '__name__', xp)!r} does not match the arrays' "
                f"namespace {ns.__name__!r}"
            )
        return ns
    return _NUMPY if xp is None else namespace_of_module(xp)


def sparse_layout(x: object) -> str | None:
    """The layout of a sparse array (a torch sparse tensor), None for a dense one."""
    if compat.is_torch_array(x):
        torch = sys.modules["torch"]
        if x.layout != torch.strided:  # type: ignore[attr-defined]
            return str(x.layout)  # type: ignore[attr-defined]
    return None


def is_traced(x: object) -> bool:
    """True for a JAX tracer (inside ``jit``/``vmap``): its values are unknown."""
    if "jax" not in sys.modules or not compat.is_jax_array(x):
        return False
    return isinstance(x, sys.modules["jax"].core.Tracer)


def values_known(x: Array, xp: ModuleType) -> bool:
    """The values of ``x`` can be read now (not traced, not a lazy graph)."""
    return not capabilities(xp).lazy and not is_traced(x)


def device_of(x: Array) -> Any:
    """Device of array ``x`` (``"cpu"`` for NumPy)."""
    return compat.device(x)


def to_device(x: Array, device: Any) -> Array:
    """``x`` on ``device`` (unchanged when ``device`` is None)."""
    if device is None:
        return x
    return compat.to_device(x, device)


def new_array(obj: object, xp: ModuleType, *, device: Any = None, dtype: Any = None) -> Array:
    """A new array of ``xp`` holding ``obj`` (host data), on ``device``.

    The one place where arrays are created from host values: with a device
    they are created there, never on the default device and moved.
    """
    if device is None:
        return xp.asarray(obj, dtype=dtype)
    return xp.asarray(obj, dtype=dtype, device=device)


def as_array(obj: object, xp: ModuleType, *, device: Any = None, dtype: Any = None) -> Array:
    """``obj`` as an array of ``xp`` on ``device``; arrays pass through.

    Python sequences and scalars become arrays of ``xp`` (the embedded default
    NumPy when the caller named none). An array of ``xp`` is returned as it is
    (no copy), cast only when ``dtype`` differs.
    """
    if is_array(obj):
        if dtype is not None and obj.dtype != dtype:  # type: ignore[attr-defined]
            return xp.astype(obj, dtype)
        return obj
    if isinstance(obj, np.generic):
        obj = obj.item()
    return new_array(obj, xp, device=device, dtype=dtype)


def fused(xp: ModuleType, fn: Callable[..., Any], *static: Any) -> Callable[..., Any]:
    """``fn`` compiled into one function where the backend :attr:`~Capabilities.compiles`.

    ``static`` are hashable arguments fixed at compile time (shapes); the
    result takes the remaining (array) arguments. On other backends ``fn``
    itself is returned with ``static`` bound. The same operations run either
    way, so the results are identical.
    """
    if not capabilities(xp).compiles:
        return functools.partial(fn, *static)
    return _jitted(fn, static)


@functools.lru_cache(maxsize=128)
def _jitted(fn: Callable[..., Any], static: tuple[Any, ...]) -> Callable[..., Any]:
    import jax

    return jax.jit(functools.partial(fn, *static))
