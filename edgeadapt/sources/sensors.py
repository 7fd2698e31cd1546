"""Sensor sources: multichannel sample CSV, ``timestamp,value`` telemetry CSV, stdin, iterators.

Vibration CSV (one row per sample instant, one column per channel)::

    # sample_rate=10000
    x,y,z
    0.0132,-0.2210,0.9871
    ...

Lines starting with ``#`` before the header carry ``key=value`` metadata; the
sample rate comes from ``# sample_rate=`` or from the caller (both must agree when
both are given). Telemetry CSV::

    timestamp,value
    1700000000,45.2
    2023-11-14T22:18:20,45.3

with timestamps in Unix seconds or ISO 8601 (naive times are UTC), and one or more
value columns. Rows of either kind are passed on as they are, with NaN for an empty,
unreadable, NaN or Inf value (a warning names the file and the first lines): the
watcher skips and counts them (telemetry rows, and repeated or backward timestamps
and gaps, in :class:`~edgeadapt.apps.maintenance.TimeLine`; vibration windows holding
a missing sample in :class:`~edgeadapt.apps.maintenance.MachineWatch`). A row with the
wrong number of cells, or an unreadable timestamp, is an error.

Sources yield float64 arrays of consecutive rows, a chunk at a time; ``skip_rows``
skips data rows (to resume a file where a watch left off). Files are UTF-8, with or
without a byte-order mark. Bad input raises :class:`~edgeadapt.errors.InputError`
naming the file and line, quoting at most ``EXCERPT_CHARS`` characters of it; lines
longer than ``MAX_LINE_BYTES`` and headers of more than ``MAX_COLUMNS`` columns are
refused before anything large is allocated.

Examples
--------
>>> import io
>>> src = CsvSensorSource("-", stream=io.StringIO("# sample_rate=100\\na,b\\n1,2\\n3,4\\n5,6\\n"), chunk_rows=2)
>>> [c.tolist() for c in src]
[[[1.0, 2.0], [3.0, 4.0]], [[5.0, 6.0]]]
>>> src.channels, src.sample_rate
(('a', 'b'), 100.0)
"""

from __future__ import annotations

import itertools
import math
import os
import sys
import warnings
from datetime import datetime, timezone
from typing import IO, Any, Iterable, Iterator, Sequence

import numpy as np

from ..errors import InputError
from .defaults import DEFAULT_CHUNK_ROWS

__all__ = ["CsvSensorSource", "TelemetryCsvSource", "iter_chunks", "DEFAULT_CHUNK_ROWS", "STDIN"]

STDIN = "-"
SAMPLE_RATE_KEY = "sample_rate"
COMMENT = "#"
DELIMITER = ","
BOM = "\ufeff"
# At most this many columns: far more channels than any sensor file has, and a header
# of 10^6 columns would otherwise allocate gigabytes of per-channel state.
MAX_COLUMNS = 1024
# A number needs at most ~25 characters; this bounds a line of MAX_COLUMNS cells with
# room to spare, and keeps one line's memory small whatever the file holds.
MAX_CELL_CHARS = 64
MAX_LINE_BYTES = MAX_COLUMNS * MAX_CELL_CHARS
# Error messages quote at most this much of a bad line or cell (an 8 MB cell is not echoed).
EXCERPT_CHARS = 40
# Warnings about unreadable telemetry cells name at most this many lines per chunk.
MAX_WARNED_LINES = 3


def _names(columns: Sequence[str]) -> str:
    # column names for a message: control characters escaped, length bounded
    text = ",".join(columns).encode("unicode_escape").decode("ascii")
    return text if len(text) <= EXCERPT_CHARS else text[:EXCERPT_CHARS] + "..."


def excerpt(text: str) -> str:
    r"""A short, escaped quotation of ``text`` for a message (control characters escaped).

    Examples
    --------
    >>> excerpt("1,2\x1b[31m") == repr("1,2\x1b[31m")   # escaped, quoted
    True
    >>> len(excerpt("9" * 10**6)) < 80
    True
    """
    if len(text) > EXCERPT_CHARS:
        return repr(text[:EXCERPT_CHARS]) + f"... ({len(text)} characters)"
    return repr(text)


class _Lines:
    """Decoded text lines of a binary stream: UTF-8 (a BOM accepted), bounded length, numbered errors."""

    def __init__(self, raw: Any, name: str) -> None:
        self.raw = raw
        self.name = name
        self.line_no = 0

    def __iter__(self) -> "_Lines":
        return self

    def __next__(self) -> str:
        data = self.raw.readline(MAX_LINE_BYTES + 1)
        if not data:
            raise StopIteration
        self.line_no += 1
        if len(data) > MAX_LINE_BYTES and not data.endswith(b"\n"):
            raise InputError(
                f"{self.name}:{self.line_no}: line longer than {MAX_LINE_BYTES} bytes; "
                "this is not a sensor CSV (or its line ends are not \\n)"
            )
        if isinstance(data, str):
            text = data
        else:
            try:
                text = data.decode("utf-8")
            except UnicodeDecodeError as exc:
                raise InputError(
                    f"{self.name}:{self.line_no}: not UTF-8 text (byte {exc.start + 1} of the line); "
                    "convert the file, e.g. iconv -f latin1 -t utf-8"
                ) from None
        if self.line_no == 1 and text.startswith(BOM):
            text = text[1:]
        return text


def _open(path: str, stream: IO[str] | None) -> tuple[Any, str, bool]:
    if stream is not None:
        return stream, "<stdin>" if path == STDIN else str(path), False
    if path == STDIN:
        return getattr(sys.stdin, "buffer", sys.stdin), "<stdin>", False
    if os.path.isdir(path):
        raise InputError(f"{path}: is a directory; give a CSV file (or - for stdin)")
    try:
        return open(path, "rb"), str(path), True
    except FileNotFoundError:
        raise FileNotFoundError(f"{path}: no such input file") from None
    except PermissionError:
        raise InputError(f"{path}: cannot be read (permission denied); check its permissions") from None


class _CsvRows:
    """Shared reading of a header and numeric rows with line numbers."""

    def __init__(self, path: str, stream: IO[str] | None, chunk_rows: int, skip_rows: int) -> None:
        self.path = str(path)
        self.stream = stream
        self.chunk_rows = chunk_rows
        self.skip_rows = skip_rows
        self.meta: dict[str, str] = {}
        self.columns: tuple[str, ...] = ()

    def _read_header(self, f: Any, name: str) -> int:
        line_no = 0
        for line in f:
            line_no += 1
            text = line.strip()
            if not text:
                continue
            if text.startswith(COMMENT):
                key, sep, value = text[1:].partition("=")
                if sep:
                    self.meta[key.strip()] = value.strip()
                continue
            if text.count(DELIMITER) >= MAX_COLUMNS:
                raise InputError(f"{name}:{line_no}: header has more than {MAX_COLUMNS} columns; a sensor file has fewer")
            cols = tuple(c.strip() for c in text.split(DELIMITER))
            if any(not c for c in cols) or all(_is_number(c) for c in cols):
                raise InputError(
                    f"{name}:{line_no}: expected a header line of column names (e.g. 'x,y,z'), got {excerpt(text)}"
                )
            if len(set(cols)) != len(cols):
                raise InputError(f"{name}:{line_no}: column names repeat in the header {excerpt(text)}; name each column once")
            self.columns = cols
            return line_no
        raise InputError(f"{name}: no header line; the file must start with column names (e.g. 'x,y,z')")

    def _lines(self) -> Iterator[tuple[int, list[str], str]]:
        """Yield (line number of the first line, lines, name) chunks of data lines."""
        raw, name, owned = _open(self.path, self.stream)
        f = _Lines(raw, name)
        try:
            line_no = self._read_header(f, name)
            self._on_header(name)
            skip = int(self.skip_rows)
            if skip < 0:
                raise InputError(f"skip_rows must be >= 0, got {skip}")
            skipped = sum(1 for _ in itertools.islice(f, skip))
            line_no += skipped
            if skipped < skip:
                raise InputError(
                    f"{name}: has {skipped} data rows but {skip} were already consumed; the file is not the one "
                    "the state was built from: reset the position or use another state file"
                )
            chunk = max(int(self.chunk_rows), 1)
            while True:
                lines = list(itertools.islice(f, chunk))
                if not lines:
                    return
                first = line_no + 1
                line_no += len(lines)
                if lines and not lines[-1].strip():
                    while lines and not lines[-1].strip():
                        lines.pop()
                yield first, lines, name
        finally:
            if owned:
                raw.close()

    def _on_header(self, name: str) -> None:
        pass

    def _parse(self, first: int, lines: list[str], name: str, width: int, timestamps: bool = False) -> np.ndarray:
        """Rows of numbers; an empty, unreadable, NaN or Inf value becomes NaN with a warning.

        A row with the wrong number of cells (or, with ``timestamps``, an unreadable
        first cell) is an error naming the file and line.
        """
        if not lines:
            return np.empty((0, width))
        try:
            rows = np.loadtxt(lines, delimiter=DELIMITER, dtype=np.float64, ndmin=2, comments=None)
            if rows.shape[1] != width:
                raise ValueError
        except ValueError:
            rows = self._parse_slow(first, lines, name, width, timestamps)
        bad = ~np.isfinite(rows[:, 1:] if timestamps else rows)
        if bad.any():
            where = np.flatnonzero(bad.any(axis=1))[:MAX_WARNED_LINES]
            (rows[:, 1:] if timestamps else rows)[bad] = np.nan
            listed = ", ".join(f"{name}:{first + int(k)}" for k in where)
            more = int(bad.any(axis=1).sum()) - len(where)
            warnings.warn(
                f"missing, unreadable, NaN or Inf values read as missing (their rows are skipped): {listed}"
                + (f" and {more} more rows" if more > 0 else ""),
                stacklevel=3,
            )
        return rows

    def _parse_slow(self, first: int, lines: list[str], name: str, width: int, timestamps: bool) -> np.ndarray:
        out = np.empty((len(lines), width))
        for k, line in enumerate(lines):
            where = f"{name}:{first + k}"
            cells = [c.strip() for c in line.strip().split(DELIMITER)]
            if len(cells) != width:
                raise InputError(
                    f"{where}: expected {width} values ({_names(self.columns)}), found {len(cells)}: "
                    f"{excerpt(line.strip())}"
                )
            start = 0
            if timestamps:
                out[k, 0] = _timestamp(cells[0], where)
                start = 1
            for j in range(start, width):
                try:
                    out[k, j] = float(cells[j])
                except ValueError:
                    out[k, j] = np.nan
        return out


def _is_number(text: str) -> bool:
    try:
        float(text)
        return True
    except ValueError:
        return False


class CsvSensorSource(_CsvRows):
    """Multichannel samples from a CSV file or stdin, in chunks of rows.

    Parameters
    ----------
    path : str
        File path, or ``"-"`` for standard input.
    sample_rate : float, optional
        Samples per second; required unless the file has ``# sample_rate=``.
    channels : sequence of str, optional
        Expected channel names (checked against the header when given).
    chunk_rows : int
        Rows per yielded chunk.
    skip_rows : int
        Data rows to skip first (resume position).
    stream : text stream, optional
        Read from this stream instead of opening ``path`` (``path`` names it in errors).

    Attributes
    ----------
    channels : tuple of str
        Column names from the header (known once iteration has started).
    sample_rate : float
    """

    def __init__(
        self,
        path: str,
        sample_rate: float | None = None,
        channels: Sequence[str] | None = None,
        chunk_rows: int = DEFAULT_CHUNK_ROWS,
        skip_rows: int = 0,
        stream: IO[str] | None = None,
    ) -> None:
        super().__init__(path, stream, chunk_rows, skip_rows)
        self.requested_rate = sample_rate
        self.requested_channels = channels
        self.sample_rate: float | None = sample_rate
        self.channels: tuple[str, ...] = ()

    def _on_header(self, name: str) -> None:
        self.channels = self.columns
        if self.requested_channels is not None and tuple(self.requested_channels) != self.channels:
            raise InputError(
                f"{name}: has channels {list(self.channels)} but {list(self.requested_channels)} are expected; "
                "use a file with the same channels as the state"
            )
        in_file = self.meta.get(SAMPLE_RATE_KEY)
        rate = self.requested_rate
        if in_file is not None:
            try:
                file_rate = float(in_file)
            except ValueError:
                raise InputError(f"{name}: '# {SAMPLE_RATE_KEY}=' holds {excerpt(in_file)}, not a number") from None
            if not (math.isfinite(file_rate) and file_rate > 0):
                raise InputError(f"{name}: '# {SAMPLE_RATE_KEY}={in_file}' must be a finite positive number of samples per second")
            if rate is not None and abs(float(rate) - file_rate) > 1e-9 * file_rate:
                raise InputError(f"{name}: sample rate {file_rate:g} in the file differs from the {float(rate):g} given")
            rate = file_rate
        if rate is None:
            raise InputError(f"{name}: no sample rate; pass one (--sample-rate) or add a '# {SAMPLE_RATE_KEY}=N' line")
        if not (math.isfinite(float(rate)) and float(rate) > 0):
            raise InputError(f"{name}: sample rate (--sample-rate) must be a finite positive number, got {rate}")
        self.sample_rate = float(rate)

    def __iter__(self) -> Iterator[np.ndarray]:
        for first, lines, name in self._lines():
            rows = self._parse(first, lines, name, len(self.channels))
            if len(rows):
                yield rows


class TelemetryCsvSource(_CsvRows):
    """``timestamp,value[,value...]`` rows from a CSV file or stdin, as (n, columns) float64 arrays.

    Timestamps (Unix seconds or ISO 8601) become Unix seconds. A value cell that is
    empty or not a number becomes NaN with a warning naming the file and line (the
    watcher skips and counts such rows); a timestamp that cannot be read is an error.

    Examples
    --------
    >>> import io
    >>> text = "timestamp,value\\n2024-01-01T00:00:00,1.5\\n2024-01-01T00:05:00,1.75\\n"
    >>> [c.tolist() for c in TelemetryCsvSource("-", stream=io.StringIO(text))]
    [[[1704067200.0, 1.5], [1704067500.0, 1.75]]]
    >>> import warnings
    >>> with warnings.catch_warnings():
    ...     warnings.simplefilter("ignore")
    ...     [c.tolist() for c in TelemetryCsvSource("t.csv", stream=io.StringIO("t,v\\n5,1\\n6,\\n"))]
    [[[5.0, 1.0], [6.0, nan]]]
    """

    def __init__(
        self,
        path: str,
        chunk_rows: int = DEFAULT_CHUNK_ROWS,
        skip_rows: int = 0,
        stream: IO[str] | None = None,
        channels: Sequence[str] | None = None,
    ) -> None:
        super().__init__(path, stream, chunk_rows, skip_rows)
        self.requested_channels = channels

    @property
    def channels(self) -> tuple[str, ...]:
        """Value column names (the header without the timestamp column)."""
        return self.columns[1:]

    def _on_header(self, name: str) -> None:
        if len(self.columns) < 2:
            raise InputError(f"{name}: telemetry needs a timestamp column and at least one value column (timestamp,value)")
        if self.requested_channels is not None and tuple(self.requested_channels) != self.channels:
            raise InputError(
                f"{name}: has value columns {list(self.channels)} but {list(self.requested_channels)} are expected; "
                "use a file with the same columns as the state"
            )

    def __iter__(self) -> Iterator[np.ndarray]:
        for first, lines, name in self._lines():
            rows = self._parse(first, lines, name, len(self.columns), timestamps=True)
            if len(rows):
                yield rows


def _timestamp(text: str, where: str) -> float:
    try:
        return float(text)
    except ValueError:
        pass
    try:
        when = datetime.fromisoformat(text)
    except ValueError:
        raise InputError(f"{where}: {excerpt(text)} is neither Unix seconds nor an ISO 8601 time") from None
    if when.tzinfo is None:
        when = when.replace(tzinfo=timezone.utc)
    return when.timestamp()


def iter_chunks(items: Iterable[Any], width: int, chunk_rows: int = DEFAULT_CHUNK_ROWS) -> Iterator[np.ndarray]:
    """Turn an iterator of rows (width,) or blocks (n, width) into checked float64 chunks.

    Single rows are batched up to ``chunk_rows``; blocks pass through (split if larger).

    Examples
    --------
    >>> [c.shape for c in iter_chunks([[1, 2], [3, 4], np.zeros((3, 2))], width=2, chunk_rows=2)]
    [(2, 2), (2, 2), (1, 2)]
    >>> list(iter_chunks([[1.0, float("nan")]], width=2))
    Traceback (most recent call last):
    ...
    edgeadapt.errors.InputError: item 0 of the iterator holds NaN or Inf; repair or drop those samples
    """
    pending: list[np.ndarray] = []
    count = 0
    limit = max(int(chunk_rows), 1)
    for i, item in enumerate(items):
        a = np.asarray(item, dtype=np.float64)
        if a.ndim == 1:
            a = a[None, :]
        if a.ndim != 2 or a.shape[1] != width:
            raise InputError(f"item {i} of the iterator has shape {np.shape(item)}; expected ({width},) or (n, {width})")
        if not np.all(np.isfinite(a)):
            raise InputError(f"item {i} of the iterator holds NaN or Inf; repair or drop those samples")
        pending.append(a)
        count += len(a)
        while count >= limit:
            block = np.concatenate(pending)
            yield block[:limit]
            rest = block[limit:]
            pending, count = ([rest] if len(rest) else []), len(rest)
    if count:
        yield np.concatenate(pending)
