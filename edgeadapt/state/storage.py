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

import errno
import os
import stat
from abc import ABC, abstractmethod
from pathlib import Path
from typing import TYPE_CHECKING

from ..errors import StatePathError

if TYPE_CHECKING:
    from .lock import FileLock

__all__ = ["Storage", "FileStorage", "MemoryStorage", "fsync_directory", "describe_os_error"]

# The storage contract for locking (docs/state-format.md, "Concurrent access"):
# ``lock(exclusive, timeout)`` gives one writer or any number of readers, and must stay
# valid across ``replace`` (a FileStorage locks a sidecar file that is never renamed);
# ``unlock()`` releases it. Storage that only one process can reach (memory, emulated
# flash) may make both no-ops.


class Storage(ABC):
    """Interface of the byte storage under a :class:`~edgeadapt.state.SlotStore`."""

    name: str = "<storage>"

    @abstractmethod
    def read(self, limit: int | None = None) -> bytes | None:
        """At most ``limit`` bytes from the start (all when ``None``), or ``None`` when nothing was ever stored."""
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

    def lock(self, *, exclusive: bool, timeout: float) -> None:
        """Take the advisory lock: one writer (``exclusive``) or any number of readers.

        Raises :class:`~edgeadapt.errors.StateLockedError` after ``timeout`` seconds
        (0: at once) naming the holder. The default is a no-op, for storage that one
        process alone can reach.
        """

    def unlock(self) -> None:
        """Release the lock taken by :meth:`lock` (a no-op when none is held)."""

    def close(self) -> None:
        """Release any handle and the lock (the content stays)."""


def fsync_directory(path: Path) -> None:
    """fsync the directory holding ``path`` so that a create or rename in it is durable."""
    fd = os.open(path.parent, os.O_RDONLY | getattr(os, "O_DIRECTORY", 0))
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


_KIND = (
    (stat.S_ISDIR, "a directory"),
    (stat.S_ISFIFO, "a FIFO (named pipe)"),
    (stat.S_ISCHR, "a character device"),
    (stat.S_ISBLK, "a block device"),
    (stat.S_ISSOCK, "a socket"),
)


def _not_regular(path: Path, mode: int) -> StatePathError:
    kind = next((name for test, name in _KIND if test(mode)), "not a regular file")
    link = f" (a symlink to {os.path.realpath(path)})" if path.is_symlink() else ""
    return StatePathError(f"{path}: is {kind}{link}, not a state file; give the path of a regular state file")


def describe_os_error(path: Path, exc: OSError, doing: str) -> StatePathError:
    """Turn an OSError from reading or writing ``path`` into a one-line error with the fix.

    Examples
    --------
    >>> import errno
    >>> print(describe_os_error(Path("/d/s.ea"), OSError(errno.ENOSPC, "No space"), "write"))
    /d/s.ea: cannot write: no space left on the device; the last saved state is kept. Free some space on the device holding /d (df -h /d) and run the command again
    """
    code = exc.errno
    kept = "; the last saved state is kept" if doing == "write" else ""
    if code in (errno.ENOSPC, errno.EDQUOT):
        why = "no space left on the device" if code == errno.ENOSPC else "disk quota exceeded"
        fix = f"Free some space on the device holding {path.parent} (df -h {path.parent}) and run the command again"
    elif code == errno.EROFS:
        why = "the file system is read-only"
        fix = "Remount it read-write, or give a state path on a writable file system"
    elif code in (errno.EACCES, errno.EPERM):
        why = "permission denied"
        fix = f"Check the permissions of {path} and of its directory (ls -l), or give another state path"
    elif code == errno.ENOTDIR:
        why = "a component of the path is not a directory"
        fix = "Check the path"
    elif code == errno.ELOOP:
        why = "too many levels of symbolic links"
        fix = "Check the path"
    else:
        why = os.strerror(code) if code else str(exc)
        fix = "Check the path and the device"
    return StatePathError(f"{path}: cannot {doing}: {why}{kept}. {fix}")


class FileStorage(Storage):
    """A regular file on a POSIX file system; ``replace`` writes a temporary file and renames it.

    Refuses anything that is not a regular file (a directory, FIFO, device, socket, or a
    symlink to one) with :class:`~edgeadapt.errors.StatePathError`, without blocking: files
    are opened with ``O_NONBLOCK`` and checked with ``fstat`` before any read. OS errors
    (full disk, read-only file system, permissions) become a ``StatePathError`` that names
    the file and the fix; ``replace`` removes its temporary file on every failure path.

    Parameters
    ----------
    path : str or Path
        The store's file.

    Examples
    --------
    >>> import tempfile
    >>> FileStorage(tempfile.mkdtemp()).read()
    Traceback (most recent call last):
    ...
    edgeadapt.errors.StatePathError: /tmp/...: is a directory, not a state file; give the path of a regular state file
    """

    def __init__(self, path: str | os.PathLike[str]) -> None:
        self.path = Path(path)
        self.name = str(self.path)
        self._fd: int | None = None
        self._lock: FileLock | None = None
        self._pending_lock: float | None = None

    # The system calls, one method each, so that faults.FaultyFileStorage can fail them.
    def _os_open(self, path: Path, flags: int, mode: int = 0o644) -> int:
        return os.open(path, flags, mode)

    def _os_pwrite(self, fd: int, data: memoryview, offset: int) -> int:
        return os.pwrite(fd, data, offset)

    def _os_write(self, fd: int, data: memoryview) -> int:
        return os.write(fd, data)

    def _os_fsync(self, fd: int) -> None:
        os.fsync(fd)

    def _os_replace(self, src: Path, dst: Path) -> None:
        os.replace(src, dst)

    def _open_regular(self, flags: int) -> int | None:
        """Open the file without blocking and check it is a regular file; None if absent."""
        try:
            fd = self._os_open(self.path, flags | os.O_NONBLOCK | os.O_CLOEXEC)
        except FileNotFoundError:
            return None
        except OSError as exc:
            try:  # a directory (EISDIR), a socket (ENXIO), ...: say what it is
                mode = os.stat(self.path).st_mode
            except OSError:
                mode = stat.S_IFREG
            if not stat.S_ISREG(mode):
                raise _not_regular(self.path, mode) from None
            raise describe_os_error(self.path, exc, "write" if flags & os.O_RDWR else "read") from None
        mode = os.fstat(fd).st_mode
        if not stat.S_ISREG(mode):
            os.close(fd)
            raise _not_regular(self.path, mode)
        return fd

    def _handle(self) -> int:
        if self._fd is None:
            fd = self._open_regular(os.O_RDWR)
            if fd is None:
                raise StatePathError(f"{self.path}: the state file disappeared while in use; run the command again")
            self._fd = fd
        return self._fd

    def read(self, limit: int | None = None) -> bytes | None:
        fd = self._open_regular(os.O_RDONLY)
        if fd is None:
            return None
        try:
            size = os.fstat(fd).st_size
            want = size if limit is None else min(size, limit)
            chunks, got = [], 0
            while got < want:
                chunk = os.pread(fd, want - got, got)
                if not chunk:
                    break
                chunks.append(chunk)
                got += len(chunk)
            return b"".join(chunks)
        except OSError as exc:
            raise describe_os_error(self.path, exc, "read") from None
        finally:
            os.close(fd)

    def write(self, offset: int, data: bytes) -> None:
        fd = self._handle()
        view = memoryview(data)
        try:
            while view:
                written = self._os_pwrite(fd, view, offset)
                view, offset = view[written:], offset + written
        except OSError as exc:
            raise describe_os_error(self.path, exc, "write") from None

    def sync(self) -> None:
        try:
            self._os_fsync(self._handle())
        except OSError as exc:
            raise describe_os_error(self.path, exc, "write") from None

    def replace(self, data: bytes) -> None:
        self._close_handle()
        if os.path.lexists(self.path):
            try:
                mode = os.stat(self.path).st_mode
            except OSError as exc:
                raise describe_os_error(self.path, exc, "write") from None
            if not stat.S_ISREG(mode):
                raise _not_regular(self.path, mode)
        tmp = self.path.with_name(f".{self.path.name}.tmp-{os.getpid()}")
        created = False
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            if self._pending_lock is not None and self._lock is not None:
                self._lock.acquire(exclusive=True, timeout=self._pending_lock)
                self._pending_lock = None
            fd = self._os_open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC | os.O_CLOEXEC | os.O_NOFOLLOW, 0o644)
            created = True
            try:
                view = memoryview(data)
                while view:
                    view = view[self._os_write(fd, view) :]
                self._os_fsync(fd)
            finally:
                os.close(fd)
            self._os_replace(tmp, self.path)
            created = False
            fsync_directory(self.path)
        except OSError as exc:
            raise describe_os_error(self.path, exc, "write") from None
        finally:
            if created:
                try:
                    os.unlink(tmp)
                except OSError:
                    pass

    def lock(self, *, exclusive: bool, timeout: float) -> None:
        from .lock import FileLock

        try:  # refuse a directory, FIFO or device before creating a lock file beside it
            mode = os.stat(self.path).st_mode
        except FileNotFoundError:
            mode = None
        except OSError as exc:
            raise describe_os_error(self.path, exc, "write" if exclusive else "read") from None
        if mode is not None and not stat.S_ISREG(mode):
            raise _not_regular(self.path, mode)
        if self._lock is None:
            self._lock = FileLock(self.path)
        if exclusive and not self.path.parent.is_dir():
            # nothing to lock yet, and a failed command must not create the directory:
            # the lock is taken by replace(), which creates the store, once it exists
            self._pending_lock = timeout
            return
        self._lock.acquire(exclusive=exclusive, timeout=timeout)

    def unlock(self) -> None:
        self._pending_lock = None
        if self._lock is not None:
            self._lock.release()

    def _close_handle(self) -> None:
        if self._fd is not None:
            os.close(self._fd)
            self._fd = None

    def close(self) -> None:
        self._close_handle()
        self.unlock()


class MemoryStorage(Storage):
    """Storage in a ``bytearray``, for tests and for state that need not outlive the process."""

    def __init__(self, name: str = "<memory>") -> None:
        self.name = name
        self.data: bytearray | None = None

    def read(self, limit: int | None = None) -> bytes | None:
        if self.data is None:
            return None
        return bytes(self.data if limit is None else self.data[:limit])

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
