"""``arraymask backends``: which array libraries are importable here, and their devices."""

from __future__ import annotations

import importlib
import sys
from types import ModuleType

__all__ = ["installed_backends"]


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
