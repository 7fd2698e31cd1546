"""Files that aren't files, full disks, read-only file systems, permissions (issue 9).

Real where the machine allows it: a FIFO, a directory, /dev/zero, a 64 KiB tmpfs that
fills up, a tmpfs remounted read-only (mounts need root; the tests skip without it).
Fault injection (``FaultyFileStorage``, which raises the kernel's OSError from the
system call) covers the rest: as root, ``chmod`` does not stop a write, so EACCES is
injected; and every write path is failed at every call to check temporary files.
"""

from __future__ import annotations

import errno
import os
import subprocess
import time
from pathlib import Path

import numpy as np
import pytest

from edgeadapt.errors import StatePathError
from edgeadapt.state import FileStore
from edgeadapt.state.faults import FaultyFileStorage
from edgeadapt.state.store import SlotStore

STATE = {"w": np.arange(4.0), "name": "state"}
BIG = {"w": np.arange(4000.0), "name": "big"}  # outgrows the first slots: a rebuild and rename


def saved(path, state=STATE):
    with FileStore(path) as store:
        store.save(state)
    return path.read_bytes()


def other_files(directory):
    return sorted(p.name for p in Path(directory).iterdir() if not p.name.endswith(".lock"))


@pytest.mark.parametrize("kind", ["directory", "fifo", "dev-zero-symlink", "dev-null", "socket"])
def test_non_regular_files_are_refused_at_once(tmp_path, kind):
    path = tmp_path / "s.ea"
    if kind == "directory":
        path.mkdir()
    elif kind == "fifo":
        os.mkfifo(path)
    elif kind == "dev-zero-symlink":
        path.symlink_to("/dev/zero")
    elif kind == "dev-null":
        path.symlink_to("/dev/null")
    else:
        import socket

        sock = socket.socket(socket.AF_UNIX)
        sock.bind(str(path))
    want = {"directory": "a directory", "fifo": "a FIFO", "dev-zero-symlink": "a character device",
            "dev-null": "a character device", "socket": "a socket"}[kind]
    start = time.monotonic()
    calls = [(lambda s: s.load(), True), (lambda s: s.inspect(), True), (lambda s: s.save(STATE), False),
             (lambda s: s.reset(), False)]
    for call, read in calls:
        for readonly in (False, True) if read else (False,):
            with pytest.raises(StatePathError, match=f"{path}: is {want}.*not a state file"):
                call(FileStore(path, readonly=readonly))
    assert time.monotonic() - start < 5, "opening must not block"
    assert not (tmp_path / "s.ea.lock").exists()  # refused before any lock file is made


def test_a_symlink_to_a_regular_file_is_fine(tmp_path):
    real = tmp_path / "real.ea"
    saved(real)
    link = tmp_path / "link.ea"
    link.symlink_to(real)
    assert FileStore(link).load()["name"] == "state"


def test_reads_at_most_the_declared_size(tmp_path):
    path = tmp_path / "s.ea"
    saved(path)
    declared = len(path.read_bytes())
    os.truncate(path, 1 << 34)  # 16 GiB of (sparse) junk after the store
    store = FileStore(path, readonly=True)
    data = store._read()
    assert declared <= len(data) <= 512 + 2 * 4096
    assert store.load()["name"] == "state"


@pytest.mark.parametrize("fail", ["open", "pwrite", "fsync"])
@pytest.mark.parametrize("code", [errno.ENOSPC, errno.EROFS, errno.EACCES, errno.EIO])
def test_slot_write_failures_keep_the_last_state(tmp_path, fail, code):
    path = tmp_path / "s.ea"
    before = saved(path)
    store = SlotStore(FaultyFileStorage(path, fail=fail, errno_code=code, partial=7))
    with pytest.raises(StatePathError) as err:
        store.save({"w": np.ones(4), "name": "new"})
    message = str(err.value)
    assert message.startswith(f"{path}: cannot write") and "\n" not in message
    hint = {errno.ENOSPC: "Free some space", errno.EROFS: "read-only", errno.EACCES: "permissions", errno.EIO: "device"}
    assert hint[code] in message and "last saved state is kept" in message
    store.close()
    assert FileStore(path).load()["name"] == "state"
    assert other_files(tmp_path) == ["s.ea"]
    if fail == "open":
        assert path.read_bytes() == before


@pytest.mark.parametrize("fail", ["open", "write", "fsync", "replace"])
@pytest.mark.parametrize("after", [0, 1])
def test_rebuild_failures_remove_the_temporary_file(tmp_path, fail, after):
    """Creation and growth write a temporary file and rename it: every failure removes it."""
    path = tmp_path / "s.ea"
    before = saved(path)
    store = SlotStore(FaultyFileStorage(path, fail=fail, errno_code=errno.ENOSPC, after=after, partial=100))
    store.load()
    try:
        store.save(BIG)
    except StatePathError as exc:
        assert "no space left" in str(exc)
        assert path.read_bytes() == before
    store.close()
    assert other_files(tmp_path) == ["s.ea"]
    assert FileStore(path).load()["name"] in ("state", "big")


def test_a_failed_first_save_leaves_no_state_file(tmp_path):
    path = tmp_path / "new.ea"
    store = SlotStore(FaultyFileStorage(path, fail="write", errno_code=errno.ENOSPC))
    with pytest.raises(StatePathError, match="no space left"):
        store.save(STATE)
    assert not path.exists() and other_files(tmp_path) == []


def _mount(*args) -> bool:
    return subprocess.run(["mount", *args], capture_output=True).returncode == 0


@pytest.fixture
def tiny_tmpfs(tmp_path):
    mnt = tmp_path / "mnt"
    mnt.mkdir()
    if os.geteuid() != 0 or not _mount("-t", "tmpfs", "-o", "size=64k", "tmpfs", str(mnt)):
        pytest.skip("mounting a tmpfs needs root (fault injection covers ENOSPC and EROFS above)")
    yield mnt
    subprocess.run(["umount", "-l", str(mnt)], capture_output=True)


def test_a_really_full_disk(tiny_tmpfs):
    path = tiny_tmpfs / "s.ea"
    before = saved(path)
    (tiny_tmpfs / "filler").write_bytes(b"")
    with open(tiny_tmpfs / "filler", "wb", buffering=0) as fh:  # fill the rest of the 64 KiB
        try:
            while True:
                fh.write(b"\0" * 4096)
        except OSError:
            pass
    with FileStore(path) as store:
        store.load()
        with pytest.raises(StatePathError, match="no space left on the device.*last saved state is kept"):
            store.save({"w": np.arange(20000.0), "name": "too big"})  # needs a rebuild: a new file
    assert path.read_bytes() == before
    assert sorted(p.name for p in tiny_tmpfs.iterdir()) == ["filler", "s.ea"]  # no temp file, no lock file
    assert FileStore(path).load()["name"] == "state"


def test_a_really_read_only_file_system(tiny_tmpfs):
    path = tiny_tmpfs / "s.ea"
    before = saved(path)
    assert _mount("-o", "remount,ro", str(tiny_tmpfs))
    with pytest.raises(StatePathError, match="read-only"):
        FileStore(path).save({"w": np.ones(4), "name": "new"})
    assert FileStore(path, readonly=True).load()["name"] == "state"  # readers still read
    assert path.read_bytes() == before


@pytest.mark.skipif(os.geteuid() == 0, reason="as root, chmod does not stop a write (EACCES is injected above)")
def test_a_really_read_only_file(tmp_path):  # pragma: no cover - CI runs as root
    path = tmp_path / "s.ea"
    before = saved(path)
    path.chmod(0o444)
    with pytest.raises(StatePathError, match="permission denied"):
        FileStore(path).save({"w": np.ones(4), "name": "new"})
    assert path.read_bytes() == before
