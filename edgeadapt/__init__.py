"""edgeadapt: on-device personalization with small, exact, portable and safe state.

A model is ``y = f(x; S)``: ``f`` is frozen, and everything that adapts is a small
state ``S`` updated in summation form and persisted power-loss safe.
"""

from pathlib import Path

__version__ = "0.1.0"
__all__ = ["__version__", "get_include"]


def get_include() -> str:
    """The folder holding the C headers of the firmware library (``edgeadapt/ea_state.h`` ...).

    For a C extension or a host build of firmware that reads the same state blobs::

        cc -I"$(python -c 'import edgeadapt; print(edgeadapt.get_include())')" ...

    Examples
    --------
    >>> (Path(get_include()) / "edgeadapt" / "ea_state.h").is_file()
    True
    """
    return str(Path(__file__).resolve().parent / "include")
