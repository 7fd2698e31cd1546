"""Sphinx configuration of the edgeadapt documentation site.

Build (what tests/test_docs.py does, warnings as errors)::

    .venv/bin/python -m sphinx -W --keep-going -b html docs docs/_build/html

The Markdown pages are read by myst-parser; the API reference (docs/api/) is generated
from the numpydoc docstrings by autodoc + numpydoc.
"""

from __future__ import annotations

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import edgeadapt  # noqa: E402

project = "edgeadapt"
author = "the edgeadapt authors"
copyright = "the edgeadapt authors, Apache-2.0"
release = edgeadapt.__version__
version = release

extensions = [
    "myst_parser",
    "sphinx.ext.autodoc",
    "numpydoc",
    "sphinx.ext.viewcode",
]
source_suffix = {".rst": "restructuredtext", ".md": "markdown"}
root_doc = "index"
exclude_patterns = ["_build"]

# myst: `(#anchor)` links to headings, as GitHub renders them.
myst_heading_anchors = 3
myst_enable_extensions = ["deflist"]
suppress_warnings = ["myst.header"]  # pages keep GitHub's heading levels (a page may skip one)

# autodoc + numpydoc: members in source order; the signature's annotations are shown in the
# signature, the types in the numpydoc Parameters section.
autodoc_member_order = "bysource"
autodoc_typehints = "signature"
autodoc_mock_imports: list[str] = []
numpydoc_show_class_members = False
numpydoc_class_members_toctree = False
numpydoc_xref_param_type = False

html_theme = "alabaster"
html_title = f"edgeadapt {release}"
html_static_path: list[str] = []

# Pages that are Markdown files outside docs/, included into the site (docs/<page>.md holds
# the {include}); links to them in the docs, written for GitHub, are pointed at the page.
OUTSIDE_PAGES = {"../firmware/README.md": "firmware-readme.md"}


def _point_outside_links(app, docname, source) -> None:  # noqa: ANN001 (Sphinx's event API)
    for target, page in OUTSIDE_PAGES.items():
        source[0] = source[0].replace(f"]({target})", f"]({page})")


def setup(app):  # noqa: ANN001, ANN201
    app.connect("source-read", _point_outside_links)
