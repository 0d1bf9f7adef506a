"""The package keeps its layout: one way down, backends known in one place.

Read from the source files (``ast``), not from a running interpreter:

* only ``arraymask/_backend/`` names backends; the algorithm topics branch on
  capability flags;
* no topic imports a private module or name of another topic;
* the import graph has no circle, except the documented lazy delegations of
  ``arraymask.sparse`` to ``arraymask.interop`` (``COO.to_*``,
  ``COO.from_sparse``, ``sparse.tf_dataset`` / ``sparse.torch_collate``);
* no source file is much longer than 600 lines.
"""

from __future__ import annotations

import ast
from pathlib import Path

import arraymask

PACKAGE = Path(arraymask.__file__).parent
ROOT = PACKAGE.parent
BACKEND_NAMES = {"numpy", "torch", "cupy", "jax", "dask", "array_api_strict", "tensorflow"}
ALGORITHMS = ("masks", "random", "sparse", "sampling")
SHARED = {"_backend", "_validate", "_ext"}
#: (importing module, imported topic): the lazy upward delegations.
DELEGATIONS = {("arraymask.sparse.coo", "interop"), ("arraymask.sparse", "interop")}


def _modules() -> dict[str, Path]:
    found = {}
    for path in PACKAGE.rglob("*.py"):
        if "_ext" in path.relative_to(PACKAGE).parts:
            continue
        parts = list(path.relative_to(ROOT).with_suffix("").parts)
        if parts[-1] == "__init__":
            parts.pop()
        found[".".join(parts)] = path
    return found


MODULES = _modules()


def _docstring_nodes(tree: ast.AST) -> set[int]:
    ids = set()
    for node in ast.walk(tree):
        if isinstance(node, (ast.Module, ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            body = node.body
            if body and isinstance(body[0], ast.Expr) and isinstance(body[0].value, ast.Constant):
                ids.add(id(body[0].value))
    return ids


def _imports(name: str, path: Path) -> list[tuple[str, list[str]]]:
    """``(absolute module, imported names)`` of every import in the file, lazy ones too."""
    tree = ast.parse(path.read_text())
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    out = []
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")
                base = base[: len(base) - node.level + 1]
                target = ".".join(base + ([node.module] if node.module else []))
            else:
                target = node.module or ""
            out.append((target, [a.name for a in node.names]))
        elif isinstance(node, ast.Import):
            out.extend((a.name, []) for a in node.names)
    return out


def _topic(module: str) -> str | None:
    parts = module.split(".")
    return parts[1] if len(parts) > 1 and parts[0] == "arraymask" else None


def test_backend_names_only_in_the_backend_package() -> None:
    offenders = []
    for name, path in MODULES.items():
        if _topic(name) not in ALGORITHMS and not name.endswith("_validate"):
            continue
        tree = ast.parse(path.read_text())
        docs = _docstring_nodes(tree)
        for node in ast.walk(tree):
            if (isinstance(node, ast.Constant) and isinstance(node.value, str)
                    and id(node) not in docs and node.value in BACKEND_NAMES):
                offenders.append(f"{path.relative_to(ROOT)}:{node.lineno} {node.value!r}")
            if isinstance(node, ast.Attribute) and node.attr == "modules" and isinstance(
                    node.value, ast.Name) and node.value.id == "sys":
                offenders.append(f"{path.relative_to(ROOT)}:{node.lineno} sys.modules")
    assert not offenders, "backend knowledge outside arraymask/_backend: " + ", ".join(offenders)


def test_no_private_name_crosses_topics() -> None:
    offenders = []
    for name, path in MODULES.items():
        mine = _topic(name)
        for target, names in _imports(name, path):
            theirs = _topic(target)
            if theirs is None or theirs == mine or theirs in SHARED:
                continue
            private_module = any(p.startswith("_") for p in target.split(".")[2:])
            private_names = [n for n in names if n.startswith("_") and n != "__version__"]
            if private_module or private_names:
                offenders.append(f"{name} imports {target} {private_names or ''}")
    assert not offenders, offenders


def _graph() -> dict[str, set[str]]:
    graph: dict[str, set[str]] = {name: set() for name in MODULES}
    for name, path in MODULES.items():
        for target, names in _imports(name, path):
            for candidate in [f"{target}.{n}" for n in names] + [target]:
                if candidate in MODULES and candidate != name:
                    if (name, _topic(candidate)) not in DELEGATIONS:
                        graph[name].add(candidate)
                    break
    return graph


def _cycle(graph: dict[str, set[str]]) -> list[str] | None:
    state: dict[str, int] = {}
    stack: list[str] = []

    def visit(node: str) -> list[str] | None:
        state[node] = 1
        stack.append(node)
        for nxt in sorted(graph[node]):
            if state.get(nxt) == 1:
                return [*stack[stack.index(nxt):], nxt]
            if nxt not in state and (found := visit(nxt)):
                return found
        stack.pop()
        state[node] = 2
        return None

    for node in sorted(graph):
        if node not in state and (found := visit(node)):
            return found
    return None


def test_no_import_circle() -> None:
    graph = _graph()
    # a package's __init__ re-exporting its own modules is not a circle of design
    for name in list(graph):
        if MODULES[name].name == "__init__.py":
            graph[name] = {t for t in graph[name] if not t.startswith(name + ".")}
    assert _cycle(graph) is None, " -> ".join(_cycle(graph) or [])


def test_the_delegations_are_lazy() -> None:
    """The upward steps happen inside functions, never at import time."""
    for name, topic in DELEGATIONS:
        tree = ast.parse(MODULES[name].read_text())
        for node in tree.body:
            if isinstance(node, ast.ImportFrom) and node.module and topic in node.module:
                raise AssertionError(f"{name} imports {topic} at module level")


def test_source_files_stay_small() -> None:
    sources = list(PACKAGE.rglob("*.py")) + list((ROOT / "_ext").glob("*.py*"))
    long = {str(p.relative_to(ROOT)): n for p in sources
            if (n := len(p.read_text().splitlines())) > 700}
    assert not long, long
