"""Advisory locks on state files: one writer, any number of readers.

A state file ``s.ea`` is locked through a sidecar file ``s.ea.lock`` in the same
directory, with ``flock(2)``: exclusive for a writer (a shared mode exists for readers
that want to keep writers out; the stores' readers take no lock, see ``FileStore``). The sidecar
is never renamed, so the lock stays valid when a save that grows the slots renames a
new store file over ``s.ea``. The writer writes its PID into the sidecar, so a process
that cannot get the lock names the holder. The sidecar holds no state and exists only
while a writer holds it: the holder removes it before letting go, so a command leaves no
file behind (a failed one changes nothing on disk). That removal cannot race: a locker
that got the lock checks that the sidecar at the path is still the file it locked, and
if the holder removed it (or another locker made a new one) meanwhile, it tries again.

Within one process, every :class:`FileLock` on the same sidecar shares one open file
and one kernel lock (reference counted), so that a process can open a store twice
(for example to read it back while a persistent component holds it) without locking
itself out. After a ``fork`` the child takes its own lock: an inherited one does not
count.

Examples
--------
>>> import os, tempfile
>>> path = os.path.join(tempfile.mkdtemp(), "s.ea")
>>> lock = FileLock(path)
>>> lock.acquire(exclusive=True, timeout=0)
>>> lock.held
'exclusive'
>>> holder_pid(path) == os.getpid()
True
>>> lock.release(); lock.held is None
True
"""

from __future__ import annotations

import errno
import fcntl
import os
import threading
import time
from pathlib import Path

from ..errors import StateLockedError, StatePathError
from .storage import describe_os_error

__all__ = ["FileLock", "lock_path", "holder_pid", "DEFAULT_LOCK_TIMEOUT", "LOCK_SUFFIX"]

LOCK_SUFFIX = ".lock"
# A second writer waits this long by default: long enough for a short command (enroll,
# learn) holding the lock to finish, short enough that a user is not left waiting on a
# long-running one (listen, watch) without being told who holds the file.
DEFAULT_LOCK_TIMEOUT = 10.0
# How often a waiting process retries a non-blocking flock (flock has no timeout).
_POLL_SECONDS = 0.05
_EXCLUSIVE, _SHARED = "exclusive", "shared"


def lock_path(path: str | os.PathLike[str]) -> Path:
    """The sidecar lock file of a state file."""
    p = Path(path)
    return p.with_name(p.name + LOCK_SUFFIX)


def holder_pid(path: str | os.PathLike[str]) -> int | None:
    """PID written by the last writer that locked ``path`` (``None`` if unknown)."""
    try:
        text = lock_path(path).read_text(encoding="ascii", errors="replace")[:32]
    except OSError:
        return None
    return int(text) if text.strip().isdigit() else None


class _Shared:
    """One open sidecar per process, with the strongest mode any user holds."""

    def __init__(self, fd: int, pid: int) -> None:
        self.fd = fd
        self.pid = pid
        self.mode: str | None = None
        self.users = 0


_TABLE: dict[str, _Shared] = {}
_TABLE_LOCK = threading.Lock()


class FileLock:
    """The advisory lock of one state file.

    Parameters
    ----------
    path : str or Path
        The state file (not the sidecar).
    """

    def __init__(self, path: str | os.PathLike[str]) -> None:
        self.path = Path(path)
        self.sidecar = lock_path(self.path)
        self.held: str | None = None

    def _key(self) -> str:
        return os.path.abspath(self.sidecar)

    def _open(self, create: bool) -> _Shared:
        key = self._key()
        entry = _TABLE.get(key)
        if entry is not None and entry.pid == os.getpid():
            return entry
        entry = _Shared(self._open_fd(create), os.getpid())
        _TABLE[key] = entry
        return entry

    def _still_ours(self, fd: int) -> bool:
        """True if the sidecar at the path is the file open as ``fd``."""
        try:
            here = os.stat(self.sidecar, follow_symlinks=False)
        except FileNotFoundError:
            return False
        mine = os.fstat(fd)
        return (here.st_dev, here.st_ino) == (mine.st_dev, mine.st_ino)

    def _open_fd(self, create: bool) -> int:
        flags = os.O_CLOEXEC | os.O_NOFOLLOW | os.O_NONBLOCK
        try:
            fd = os.open(self.sidecar, flags | os.O_RDWR | os.O_CREAT, 0o644)
        except OSError as exc:
            if not create and exc.errno in (errno.EACCES, errno.EROFS, errno.EPERM):
                try:  # a reader on a read-only file system can still share an existing lock
                    fd = os.open(self.sidecar, flags | os.O_RDONLY)
                except OSError:
                    raise describe_os_error(self.path, exc, "read") from None
            elif exc.errno in (errno.EROFS, errno.EACCES, errno.EPERM, errno.ENOSPC, errno.EDQUOT):
                raise describe_os_error(self.path, exc, "write") from None
            else:
                raise StatePathError(
                    f"{self.path}: its lock file {self.sidecar} cannot be opened ({os.strerror(exc.errno or 0)}); "
                    f"remove or rename what is at {self.sidecar}"
                ) from None
        return fd

    def acquire(self, *, exclusive: bool, timeout: float = DEFAULT_LOCK_TIMEOUT) -> None:
        """Take the lock, waiting at most ``timeout`` seconds (0: fail at once).

        A reader (``exclusive=False``) whose sidecar cannot be created (a read-only
        directory) reads without a lock: nobody can write there either.

        Raises
        ------
        StateLockedError
            When another process holds the lock past the timeout; names its PID.
        """
        want = _EXCLUSIVE if exclusive else _SHARED
        if self.held is not None and (self.held == _EXCLUSIVE or want == _SHARED):
            return
        with _TABLE_LOCK:
            try:
                entry = self._open(create=exclusive)
            except StatePathError:
                if exclusive:
                    raise
                self.held = "none"
                return
            if entry.mode == _EXCLUSIVE or (entry.mode == _SHARED and want == _SHARED):
                pass  # this process holds it already
            else:
                self._flock(entry, want, timeout)
                entry.mode = want
                if want == _EXCLUSIVE:
                    os.ftruncate(entry.fd, 0)
                    os.pwrite(entry.fd, f"{os.getpid()}\n".encode("ascii"), 0)
            if self.held is None:
                entry.users += 1
            self.held = want

    def _flock(self, entry: _Shared, want: str, timeout: float) -> None:
        op = fcntl.LOCK_EX if want == _EXCLUSIVE else fcntl.LOCK_SH
        deadline = time.monotonic() + max(0.0, timeout)
        while True:
            try:
                fcntl.flock(entry.fd, op | fcntl.LOCK_NB)
            except BlockingIOError:
                if time.monotonic() >= deadline:
                    break
                time.sleep(_POLL_SECONDS)
                continue
            if self._still_ours(entry.fd):
                return
            # The holder removed the sidecar as it let go (or a new one replaced it): the
            # lock we got is on a file nobody else will look at. Take the one at the path.
            os.close(entry.fd)
            entry.fd = self._open_fd(create=True)
        pid = holder_pid(self.path)
        who = f"PID {pid}" if pid is not None and pid != os.getpid() else "another process"
        waited = f" after waiting {timeout:g} s" if timeout > 0 else ""
        action = "write" if want == _EXCLUSIVE else "read"
        raise StateLockedError(
            f"{self.path}: locked by {who}{waited}, so this command cannot {action} it; wait for that "
            "command to finish (or stop it), then run this one again"
        )

    def release(self) -> None:
        """Drop this user's hold; the kernel lock goes when the last user in the process releases."""
        if self.held is None:
            return
        if self.held == "none":
            self.held = None
            return
        with _TABLE_LOCK:
            entry = _TABLE.get(self._key())
            self.held = None
            if entry is None or entry.pid != os.getpid():
                return
            entry.users -= 1
            if entry.users <= 0:
                del _TABLE[self._key()]
                if entry.mode == _EXCLUSIVE and self._still_ours(entry.fd):
                    try:  # leave nothing behind; lockers waiting on this file will retry
                        os.unlink(self.sidecar)
                    except OSError:
                        pass
                os.close(entry.fd)  # closing the only descriptor drops the flock

    def __del__(self) -> None:  # a store dropped without close() still lets go
        try:
            self.release()
        except Exception:  # pragma: no cover - interpreter shutdown
            pass
