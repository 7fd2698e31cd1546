"""The advisory lock, between real processes: one writer, any number of readers."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest

from edgeadapt.errors import StateConflictError, StateLockedError
from edgeadapt.state import FileStore
from edgeadapt.state.lock import FileLock, holder_pid, lock_path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]
ENV = {**os.environ, "PYTHONPATH": str(ROOT)}


def writer(path, name, hold, timeout, grow=False, lock="open"):
    args = [sys.executable, str(HERE / "lock_worker.py"), str(path), name, str(hold), str(timeout)]
    args += (["grow"] if grow else []) + (["write"] if lock == "write" else [])
    return subprocess.Popen(args, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=ENV)


def wait_locked(proc):
    line = proc.stdout.readline().strip()
    assert line == "locked", (line, proc.stderr.read() if proc.poll() is not None else "")


def names(path):
    return sorted(str(FileStore(path, readonly=True).load()["names"]).split(","))


@pytest.mark.parametrize("grow", [False, True])
def test_a_second_writer_waits_and_sees_the_first_ones_data(tmp_path, grow):
    """The issue's lost update (two enrolls at once keep one name), across the rename of a growing save."""
    path = tmp_path / "s.ea"
    FileStore(path).save({"names": "factory"})
    first = writer(path, "alice", hold=1.5, timeout=0, grow=grow)
    wait_locked(first)
    second = writer(path, "bob", hold=0, timeout=30)
    out2, err2 = second.communicate(timeout=60)
    out1, err1 = first.communicate(timeout=60)
    assert first.returncode == 0 and second.returncode == 0, (out1, err1, out2, err2)
    assert names(path) == ["alice", "bob", "factory"]


def test_a_second_writer_with_no_timeout_fails_naming_the_holder(tmp_path):
    path = tmp_path / "s.ea"
    FileStore(path).save({"names": "factory"})
    first = writer(path, "alice", hold=2, timeout=0)
    wait_locked(first)
    before = path.read_bytes()
    second = writer(path, "bob", hold=0, timeout=0)
    out, _ = second.communicate(timeout=60)
    assert second.returncode == 1
    assert f"{path}: locked by PID {first.pid}" in out and "wait for that command to finish" in out
    assert path.read_bytes() == before
    first.communicate(timeout=60)
    assert names(path) == ["alice", "factory"]


def test_a_waiting_writer_gives_up_after_its_timeout(tmp_path):
    path = tmp_path / "s.ea"
    FileStore(path).save({"names": "factory"})
    first = writer(path, "alice", hold=4, timeout=0)
    wait_locked(first)
    start = time.monotonic()
    second = writer(path, "bob", hold=0, timeout=0.5)
    out, _ = second.communicate(timeout=60)
    assert second.returncode == 1 and f"locked by PID {first.pid} after waiting 0.5 s" in out
    assert time.monotonic() - start < 3.5
    first.communicate(timeout=60)


def test_readers_read_while_a_writer_holds_the_lock(tmp_path):
    path = tmp_path / "s.ea"
    FileStore(path).save({"names": "factory"})
    first = writer(path, "alice", hold=2, timeout=0)
    wait_locked(first)
    assert FileStore(path, readonly=True, lock_timeout=0).load()["names"] == "factory"
    assert FileStore(path, lock_timeout=0).load()["names"] == "factory"  # lock="write": loading does not lock
    first.communicate(timeout=60)
    assert names(path) == ["alice", "factory"]


def test_writers_locking_at_write_never_lose_an_update(tmp_path):
    """Both load, the first saves; the second, locking at its save, sees the change and refuses."""
    path = tmp_path / "s.ea"
    FileStore(path).save({"names": "factory"})
    first = writer(path, "alice", hold=1.5, timeout=30, lock="write")
    wait_locked(first)  # loaded, not locked yet
    second = writer(path, "bob", hold=0, timeout=30, lock="write")
    out2, _ = second.communicate(timeout=60)
    out1, _ = first.communicate(timeout=60)
    results = sorted([(first.returncode, out1), (second.returncode, out2)])
    assert results[0][0] == 0 and results[1][0] == 1, results
    assert "saved this state after this command read it" in results[1][1] and "nothing was written" in results[1][1]
    assert len(names(path)) == 2  # factory + the one that saved: nothing silently lost


def test_one_process_may_open_a_store_twice(tmp_path):
    """A persistent component and a read-back in the same process share the process's lock."""
    path = tmp_path / "s.ea"
    with FileStore(path, lock_timeout=0, lock="open") as a:
        a.save({"n": np.int64(1)})
        assert int(FileStore(path, lock_timeout=0).load()["n"]) == 1
        assert holder_pid(path) == os.getpid()
    lock = FileLock(path)
    lock.acquire(exclusive=True, timeout=0)
    lock.release()


def test_the_cli_reports_the_holder(tmp_path):
    path = tmp_path / "s.ea"
    FileStore(path).save({"names": "factory"})
    first = writer(path, "alice", hold=3, timeout=0)
    wait_locked(first)
    before = path.read_bytes()
    out = subprocess.run([sys.executable, "-m", "edgeadapt", "state", "reset", str(path), "--lock-timeout", "0"],
                         capture_output=True, text=True, env=ENV, timeout=60)
    assert out.returncode == 1 and out.stderr.count("\n") == 1
    assert f"locked by PID {first.pid}" in out.stderr and "Traceback" not in out.stderr
    assert path.read_bytes() == before
    first.communicate(timeout=60)


def test_a_lock_that_cannot_be_had_raises_state_locked_error(tmp_path):
    path = tmp_path / "s.ea"
    FileStore(path).save({"names": "factory"})
    first = writer(path, "alice", hold=2, timeout=0)
    wait_locked(first)
    with pytest.raises(StateLockedError, match=f"locked by PID {first.pid}"):
        FileStore(path, lock_timeout=0, lock="open").load()
    with pytest.raises(StateLockedError, match=f"locked by PID {first.pid}"):
        FileStore(path, lock_timeout=0).save({"names": "x"})
    first.communicate(timeout=60)


def test_two_persisted_components_locking_at_open_keep_both_updates(tmp_path):
    """What `enroll` does: persist(..., lock="open") for the whole command; run twice at once."""
    path = tmp_path / "p.ea"
    code = (
        "import sys, time\n"
        "from edgeadapt.learn import Moments\n"
        "from edgeadapt.state import persist\n"
        f"m = persist(Moments(1), {str(path)!r}, lock='open', lock_timeout=30)\n"
        "print('locked', flush=True); time.sleep(float(sys.argv[1])); m.update(1.0); m.close()\n"
    )
    first = subprocess.Popen([sys.executable, "-c", code, "1.5"], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=ENV)
    wait_locked(first)
    second = subprocess.Popen([sys.executable, "-c", code, "0"], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=ENV)
    assert second.wait(timeout=60) == 0, second.stderr.read()
    assert first.wait(timeout=60) == 0, first.stderr.read()
    assert float(FileStore(path, readonly=True).load()["count"]) == 2.0


def test_after_a_conflict_every_write_is_refused_until_the_state_is_read_again(tmp_path):
    path = tmp_path / "s.ea"
    FileStore(path).save({"names": "factory"})
    mine = FileStore(path)
    mine.load()
    with FileStore(path) as other:  # another writer (same effect as another process)
        other.save({"names": "other"})
    # The writer that saved has let go, and its sidecar with it: its PID is no longer known.
    with pytest.raises(StateConflictError, match="another process saved this state after this command read it"):
        mine.save({"names": "mine"})
    with pytest.raises(StateConflictError):
        mine.save({"names": "mine"})  # a retry with the same stale state is refused too
    assert FileStore(path, readonly=True).load()["names"] == "other"
    assert mine.load()["names"] == "other"
    mine.save({"names": "other,mine"})
    mine.close()
    assert FileStore(path, readonly=True).load()["names"] == "other,mine"


def test_the_sidecar_exists_only_while_a_writer_holds_it(tmp_path):
    """A command leaves nothing beside the state, and a removed sidecar cannot split the lock."""
    path = tmp_path / "s.ea"
    with FileStore(path, lock="open") as store:
        store.load()
        assert lock_path(path).exists()
        store.save({"names": "a"})
    assert not lock_path(path).exists()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["s.ea"]


def test_a_waiter_whose_sidecar_was_removed_takes_the_new_one(tmp_path):
    """The race of removing a lock file: B opened the old sidecar, its holder removed it as it
    let go, and C made and locked a new one. B's lock on the old file must not count."""
    path = tmp_path / "s.ea"
    marker = tmp_path / "c-released"
    b = FileLock(path)
    b._open(create=True)  # B has the sidecar open, as a waiter does ...
    os.unlink(lock_path(path))  # ... when the holder removes it
    code = (
        "import sys, time, pathlib; from edgeadapt.state.lock import FileLock\n"
        "c = FileLock(sys.argv[1]); c.acquire(exclusive=True, timeout=0); print('held', flush=True)\n"
        "time.sleep(1.0); pathlib.Path(sys.argv[2]).write_text('x'); c.release()\n"
    )
    child = subprocess.Popen([sys.executable, "-c", code, str(path), str(marker)], stdout=subprocess.PIPE, text=True)
    try:
        assert child.stdout.readline().strip() == "held"
        b.acquire(exclusive=True, timeout=30)  # gets the stale file at once, sees it, waits for C
        assert marker.exists(), "B held the lock while C did"
        b.release()
    finally:
        child.wait(timeout=60)
    assert child.returncode == 0
