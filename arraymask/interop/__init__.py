"""Adapters to other libraries; each module imports its framework lazily.

``from_sparse`` recognises a sparse object by the module of its type, so it
never imports a framework the caller has not imported (the object's own
module is loaded already). Exporters live in ``tensorflow``, ``torch``,
``scipy``, ``pydata`` and ``cupyx`` and are reached through the COO's
``to_*`` methods.
"""

from ._from_sparse import from_sparse

__all__ = ["from_sparse"]
