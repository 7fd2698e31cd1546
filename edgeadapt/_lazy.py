"""Lazy package attributes, so that importing a package does not import numpy.

``edgeadapt --help`` imports every command module, and a command module lives inside its
package (``edgeadapt.state.cli``), so each package's ``__init__`` would import the whole
package (and numpy) before the help could print. A package instead names where each of
its public names lives, and the submodule is imported on first access (PEP 562)::

    lazy_package(__name__, {"FileStore": ".store", ...})

with the same names imported under ``if typing.TYPE_CHECKING:`` for type checkers
(``tests/test_lazy_imports.py`` checks that the two agree).

A public name that is also a submodule's name (``edgeadapt.state.persist`` the function,
in ``edgeadapt/state/persist.py``) stays the function: the import system binds a
submodule onto its package when it is imported, and the package keeps the function then.

Examples
--------
>>> import edgeadapt.state, edgeadapt.state.persist
>>> "FileStore" in dir(edgeadapt.state), edgeadapt.state.FileStore.__name__
(True, 'FileStore')
>>> type(edgeadapt.state.persist).__name__      # the function, not the submodule
'function'
>>> edgeadapt.state.nope
Traceback (most recent call last):
...
AttributeError: module 'edgeadapt.state' has no attribute 'nope'
"""

from __future__ import annotations

import importlib
import sys
import types
from typing import Any, Mapping

__all__ = ["lazy_package"]


class _LazyPackage(types.ModuleType):
    """A package module whose public names are imported from their submodule on first use."""

    _lazy_names: dict[str, str]

    def __getattr__(self, name: str) -> Any:  # only called for names not set yet
        table = self.__dict__.get("_lazy_names", {})
        where = table.get(name)
        if where is None:
            raise AttributeError(f"module {self.__name__!r} has no attribute {name!r}")
        module = importlib.import_module(where, self.__name__)
        value = getattr(module, name) if hasattr(module, name) else module
        types.ModuleType.__setattr__(self, name, value)  # later accesses skip this function
        return value

    def __setattr__(self, name: str, value: Any) -> None:
        table = self.__dict__.get("_lazy_names", {})
        if (isinstance(value, types.ModuleType) and value.__name__ == f"{self.__name__}.{name}"
                and table.get(name) == f".{name}" and hasattr(value, name)):
            value = getattr(value, name)  # the submodule `persist` binds; the package keeps `persist()`
        types.ModuleType.__setattr__(self, name, value)

    def __dir__(self) -> list[str]:
        return sorted(set(self.__dict__.get("_lazy_names", {})) | set(self.__dict__))


def lazy_package(package: str, names: Mapping[str, str]) -> None:
    """Make ``package`` (its ``__name__``) import each of ``names`` on first access.

    Parameters
    ----------
    package : str
        The package's ``__name__``; it must be in ``sys.modules`` (it is, while its
        ``__init__`` runs).
    names : mapping of str to str
        Public name to the relative module defining it (``".store"``). A name whose
        module has no attribute of that name is the module itself (``{"synth": ".synth"}``).
    """
    module = sys.modules[package]
    module.__class__ = _LazyPackage
    types.ModuleType.__setattr__(module, "_lazy_names", dict(names))
