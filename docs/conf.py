"""Sphinx configuration of the arraymask documentation.

Build (from the repository root, with the package installed):

    pip install -c .ci/constraints.txt ".[docs]"
    sphinx-build -W -b html docs docs/_build/html

The Markdown pages are read by myst-parser, the API reference is generated
from the docstrings (autosummary + numpydoc), the examples of ``docs/gallery``
are run by sphinx-gallery (a failing example fails the build) and the
benchmark figures are drawn from the recorded runs in
``docs/benchmarks/results`` by ``docs/benchmarks/plot.py``.
"""

from __future__ import annotations

import os
import sys
import warnings
from pathlib import Path

import arraymask

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE / "benchmarks"))  # plot.py

project = "arraymask"
author = "the arraymask developers"
copyright = "the arraymask developers"
version = release = arraymask.__version__

extensions = [
    "myst_parser",
    "sphinx.ext.autodoc",
    "sphinx.ext.autosummary",
    "sphinx.ext.intersphinx",
    "numpydoc",
    "sphinx_gallery.gen_gallery",
]

source_suffix = {".rst": "restructuredtext", ".md": "markdown"}
root_doc = "index"
exclude_patterns = [
    "_build",
    "gallery/README.txt",
    "auto_examples/*.ipynb",
    "auto_examples/*.py",
    "auto_examples/*.zip",
    "auto_examples/*.md5",
    "auto_examples/*.codeobj.json",
    "benchmarks/results",
]
templates_path = ["_templates"]

# -- Markdown ---------------------------------------------------------------------
myst_enable_extensions = ["colon_fence", "deflist"]
myst_heading_anchors = 3

# -- API reference ----------------------------------------------------------------
autosummary_generate = True
autosummary_imported_members = True
autodoc_typehints = "none"
numpydoc_show_class_members = False
numpydoc_class_members_toctree = False
numpydoc_validation_checks: set[str] = set()

intersphinx_mapping: dict[str, tuple[str, str | None]] = {}

# -- gallery ----------------------------------------------------------------------
sphinx_gallery_conf = {
    "examples_dirs": "gallery",
    "gallery_dirs": "auto_examples",
    "filename_pattern": r"/plot_",
    "abort_on_example_error": True,
    "only_warn_on_example_error": False,
    "download_all_examples": False,
    "remove_config_comments": True,
    "within_subsection_order": "FileNameSortKey",
    "plot_gallery": "True",
    "matplotlib_animations": False,
    "image_scrapers": ("matplotlib",),
}

# -- HTML -------------------------------------------------------------------------
html_theme = "pydata_sphinx_theme"
html_title = f"arraymask {release}"
html_static_path = ["_static"]
html_css_files = ["arraymask.css"]
html_theme_options = {
    "navbar_align": "left",
    "show_toc_level": 2,
    "secondary_sidebar_items": ["page-toc"],
    "footer_start": ["copyright"],
    "footer_end": [],
}
html_sidebars: dict[str, list[str]] = {"index": []}
html_show_sourcelink = False

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
warnings.filterwarnings("ignore", message="Matplotlib is currently using agg")


def _benchmark_figures(app: object) -> None:
    """Draw the benchmark figures from the recorded runs (never from typed numbers)."""
    import plot

    plot.main([str(HERE / "benchmarks" / "results"), str(HERE / "benchmarks" / "figures")])


def _spy_picture(app: object) -> None:
    """The picture on the command-line page: ``arraymask spy`` of the shipped example."""
    from arraymask.io import spy

    example = HERE.parent / "examples" / "poisson2d_p1_elements.mtx"
    spy(str(example), str(HERE / "_static" / "poisson-spy.png"), force=True)


def setup(app: object) -> None:
    app.connect("builder-inited", _benchmark_figures)  # type: ignore[attr-defined]
    app.connect("builder-inited", _spy_picture)  # type: ignore[attr-defined]
