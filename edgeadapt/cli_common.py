"""Plumbing shared by every ``edgeadapt`` command: options, logging, JSON, progress.

A command module uses four things from here:

- :func:`add_output_options` gives a sub-command ``-q/--quiet``, ``-v/--verbose`` (both
  counted) and, for commands that report, ``--json``;
- :class:`Output` writes either the human text or one JSON document per record
  (JSON Lines), each record tagged with its :class:`Schema`;
- :func:`progress` is a tqdm bar on a terminal and nothing at all in a pipe or a log;
- :func:`native_log_filter` wraps a call into a native library (LiteRT's
  ``allocate_tensors``) and drops the ``INFO:`` lines it prints on file descriptor 2.

``edgeadapt.cli.main`` opens a :func:`console` around every command: ``-q``/``-v`` map
to stdlib :mod:`logging` levels (:func:`log_level`), log records and warnings print as
one line each (``edgeadapt: warning: ...``) with control characters escaped.

Exit status of the ``edgeadapt`` command (:data:`EXIT_CODES`): 0 success, 1 a failure
(bad input, bad state, an OS error, or a bug, with one line on stderr), 2 a usage error
(the command line itself is wrong: argparse's convention, shared by most Unix tools),
130 interrupted (Ctrl-C).

JSON output convention (``docs/cli.md``): every record is a JSON object whose first key
``"schema"`` is ``"edgeadapt.<name>/<major>"``. The major version changes only when a
field is removed, renamed or changes type; new fields may appear at any time, so a
consumer ignores keys it does not know. Non-finite numbers are written as ``null``;
strings are ASCII with escapes, so JSON output never carries terminal control codes.

Examples
--------
>>> import argparse, io
>>> p = argparse.ArgumentParser(prog="demo")
>>> add_output_options(p)
>>> args = p.parse_args(["-vv", "--json"])
>>> verbosity(args), args.json
(2, True)
>>> POINT = Schema("doc.point", 1, {"x": {"type": "number"}}, required=["x"])
>>> out = Output(json_mode=True, stream=io.StringIO())
>>> out.emit(POINT.record(x=float("nan")), text="x is not a number")
>>> out.stream.getvalue()
'{"schema":"edgeadapt.doc.point/1","x":null}\\n'
"""

from __future__ import annotations

import argparse
import contextlib
import io
import json
import logging
import math
import os
import re
import sys
import tempfile
import warnings
from pathlib import PurePath
from typing import Any, Iterable, Iterator, Mapping, Sequence, TextIO

__all__ = [
    "EXIT_OK",
    "EXIT_FAILURE",
    "EXIT_USAGE",
    "EXIT_INTERRUPTED",
    "EXIT_CODES",
    "SCHEMA_KEY",
    "SCHEMA_PREFIX",
    "SCHEMAS",
    "Schema",
    "Output",
    "add_output_options",
    "verbosity",
    "log_level",
    "console",
    "printable",
    "progress",
    "progress_enabled",
    "native_log_filter",
    "to_jsonable",
    "validate_records",
]

#: The command did what was asked.
EXIT_OK = 0
#: A failure with one line on stderr: bad input, a bad or missing state, an OS error, a bug.
EXIT_FAILURE = 1
#: The command line is wrong (unknown option, missing argument): argparse's status.
EXIT_USAGE = 2
#: Interrupted by Ctrl-C (128 + SIGINT, the shell's convention).
EXIT_INTERRUPTED = 130
#: Every exit status of ``edgeadapt`` and what it means (docs/cli.md prints this table).
EXIT_CODES = {
    EXIT_OK: "success",
    EXIT_FAILURE: "failure: bad input, bad or missing state, OS error, or a bug (one line on stderr)",
    EXIT_USAGE: "usage error: the command line is wrong (argparse's message on stderr)",
    EXIT_INTERRUPTED: "interrupted by Ctrl-C",
}

#: The key, first in every JSON record, that names the record's schema.
SCHEMA_KEY = "schema"
#: Every schema identifier starts with this.
SCHEMA_PREFIX = "edgeadapt."
#: Every :class:`Schema` defined so far, by identifier (``"edgeadapt.state.inspect/1"``).
SCHEMAS: dict[str, "Schema"] = {}

#: The logger every edgeadapt module logs under (``logging.getLogger(__name__)`` does).
LOGGER_NAME = "edgeadapt"
#: Lines a native library printed that :func:`native_log_filter` forwards to this logger.
NATIVE_LOGGER_NAME = "edgeadapt.native"
#: Native lines dropped by :func:`native_log_filter`: TFLite/LiteRT's minimal logger
#: writes its INFO and VERBOSE severities with these prefixes (WARNING and ERROR pass).
NATIVE_NOISE = re.compile(rb"^(INFO|VERBOSE): ")
#: Longest message printed: a hostile input quoted in a message cannot flood the terminal.
MAX_MESSAGE_CHARS = 2000
#: Level for each verbosity (``-v`` count minus ``-q`` count), clamped to the ends.
_LEVELS = {-2: logging.ERROR, -1: logging.WARNING, 0: logging.INFO, 1: logging.DEBUG}
#: From this verbosity on, other libraries' loggers are shown too (at DEBUG).
_ALL_LOGGERS_VERBOSITY = 2
_JSON_SCHEMA_DIALECT = "https://json-schema.org/draft/2020-12/schema"


# -- options and logging ------------------------------------------------------------------

def add_output_options(parser: argparse.ArgumentParser, json: bool = True, top_level: bool = False) -> None:
    """Add ``-q/--quiet``, ``-v/--verbose`` and (if ``json``) ``--json`` to ``parser``.

    The options can be given before or after the sub-command (``edgeadapt -v state
    inspect f`` and ``edgeadapt state inspect f -v`` are the same): a sub-command's
    parser leaves them unset unless given, so the top-level value survives.

    Parameters
    ----------
    parser : argparse.ArgumentParser
        A sub-command's parser (or the top-level one with ``top_level=True``).
    json : bool
        Whether the command reports and takes ``--json``.
    top_level : bool
        The ``edgeadapt`` parser itself: the counts default to 0.

    Examples
    --------
    >>> p = argparse.ArgumentParser(); add_output_options(p, json=False)
    >>> verbosity(p.parse_args(["-qq"]))
    -2
    """
    default: Any = 0 if top_level else argparse.SUPPRESS
    parser.add_argument("-q", "--quiet", action="count", default=default,
                        help="print less: -q only warnings and errors, -qq only errors")
    parser.add_argument("-v", "--verbose", action="count", default=default,
                        help="print more: -v debug messages and error tracebacks, -vv other libraries' too")
    if json:
        parser.add_argument("--json", action="store_true", default=argparse.SUPPRESS if top_level else False,
                            help="write JSON (one record per line) on stdout instead of text; see 'edgeadapt schema'")


def verbosity(args: argparse.Namespace) -> int:
    """``-v`` count minus ``-q`` count of parsed arguments (0 when neither was given).

    Examples
    --------
    >>> verbosity(argparse.Namespace(verbose=1, quiet=0)), verbosity(argparse.Namespace())
    (1, 0)
    """
    return int(getattr(args, "verbose", 0) or 0) - int(getattr(args, "quiet", 0) or 0)


def log_level(level_of_verbosity: int) -> int:
    """The :mod:`logging` level of edgeadapt's loggers for a verbosity.

    ========= ============ =================================================
    verbosity level        what prints on stderr
    ========= ============ =================================================
    -2 (-qq)  ``ERROR``    errors only
    -1 (-q)   ``WARNING``  warnings and errors
    0         ``INFO``     notes (a conversion made, a file created), above
    1 (-v)    ``DEBUG``    debug messages, tracebacks of errors
    2 (-vv)   ``DEBUG``    the same for every library, native lines unfiltered
    ========= ============ =================================================

    Examples
    --------
    >>> [logging.getLevelName(log_level(v)) for v in (-5, -1, 0, 1, 3)]
    ['ERROR', 'WARNING', 'INFO', 'DEBUG', 'DEBUG']
    """
    return _LEVELS[max(min(_LEVELS), min(max(_LEVELS), level_of_verbosity))]


def printable(text: str) -> str:
    """One line: control characters (newlines, terminal escapes) escaped, length capped.

    Examples
    --------
    >>> printable("bad\\x1b[2J name\\n")
    'bad\\\\x1b[2J name\\\\n'
    """
    if not text.isprintable():
        text = "".join(c if c.isprintable() else repr(c)[1:-1] for c in text)
    if len(text) > MAX_MESSAGE_CHARS:
        text = text[:MAX_MESSAGE_CHARS] + f"... ({len(text) - MAX_MESSAGE_CHARS} more characters)"
    return text


class _OneLineFormatter(logging.Formatter):
    """``edgeadapt: message`` for notes, ``edgeadapt: warning: message`` above and below."""

    def format(self, record: logging.LogRecord) -> str:
        text = printable(record.getMessage())
        if record.levelno == logging.INFO:
            return f"edgeadapt: {text}"
        kind = record.levelname.lower()
        if record.levelno < logging.INFO:
            return f"edgeadapt: {kind}: {record.name}: {text}"
        return f"edgeadapt: {kind}: {text}"


class _StderrHandler(logging.Handler):
    """Writes to whatever ``sys.stderr`` is at the time of the record (pytest swaps it)."""

    def emit(self, record: logging.LogRecord) -> None:
        try:
            sys.stderr.write(self.format(record) + "\n")
            sys.stderr.flush()
        except Exception:  # pragma: no cover - logging must never raise
            self.handleError(record)


@contextlib.contextmanager
def console(level_of_verbosity: int = 0) -> Iterator[None]:
    """Set up logging and warnings for one command; undo it on exit.

    edgeadapt's loggers get the level of :func:`log_level` and one handler on stderr
    printing one line per record; warnings (:mod:`warnings`) become log records of
    level WARNING (one line, no source path). At verbosity 2 and more, every other
    library's logger prints too.

    Parameters
    ----------
    level_of_verbosity : int
        See :func:`verbosity`.

    Examples
    --------
    >>> import contextlib, io
    >>> err = io.StringIO()
    >>> with contextlib.redirect_stderr(err), console(0):
    ...     logging.getLogger("edgeadapt.sources.audio").info("a.wav is 48000 Hz; resampled")
    ...     warnings.warn("slot 1 damaged; slot 0 used")
    ...     logging.getLogger("edgeadapt.x").debug("not shown at verbosity 0")
    >>> print(err.getvalue().strip())
    edgeadapt: a.wav is 48000 Hz; resampled
    edgeadapt: warning: slot 1 damaged; slot 0 used
    """
    ours = logging.getLogger(LOGGER_NAME)
    root = logging.getLogger()
    handler = _StderrHandler()
    handler.setFormatter(_OneLineFormatter())
    saved = (ours.level, root.level)
    show_all = level_of_verbosity >= _ALL_LOGGERS_VERBOSITY
    ours.setLevel(log_level(level_of_verbosity))
    if show_all:
        root.addHandler(handler)
        root.setLevel(logging.DEBUG)
    else:
        ours.addHandler(handler)

    def show(message: Warning | str, category: type[Warning], filename: str, lineno: int,
             file: TextIO | None = None, line: str | None = None) -> None:
        ours.warning("%s", message)

    try:
        with warnings.catch_warnings():  # restores showwarning (and the filters) on exit
            warnings.showwarning = show
            yield
    finally:
        (root if show_all else ours).removeHandler(handler)
        ours.setLevel(saved[0])
        root.setLevel(saved[1])


# -- native libraries ---------------------------------------------------------------------

@contextlib.contextmanager
def native_log_filter(pattern: re.Pattern[bytes] = NATIVE_NOISE) -> Iterator[None]:
    """Drop the lines a native library prints on file descriptor 2 that match ``pattern``.

    LiteRT (TensorFlow Lite) prints ``INFO: Created TensorFlow Lite XNNPACK delegate for
    CPU.`` from C++ when a model's tensors are first allocated; no environment variable
    turns that off (``TF_CPP_MIN_LOG_LEVEL`` is not read by the minimal logger). Wrap the
    call that prints it::

        with native_log_filter():
            interpreter.allocate_tensors()

    While the block runs, fd 2 points at a temporary file; afterwards, every line that
    does not match is written back to stderr in order (so warnings and errors of the
    library, and Python's own stderr output, still appear), and matching lines go to the
    ``edgeadapt.native`` logger at DEBUG (``-v`` shows them). Keep the block short: its
    stderr output appears when it ends. If fd 2 cannot be redirected (closed), the block
    runs unfiltered.

    Parameters
    ----------
    pattern : re.Pattern of bytes
        Lines to drop (default :data:`NATIVE_NOISE`).

    Examples
    --------
    >>> with native_log_filter():
    ...     _ = os.write(2, b"INFO: Created TensorFlow Lite XNNPACK delegate for CPU.\\n")
    """
    try:
        sys.stderr.flush()
    except (OSError, ValueError):  # pragma: no cover - a closed stderr
        pass
    try:
        saved = os.dup(2)
    except OSError:
        yield
        return
    with tempfile.TemporaryFile() as capture:
        try:
            os.dup2(capture.fileno(), 2)
        except OSError:  # pragma: no cover
            os.close(saved)
            yield
            return
        try:
            yield
        finally:
            with contextlib.suppress(OSError, ValueError):
                sys.stderr.flush()
            os.dup2(saved, 2)
            os.close(saved)
            capture.seek(0)
            kept = []
            native = logging.getLogger(NATIVE_LOGGER_NAME)
            for line in capture.read().splitlines(keepends=True):
                if pattern.match(line):
                    native.debug("%s", line.decode("utf-8", "replace").rstrip())
                else:
                    kept.append(line)
            if kept:
                with contextlib.suppress(OSError):
                    os.write(2, b"".join(kept))


# -- progress -----------------------------------------------------------------------------

def progress_enabled(stream: Any = None) -> bool:
    """Whether a progress bar would draw: ``stream`` (stderr) is a terminal, notes are on
    (no ``-q``) and tqdm is installed.

    Examples
    --------
    >>> progress_enabled(io.StringIO())
    False
    """
    stream = sys.stderr if stream is None else stream
    try:
        tty = bool(stream.isatty())
    except (AttributeError, ValueError):
        tty = False
    if not tty or not logging.getLogger(LOGGER_NAME).isEnabledFor(logging.INFO):
        return False
    try:
        import tqdm  # noqa: F401  (installed with ai-edge-litert)
    except ModuleNotFoundError:
        return False
    return True


class _NoBar:
    """Stands in for a tqdm bar when none is drawn: iterates, counts, prints nothing."""

    def __init__(self, iterable: Iterable[Any] | None, total: float | None) -> None:
        self.iterable = iterable
        self.total = total
        self.n: float = 0

    def __iter__(self) -> Iterator[Any]:
        if self.iterable is None:
            raise TypeError("progress(): nothing to iterate; pass an iterable or call update()")
        for item in self.iterable:
            yield item
            self.n += 1

    def update(self, n: float = 1) -> None:
        self.n += n

    def set_postfix_str(self, s: str = "", refresh: bool = True) -> None:
        pass

    def close(self) -> None:
        pass

    def __enter__(self) -> "_NoBar":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def progress(iterable: Iterable[Any] | None = None, *, total: float | None = None, desc: str | None = None,
             unit: str = "it", stream: Any = None) -> Any:
    """A tqdm progress bar on stderr when it is a terminal, else a silent stand-in.

    Both support iteration, ``update(n)``, ``set_postfix_str(s)``, ``close()`` and
    ``with``; so a command writes no ``\\r`` or escape codes into a pipe or a log file.

    Parameters
    ----------
    iterable : iterable, optional
        What to iterate (or ``None`` and call ``update``).
    total : float, optional
        Expected total (items, or seconds of audio with ``unit="s"``).
    desc : str, optional
        Label in front of the bar.
    unit : str
        Unit shown.
    stream : file-like, optional
        Where the bar draws (default ``sys.stderr``).

    Examples
    --------
    >>> bar = progress(range(3), total=3, desc="files", stream=io.StringIO())
    >>> [i for i in bar], bar.n
    ([0, 1, 2], 3)
    """
    stream = sys.stderr if stream is None else stream
    if not progress_enabled(stream):
        return _NoBar(iterable, total)
    from tqdm import tqdm

    return tqdm(iterable, total=total, desc=desc, unit=unit, file=stream, leave=False, dynamic_ncols=True)


# -- JSON output --------------------------------------------------------------------------

def to_jsonable(value: Any) -> Any:
    """``value`` with numpy scalars and arrays, paths and tuples made JSON types, and
    NaN and infinities made ``None``.

    Examples
    --------
    >>> import numpy as np
    >>> to_jsonable({"a": np.float32(0.5), "b": np.arange(2), "c": (float("inf"),), "d": PurePath("x")})
    {'a': 0.5, 'b': [0, 1], 'c': [None], 'd': 'x'}
    """
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    if value is None or isinstance(value, (str, bool, int)):
        return value
    if isinstance(value, Mapping):
        return {str(k): to_jsonable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [to_jsonable(v) for v in value]
    if isinstance(value, PurePath):
        return str(value)
    if isinstance(value, bytes):
        return value.decode("utf-8", "backslashreplace")
    tolist = getattr(value, "tolist", None)  # numpy scalars and arrays
    if callable(tolist):
        return to_jsonable(tolist())
    raise TypeError(f"to_jsonable: {type(value).__name__} has no JSON form; convert it in the command")


class Schema:
    """One kind of JSON record a command writes, with its JSON Schema.

    Parameters
    ----------
    name : str
        Dotted name, the command's (``"state.inspect"``, ``"wakeword.detection"``).
    version : int
        Major version: raised only when a field is removed, renamed or changes type.
    properties : dict
        JSON Schema of each field (``{"time": {"type": "number"}}``); the ``schema``
        field is added.
    required : sequence of str
        Fields every record has.
    description : str
        One sentence for the docs and ``edgeadapt schema``.

    Examples
    --------
    >>> s = Schema("doc.example", 1, {"n": {"type": "integer"}}, required=["n"], description="An example.")
    >>> s.id, s.record(n=3)
    ('edgeadapt.doc.example/1', {'schema': 'edgeadapt.doc.example/1', 'n': 3})
    >>> s.json_schema()["required"]
    ['schema', 'n']
    >>> s.record(m=1)
    Traceback (most recent call last):
    ...
    ValueError: record of edgeadapt.doc.example/1 lacks required field(s) ['n']
    """

    def __init__(self, name: str, version: int, properties: Mapping[str, Any], required: Sequence[str] = (),
                 description: str = "") -> None:
        if not re.fullmatch(r"[a-z][a-z0-9_]*(\.[a-z][a-z0-9_]*)*", name):
            raise ValueError(f"schema name must be dotted lower_snake_case words, got {name!r}")
        if isinstance(version, bool) or not isinstance(version, int) or version < 1:
            raise ValueError(f"schema version must be a positive integer, got {version!r}")
        missing = [r for r in required if r not in properties]
        if missing:
            raise ValueError(f"schema {name}: required field(s) {missing} have no entry in properties")
        self.name = name
        self.version = version
        self.properties = dict(properties)
        self.required = list(required)
        self.description = description
        known = SCHEMAS.get(self.id)
        if known is not None and known.json_schema() != self.json_schema():
            raise ValueError(f"schema {self.id} is defined twice, differently; raise its version")
        SCHEMAS[self.id] = self

    @property
    def id(self) -> str:
        """``edgeadapt.<name>/<version>``, the value of every record's ``schema`` key."""
        return f"{SCHEMA_PREFIX}{self.name}/{self.version}"

    def record(self, **fields: Any) -> dict[str, Any]:
        """A record of this schema: ``{"schema": id, **fields}`` made JSON-able.

        Raises ``ValueError`` when a required field is missing (a bug in the command).
        """
        missing = [r for r in self.required if r not in fields]
        if missing:
            raise ValueError(f"record of {self.id} lacks required field(s) {missing}")
        out: dict[str, Any] = {SCHEMA_KEY: self.id}
        out.update(to_jsonable(fields))
        return out

    def json_schema(self) -> dict[str, Any]:
        """The JSON Schema (draft 2020-12) document records of this schema validate against.

        Unknown fields are allowed (``additionalProperties`` is not false): new fields may
        be added without a new major version.
        """
        return {
            "$schema": _JSON_SCHEMA_DIALECT,
            "$id": self.id,
            "title": self.id,
            "description": self.description,
            "type": "object",
            "properties": {SCHEMA_KEY: {"const": self.id}, **self.properties},
            "required": [SCHEMA_KEY, *self.required],
        }


class Output:
    """Where a command's report goes: human text, or JSON records (one per line).

    Parameters
    ----------
    json_mode : bool
        Write records as JSON Lines; otherwise write the text lines.
    stream : file-like, optional
        Default ``sys.stdout`` (looked up at each write).

    Examples
    --------
    >>> s = Schema("doc.count", 1, {"n": {"type": "integer"}})
    >>> text = Output(json_mode=False, stream=io.StringIO())
    >>> text.emit(s.record(n=2), text="2 things"); text.stream.getvalue()
    '2 things\\n'
    """

    def __init__(self, json_mode: bool = False, stream: TextIO | None = None) -> None:
        self.json_mode = bool(json_mode)
        self._stream = stream

    @classmethod
    def from_args(cls, args: argparse.Namespace) -> "Output":
        """The output chosen by ``--json`` (see :func:`add_output_options`)."""
        return cls(json_mode=bool(getattr(args, "json", False)))

    @property
    def stream(self) -> TextIO:
        """The stream written to."""
        return self._stream if self._stream is not None else sys.stdout

    def emit(self, record: Mapping[str, Any], text: str | None = None) -> None:
        """Write ``record`` as one JSON line (JSON mode) or ``text`` as a line (text mode).

        ``text=None`` writes nothing in text mode (a record only machines want).
        """
        if self.json_mode:
            if not isinstance(record, Mapping) or not str(record.get(SCHEMA_KEY, "")).startswith(SCHEMA_PREFIX):
                raise ValueError("Output.emit: a record must come from Schema.record() (its 'schema' key is missing)")
            line = json.dumps(to_jsonable(record), ensure_ascii=True, allow_nan=False, separators=(",", ":"))
            self.stream.write(line + "\n")
            self.stream.flush()
        elif text is not None:
            self.text(text)

    def text(self, line: str) -> None:
        """Write a line of human text (nothing in JSON mode)."""
        if not self.json_mode:
            self.stream.write(line + "\n")
            self.stream.flush()


def validate_records(text: str, expected: Sequence[str] | None = None) -> list[dict[str, Any]]:
    """Parse JSON Lines output and validate each record against its registered schema.

    For tests and for users checking a consumer: needs ``jsonschema`` (the ``dev`` extra).
    Schemas are known once the module defining them is imported;
    ``edgeadapt.cli.build_parser()`` imports every command module.

    Parameters
    ----------
    text : str
        The stdout of a ``--json`` command.
    expected : sequence of str, optional
        Schema names (``"state.inspect"``) every record must have one of.

    Returns
    -------
    list of dict
        The records.

    Raises
    ------
    ValueError
        A line is not JSON, names an unknown schema or an unexpected one, or does not
        validate (the message quotes jsonschema's reason and the line number).

    Examples
    --------
    >>> s = Schema("doc.flag", 1, {"on": {"type": "boolean"}}, required=["on"])
    >>> validate_records('{"schema": "edgeadapt.doc.flag/1", "on": true}\\n')
    [{'schema': 'edgeadapt.doc.flag/1', 'on': True}]
    >>> validate_records('{"schema": "edgeadapt.doc.flag/1", "on": 3}\\n')
    Traceback (most recent call last):
    ...
    ValueError: line 1: edgeadapt.doc.flag/1: 3 is not of type 'boolean' (at on)
    """
    try:
        import jsonschema
    except ModuleNotFoundError:
        from .errors import missing_extra

        raise missing_extra("jsonschema", "dev", "validating JSON output") from None
    records = []
    for number, line in enumerate(io.StringIO(text), 1):
        if not line.strip():
            continue
        try:
            record = json.loads(line)
        except json.JSONDecodeError as e:
            raise ValueError(f"line {number}: not JSON ({e}): {line[:80]!r}") from None
        sid = record.get(SCHEMA_KEY) if isinstance(record, dict) else None
        if sid not in SCHEMAS:
            raise ValueError(f"line {number}: unknown schema {sid!r}; known: {sorted(SCHEMAS)}")
        schema = SCHEMAS[sid]
        if expected is not None and schema.name not in expected:
            raise ValueError(f"line {number}: schema {sid} is not one of {list(expected)}")
        try:
            jsonschema.validate(record, schema.json_schema(), cls=jsonschema.Draft202012Validator)
        except jsonschema.ValidationError as e:
            where = "/".join(str(p) for p in e.absolute_path) or "top level"
            raise ValueError(f"line {number}: {sid}: {e.message} (at {where})") from None
        records.append(record)
    return records
