"""Defaults of the sources that command-line parsers show, importable without numpy.

A parser that names a default in its help must not pay for numpy at start-up
(``edgeadapt --help`` stays light), so the constant lives here and the sources re-export it.

Examples
--------
>>> DEFAULT_CHUNK_ROWS
8192
"""

from __future__ import annotations

__all__ = ["DEFAULT_CHUNK_ROWS"]

#: Rows a CSV source reads per chunk: large enough that per-chunk overhead vanishes next to the
#: parsing (a chunk of 8-channel float rows is 0.5 MB), small enough to bound memory and latency.
DEFAULT_CHUNK_ROWS = 8192
