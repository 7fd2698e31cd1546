"""The shared command-line plumbing (edgeadapt.cli_common), in real processes where it matters:
exit codes, -q/-v, one-line warnings, JSON records against their schemas, progress only on a
terminal, LiteRT's native INFO line filtered."""

from __future__ import annotations

import json
import os
import pty
import re
import select
import subprocess
import sys
import warnings
from pathlib import Path

import numpy as np
import pytest

from edgeadapt import cli
from edgeadapt.cli_common import (
    EXIT_CODES, EXIT_FAILURE, EXIT_OK, EXIT_USAGE, SCHEMAS, Schema, console, native_log_filter, validate_records,
)
from edgeadapt.errors import StateRecoveryWarning
from edgeadapt.state import FileStore

ROOT = Path(__file__).resolve().parents[1]
GOLDEN = ROOT / "tests" / "golden"
TIMEOUT = 120


@pytest.fixture(autouse=True, scope="module")
def _all_schemas():
    cli.build_parser()  # imports every command module, which defines its record schemas


def run(*args: str, **kw) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "edgeadapt", *args], capture_output=True, text=True,
                          timeout=TIMEOUT, **kw)


# -- exit codes ---------------------------------------------------------------------------

@pytest.mark.parametrize("argv", [[], ["no-such-command"], ["state"], ["state", "inspect"],
                                  ["state", "inspect", "x.ea", "--lock-timeout", "soon"],
                                  ["state", "inspect", "x.ea", "--no-such-option"]])
def test_a_wrong_command_line_exits_2_with_usage(argv, tmp_path):
    out = run(*argv, cwd=tmp_path)
    assert out.returncode == EXIT_USAGE == 2, out.stderr
    assert "usage: edgeadapt" in out.stderr and out.stdout == ""
    assert list(tmp_path.iterdir()) == []


def test_failure_exits_1_and_success_0(tmp_path):
    missing = run("state", "inspect", str(tmp_path / "missing.ea"))
    assert missing.returncode == EXIT_FAILURE == 1
    assert missing.stderr.count("\n") == 1 and missing.stderr.startswith("edgeadapt: error: ")
    assert run("state", "inspect", str(GOLDEN / "arrays.blob")).returncode == EXIT_OK == 0
    assert run("--help").returncode == 0


def test_the_exit_codes_are_documented():
    doc = (ROOT / "docs" / "cli.md").read_text()
    for code, meaning in EXIT_CODES.items():
        assert f"| {code} | {meaning} |" in doc, f"docs/cli.md's exit status table lacks {code}: {meaning}"


# -- -q / -v, warnings --------------------------------------------------------------------

def _damaged_store(path: Path) -> None:
    """A store whose newest slot's payload is corrupted: loading it falls back with a warning."""
    store = FileStore(path)
    store.save({"w": np.zeros(3, np.float32)})
    store.save({"w": np.ones(3, np.float32)})
    info = store.inspect()
    store.close()
    slot = info.slots[info.active]
    with open(path, "r+b") as f:
        f.seek(slot.offset + slot.payload_size // 2 + 16)
        byte = f.read(1)
        f.seek(-1, os.SEEK_CUR)
        f.write(bytes([byte[0] ^ 0xFF]))


def test_a_recovery_warning_is_one_line_without_a_source_path(tmp_path, capsys):
    path = tmp_path / "s.ea"
    _damaged_store(path)
    with console(0):
        state = FileStore(path, readonly=True).load()
    assert state is not None and state["w"].tolist() == [0.0, 0.0, 0.0]
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and err.startswith("edgeadapt: warning: "), err
    assert ".py" not in err and "site-packages" not in err
    with console(-2):  # -qq: errors only
        FileStore(path, readonly=True).load()
    assert capsys.readouterr().err == ""


def test_console_maps_quiet_and_verbose_to_logging_levels(capsys):
    import logging

    log = logging.getLogger("edgeadapt.test")
    from edgeadapt.cli_common import NOTE

    for level, shown in ((-2, ["error"]), (-1, ["warning", "error"]), (0, ["note", "warning", "error"]),
                         (1, ["debug", "info", "note", "warning", "error"])):
        with console(level):
            log.debug("debug"); log.info("info"); log.log(NOTE, "note"); log.warning("warning"); log.error("error")
        lines = capsys.readouterr().err.splitlines()
        assert [line.rsplit(" ", 1)[-1] for line in lines] == shown, (level, lines)
    assert logging.getLogger("edgeadapt").level == logging.NOTSET  # restored


def test_verbosity_options_work_before_and_after_the_command(tmp_path):
    target = str(tmp_path / "missing.ea")
    for argv in (["-v", "state", "inspect", target], ["state", "inspect", target, "-v"]):
        out = run(*argv)
        assert out.returncode == 1 and "Traceback" in out.stderr, argv  # -v: the traceback
    out = run("state", "inspect", target, "-q")
    assert out.returncode == 1 and "Traceback" not in out.stderr and out.stderr.count("\n") == 1


# -- JSON ---------------------------------------------------------------------------------

@pytest.mark.parametrize("name", ["arrays.blob", "empty.blob", "scalars.blob", "store.ea"])
def test_state_inspect_json_validates_against_its_schema(name):
    out = run("state", "inspect", str(GOLDEN / name), "--json")
    assert out.returncode == 0, out.stderr
    (record,) = validate_records(out.stdout, expected=["state.inspect"])
    golden = json.loads((GOLDEN / name).with_suffix(".json").read_text())
    assert record["kind"] == ("store" if name.endswith(".ea") else "blob")
    if record["kind"] == "blob":
        assert record["blob"]["crc"] >= 0 and len(record["blob"]["entries"]) == len(golden.get("entries", golden))
    else:
        assert record["slots"][record["active"]]["active"] is True


def test_state_inspect_json_of_a_store_with_no_good_slot_is_written_then_fails(tmp_path):
    path = tmp_path / "s.ea"
    store = FileStore(path)
    store.save({"w": np.zeros(2, np.float32)})
    info = store.inspect()
    store.close()
    data = bytearray(path.read_bytes())
    for slot in info.slots:
        if slot.payload_size:
            data[slot.offset + slot.payload_size // 2 + 16] ^= 0xFF
    path.write_bytes(bytes(data))
    before = path.read_bytes()
    out = run("state", "inspect", str(path), "--json")
    assert out.returncode == 1 and "no slot holds a good state" in out.stderr
    (record,) = validate_records(out.stdout, expected=["state.inspect"])
    assert record["active"] is None and path.read_bytes() == before


def test_state_reset_json(tmp_path):
    path = tmp_path / "s.ea"
    with FileStore(path) as store:
        store.save({"w": np.zeros(2, np.float32)})
    out = run("state", "reset", str(path), "--json")
    (record,) = validate_records(out.stdout, expected=["state.reset"])
    assert record["sequence"] >= 2


def test_every_schema_is_valid_json_schema_and_printed_by_the_schema_command():
    import jsonschema

    cli.build_parser()  # imports every command module, which defines its schemas
    listing = run("schema")
    assert listing.returncode == 0
    groups = set(next(a for a in cli.build_parser()._actions if a.dest == "group").choices)
    for sid, schema in SCHEMAS.items():
        if schema.name.split(".")[0] not in groups:  # doctests' and docs' examples, defined in this process
            continue
        jsonschema.Draft202012Validator.check_schema(schema.json_schema())
        assert sid in listing.stdout
    printed = json.loads(run("schema", "state.inspect").stdout)
    assert printed == SCHEMAS["edgeadapt.state.inspect/1"].json_schema()
    unknown = run("schema", "nope")
    assert unknown.returncode == 1 and "'edgeadapt schema' lists them" in unknown.stderr


def test_every_schema_is_documented():
    """Each record schema a command writes is named in the docs (docs/cli.md or the app's page),
    with its fields: a schema users cannot read about is not a stable interface."""
    docs = "\n".join(p.read_text() for p in (ROOT / "docs").glob("*.md"))
    parser = cli.build_parser()
    groups = set(next(a for a in parser._actions if a.dest == "group").choices)  # the commands' schemas, not examples'
    undocumented = [sid for sid, schema in SCHEMAS.items() if schema.name.split(".")[0] in groups
                    and f"`{sid}`" not in docs]
    assert any(s.name.startswith("state.") for s in SCHEMAS.values())
    assert not undocumented, f"document these --json record schemas in docs/*.md: {undocumented}"


def test_validate_records_rejects_what_the_schema_does_not_allow():
    s = Schema("test.point", 1, {"x": {"type": "number"}, "tags": {"type": "array", "items": {"type": "string"}}},
               required=["x"])
    assert validate_records(json.dumps(s.record(x=1.5, tags=["a"], extra="ok")))[0]["extra"] == "ok"
    for bad, reason in (('{"schema": "edgeadapt.test.point/1"}', "'x' is a required property"),
                        ('{"schema": "edgeadapt.test.point/1", "x": "1"}', "is not of type 'number'"),
                        ('{"schema": "edgeadapt.test.point/9", "x": 1}', "unknown schema"),
                        ('{"x": 1}', "unknown schema"), ("not json", "not JSON")):
        with pytest.raises(ValueError, match=re.escape(reason)):
            validate_records(bad)
    with pytest.raises(ValueError, match="defined twice"):
        Schema("test.point", 1, {"x": {"type": "string"}}, required=["x"])


def test_json_output_is_ascii_and_has_no_nan():
    import io
    from edgeadapt.cli_common import Output

    s = Schema("test.text", 1, {"name": {"type": "string"}, "v": {"type": ["number", "null"]}})
    out = Output(json_mode=True, stream=io.StringIO())
    out.emit(s.record(name="\x1b[2Jé\u202e", v=np.float64("nan")))
    line = out.stream.getvalue()
    assert line.isascii() and "\x1b" not in line and "NaN" not in line
    assert json.loads(line) == {"schema": "edgeadapt.test.text/1", "name": "\x1b[2Jé\u202e", "v": None}
    with pytest.raises(ValueError, match="Schema.record"):
        out.emit({"name": "x"})


# -- progress -----------------------------------------------------------------------------

PROGRESS_SCRIPT = """
import sys, time
from edgeadapt.cli_common import console, progress
with console(int(sys.argv[1])):
    for _ in progress(range(5), total=5, desc="work"):
        time.sleep(0.02)
print("done", file=sys.stderr)
"""


def test_progress_is_silent_in_a_pipe():
    out = subprocess.run([sys.executable, "-c", PROGRESS_SCRIPT, "0"], capture_output=True, text=True, timeout=TIMEOUT)
    assert out.returncode == 0 and out.stderr == "done\n"


def _stderr_on_a_terminal(verbosity: int) -> bytes:
    import fcntl
    import struct
    import termios

    leader, follower = pty.openpty()
    fcntl.ioctl(follower, termios.TIOCSWINSZ, struct.pack("HHHH", 24, 100, 0, 0))  # a terminal has a size
    proc = subprocess.Popen([sys.executable, "-c", PROGRESS_SCRIPT, str(verbosity)], stdin=subprocess.DEVNULL,
                            stdout=subprocess.DEVNULL, stderr=follower)
    os.close(follower)
    data = b""
    while True:
        ready, _, _ = select.select([leader], [], [], TIMEOUT)
        if not ready:
            break
        try:
            chunk = os.read(leader, 4096)
        except OSError:  # the child closed the terminal
            break
        if not chunk:
            break
        data += chunk
    proc.wait(timeout=TIMEOUT)
    os.close(leader)
    return data


def test_progress_draws_on_a_terminal_unless_quiet():
    drawn = _stderr_on_a_terminal(0)
    assert b"work" in drawn and b"\r" in drawn and b"5/5" in drawn, drawn
    assert b"work" not in _stderr_on_a_terminal(-1)


# -- native lines ---------------------------------------------------------------------------

NATIVE_SCRIPT = """
import os, sys, numpy as np
from ai_edge_litert.interpreter import Interpreter
from edgeadapt.cli_common import console, native_log_filter
from edgeadapt.embed.speech import default_model_path
with console(int(sys.argv[1])):
    i = Interpreter(model_path=str(default_model_path("embedding_model.tflite")), num_threads=1)
    i.resize_tensor_input(0, [1, 76, 32, 1])
    with native_log_filter():
        print("before", file=sys.stderr)
        i.allocate_tensors()
        os.write(2, b"WARNING: a native warning stays\\n")
        print("after", file=sys.stderr)
"""


def test_litert_info_line_is_filtered_and_other_lines_kept_in_order():
    out = subprocess.run([sys.executable, "-c", NATIVE_SCRIPT, "0"], capture_output=True, text=True, timeout=TIMEOUT)
    assert out.returncode == 0, out.stderr
    assert out.stderr == "before\nWARNING: a native warning stays\nafter\n"
    verbose = subprocess.run([sys.executable, "-c", NATIVE_SCRIPT, "1"], capture_output=True, text=True, timeout=TIMEOUT)
    assert "edgeadapt: debug: edgeadapt.native: INFO: Created TensorFlow Lite XNNPACK delegate" in verbose.stderr


def test_without_the_filter_litert_prints_the_info_line():
    """The control: the line the filter removes is really printed by this LiteRT."""
    script = NATIVE_SCRIPT.replace("with native_log_filter():", "if True:")
    out = subprocess.run([sys.executable, "-c", script, "0"], capture_output=True, text=True, timeout=TIMEOUT)
    assert "INFO: Created TensorFlow Lite XNNPACK delegate" in out.stderr


def test_native_filter_restores_stderr_when_the_block_raises(capfd):
    with pytest.raises(RuntimeError):
        with native_log_filter():
            os.write(2, b"kept line\n")
            raise RuntimeError("boom")
    os.write(2, b"after\n")
    assert capfd.readouterr().err == "kept line\nafter\n"


def test_warnings_outside_a_console_are_untouched():
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        warnings.warn("x", StateRecoveryWarning)
    assert len(caught) == 1
