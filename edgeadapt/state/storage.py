"""Byte-level storage under a state store: a real file, memory, or emulated flash.

A :class:`Storage` knows four operations, the ones a store needs and the ones a
power cut can interrupt: ``read`` the whole content, ``write`` bytes at an offset,
``sync`` (make every earlier write durable), and ``replace`` (swap the whole content
atomically and durably, as ``rename`` does on POSIX file systems).

Examples
--------
>>> s = MemoryStorage()
>>> s.read() is None
True
>>> s.replace(b"abc"); s.write(1, b"X"); s.sync()
>>> s.read()
b'aXc'
"""

from __future__ import annotations

import os
from abc import ABC, abstractmethod
from pathlib import Path

__all__ = ["Storage", "FileStorage", "MemoryStorage", "fsync_directory"]


class Storage(ABC):
    """Interface of the byte storage under a :class:`~edgeadapt.state.SlotStore`."""

    name: str = "<storage>"

    @abstractmethod
    def read(self) -> bytes | None:
        """Whole content, or ``None`` when nothing was ever stored."""
        raise NotImplementedError

    @abstractmethod
    def write(self, offset: int, data: bytes) -> None:
        """Write ``data`` at ``offset``, extending the content if needed."""
        raise NotImplementedError

    @abstractmethod
    def sync(self) -> None:
        """Make every earlier write durable."""
        raise NotImplementedError

    @abstractmethod
    def replace(self, data: bytes) -> None:
        """Replace the whole content atomically and durably."""
        raise NotImplementedError

    def close(self) -> None:
        """Release any handle (the content stays)."""


def fsync_directory(path: Path) -> None:
    """fsync the directory holding ``path`` so that a create or rename in it is durable."""
    fd = os.open(path.parent, os.O_RDONLY | getattr(os, "O_DIRECTORY", 0))
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


class FileStorage(Storage):
    """A file on a POSIX file system; ``replace`` writes a temporary file and renames it.

    Parameters
    ----------
    path : str or Path
        The store's file.
    """

    def __init__(self, path: str | os.PathLike[str]) -> None:
        self.path = Path(path)
        self.name = str(self.path)
        self._fd: int | None = None

    def _handle(self) -> int:
        if self._fd is None:
            self._fd = os.open(self.path, os.O_RDWR)
        return self._fd

    def read(self) -> bytes | None:
        try:
            return self.path.read_bytes()
        except FileNotFoundError:
            return None

    def write(self, offset: int, data: bytes) -> None:
        fd = self._handle()
        view = memoryview(data)
        while view:
            written = os.pwrite(fd, view, offset)
            view, offset = view[written:], offset + written

    def sync(self) -> None:
        os.fsync(self._handle())

    def replace(self, data: bytes) -> None:
        self.close()
        self.path.parent.mkdir(parents=True, exist_ok=True)
        tmp = self.path.with_name(f".{self.path.name}.tmp-{os.getpid()}")
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o644)
        try:
            view = memoryview(data)
            while view:
                view = view[os.write(fd, view) :]
            os.fsync(fd)
        finally:
            os.close(fd)
        os.replace(tmp, self.path)
        fsync_directory(self.path)

    def close(self) -> None:
        if self._fd is not None:
            os.close(self._fd)
            self._fd = None


class MemoryStorage(Storage):
    """Storage in a ``bytearray``, for tests and for state that need not outlive the process."""

    def __init__(self, name: str = "<memory>") -> None:
        self.name = name
        self.data: bytearray | None = None

    def read(self) -> bytes | None:
        return None if self.data is None else bytes(self.data)

    def write(self, offset: int, data: bytes) -> None:
        if self.data is None:
            self.data = bytearray()
        end = offset + len(data)
        if len(self.data) < end:
            self.data.extend(b"\x00" * (end - len(self.data)))
        self.data[offset:end] = data

    def sync(self) -> None:
        return None

    def replace(self, data: bytes) -> None:
        self.data = bytearray(data)
