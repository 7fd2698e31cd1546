"""Exceptions and warnings raised by edgeadapt.

Every error raised on bad input derives from :class:`EdgeAdaptError` and from the
built-in class a caller would expect (``ValueError`` for bad values, ``OSError``-free
for format problems), and its message names the file or argument and the fix.

Examples
--------
>>> from edgeadapt.errors import StateVersionError, StateError
>>> issubclass(StateVersionError, StateError) and issubclass(StateError, ValueError)
True
"""

from __future__ import annotations

__all__ = [
    "EdgeAdaptError",
    "InputError",
    "StateError",
    "StateFormatError",
    "StateTruncatedError",
    "StateChecksumError",
    "StateVersionError",
    "NoValidStateError",
    "StateMismatchError",
    "NonFiniteStateError",
    "BlobTooLargeError",
    "ModelError",
    "MissingExtraError",
    "StateRecoveryWarning",
]


class EdgeAdaptError(Exception):
    """Base class of every error edgeadapt raises on purpose."""


class InputError(EdgeAdaptError, ValueError):
    """An argument has the wrong shape, dtype, rate or value (NaN, Inf, ...)."""


class StateError(EdgeAdaptError, ValueError):
    """A state blob or a state store cannot be used as it is."""


class StateFormatError(StateError):
    """The bytes are not an edgeadapt state blob or store (wrong magic, bad field)."""


class StateTruncatedError(StateFormatError):
    """The blob or store ends before the length its header declares."""


class StateChecksumError(StateFormatError):
    """The CRC32 stored in a blob or slot does not match its bytes."""


class StateVersionError(StateError):
    """The blob was written by a format major version this reader does not know."""


class NoValidStateError(StateError):
    """No slot of a store holds a state whose checksum is good; the file is left as is."""


class StateMismatchError(StateError):
    """A state has names, shapes or dtypes that the component does not expect."""


class NonFiniteStateError(StateError):
    """A state array holds NaN or Inf where the component forbids them."""


class BlobTooLargeError(StateError):
    """A state blob is larger than the configured size cap."""


class ModelError(EdgeAdaptError, ValueError):
    """A model file is missing, is not a TFLite flatbuffer, or does not fit the input."""


class MissingExtraError(EdgeAdaptError, ImportError):
    """An optional dependency is not installed; the message names the pip extra."""


class StateRecoveryWarning(UserWarning):
    """A store fell back to an older slot because the newest one was damaged."""


def missing_extra(package: str, extra: str, feature: str) -> MissingExtraError:
    """Build the error raised when an optional dependency is absent.

    Parameters
    ----------
    package : str
        The import name that failed.
    extra : str
        The ``pip install edgeadapt[extra]`` that provides it.
    feature : str
        What the user was trying to do.

    Returns
    -------
    MissingExtraError

    Examples
    --------
    >>> print(missing_extra("faiss", "enroll", "enrollment"))
    enrollment needs the Python package 'faiss', which is not installed: pip install 'edgeadapt[enroll]'
    """
    return MissingExtraError(
        f"{feature} needs the Python package {package!r}, which is not installed: "
        f"pip install 'edgeadapt[{extra}]'"
    )


# --- state files and locks (issue 9) -------------------------------------------------


class StatePathError(StateError):
    """A state path is not a regular file, or cannot be read or written (permissions,
    read-only file system, full disk); the message names the file and the fix."""


class StateLockedError(StateError):
    """Another process holds the state file's lock; the message names its PID."""


class StateConflictError(StateError):
    """Another process saved the state after this one read it; saving would lose that change."""


__all__ += ["StatePathError", "StateLockedError", "StateConflictError"]
