"""The one place that knows about array backends.

Algorithms ask this module which namespace and device their inputs live on,
what a namespace can do (:class:`Capabilities`), and whether an array can be
handed to the compiled CPU kernels through a zero-copy NumPy view
(:func:`host_view`, :func:`from_host`). Nothing here imports a framework the
caller has not imported already: detection goes through ``array_api_compat``,
which looks at ``sys.modules`` first.
"""

from __future__ import annotations

import importlib
import sys
from collections.abc import Sequence
from dataclasses import dataclass
from types import ModuleType
from typing import Any

import array_api_compat as compat
import numpy as np

__all__ = [
    "Array",
    "Capabilities",
    "as_array",
    "capabilities",
    "device_of",
    "from_host",
    "host_view",
    "is_array",
    "is_traced",
    "namespace",
    "namespace_of_module",
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
        Short backend name: ``numpy``, ``torch``, ``cupy``, ``jax``, ``dask``,
        ``array_api_strict`` or the namespace's module name.
    inplace : bool
        Arrays support item assignment (``x[i] = v``).
    data_dependent_shapes : bool
        Functions whose output shape depends on values (``nonzero``,
        boolean indexing, ``unique``) are available.
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
    """

    name: str
    inplace: bool
    data_dependent_shapes: bool
    native_topk: bool
    uint32: bool
    int64: bool
    lazy: bool


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
    return Capabilities(
        name=name,
        inplace=name not in {"jax", "dask"},
        data_dependent_shapes=data_dependent,
        native_topk=name in {"torch", "jax"},
        uint32=name in {"numpy", "cupy", "array_api_strict", "dask", "jax"},
        int64=int64,
        lazy=name == "dask",
    )


def is_array(obj: object) -> bool:
    """True for an array of any namespace that array-api-compat knows."""
    return bool(compat.is_array_api_obj(obj)) and not isinstance(obj, np.generic)


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


def is_traced(x: object) -> bool:
    """True for a JAX tracer (inside ``jit``/``vmap``): its values are unknown."""
    if "jax" not in sys.modules or not compat.is_jax_array(x):
        return False
    return isinstance(x, sys.modules["jax"].core.Tracer)


def device_of(x: Array) -> Any:
    """Device of array ``x`` (``"cpu"`` for NumPy)."""
    return compat.device(x)


def as_array(
    obj: object,
    xp: ModuleType,
    *,
    device: Any = None,
    dtype: Any = None,
) -> Array:
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
    if device is None:
        return xp.asarray(obj, dtype=dtype)
    return xp.asarray(obj, dtype=dtype, device=device)


# --------------------------------------------------------------------------
# zero-copy bridges to the compiled kernels


def host_view(x: Array) -> np.ndarray | None:
    """Zero-copy NumPy view of a CPU array, or ``None`` if there is none.

    NumPy arrays come back as they are; CPU torch tensors as
    ``tensor.detach().numpy()`` (shared memory). Anything else (GPU arrays,
    JAX, Dask, array-api-strict, torch's bfloat16 or conjugate views) gives
    ``None``: the caller takes its array-API path.
    """
    if type(x) is np.ndarray:
        return x
    if compat.is_torch_array(x):
        torch = sys.modules["torch"]
        if (
            x.device.type != "cpu"
            or x.layout != torch.strided
            or x.dtype == torch.bfloat16
            or x.is_conj()
            or x.is_neg()
        ):
            return None
        return x.detach().numpy()
    return None


def from_host(result: np.ndarray, like: Array) -> Array:
    """Wrap a NumPy ``result`` computed from ``host_view(like)`` into ``like``'s kind.

    NumPy stays NumPy; for a CPU torch tensor the result is
    ``torch.from_numpy(result)`` (shared memory, no copy).
    """
    if type(like) is np.ndarray:
        return result
    if compat.is_torch_array(like):
        # ascontiguousarray turns a 0-d array into shape (1,): restore the shape
        contiguous = np.ascontiguousarray(result).reshape(result.shape)
        return sys.modules["torch"].from_numpy(contiguous)
    raise TypeError(f"no host bridge for {type(like).__name__}")


def is_sequence(obj: object) -> bool:
    """True for a Python list or tuple (not a string)."""
    return isinstance(obj, Sequence) and not isinstance(obj, (str, bytes))


def installed_backends() -> list[dict[str, str]]:
    """Report of the backends importable here: name, version and devices.

    Importing each one is the point of this report (``arraymask backends``), so
    this is the one function that imports frameworks on purpose.
    """
    rows = []
    for name, module in [
        ("numpy", "numpy"),
        ("torch", "torch"),
        ("cupy", "cupy"),
        ("jax", "jax"),
        ("dask", "dask.array"),
        ("array_api_strict", "array_api_strict"),
        ("tensorflow", "tensorflow"),
        ("scipy", "scipy.sparse"),
        ("sparse (pydata)", "sparse"),
    ]:
        try:
            mod = importlib.import_module(module)
        except Exception:
            continue
        top = sys.modules[module.split(".")[0]]
        rows.append(
            {
                "backend": name,
                "version": str(getattr(top, "__version__", "?")),
                "devices": _devices(name, mod),
            }
        )
    return rows


def _devices(name: str, mod: ModuleType) -> str:
    try:
        if name == "torch":
            devs = ["cpu"]
            if mod.cuda.is_available():
                devs += [f"cuda:{i}" for i in range(mod.cuda.device_count())]
            return ", ".join(devs)
        if name == "cupy":
            return ", ".join(f"cuda:{i}" for i in range(mod.cuda.runtime.getDeviceCount()))
        if name == "jax":
            return ", ".join(str(d) for d in mod.devices())
        if name == "tensorflow":
            return ", ".join(d.name for d in mod.config.list_logical_devices())
    except Exception as exc:  # a broken driver must not break the report
        return f"unavailable ({type(exc).__name__})"
    return "cpu"
