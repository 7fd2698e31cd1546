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

with timestamps in Unix seconds or ISO 8601 (naive times are UTC), strictly increasing.

Sources yield float64 arrays of consecutive rows, a chunk at a time; ``skip_rows``
skips data rows (to resume a file where a watch left off). Bad rows raise
:class:`~edgeadapt.errors.InputError` naming the file and line.

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
import sys
from datetime import datetime, timezone
from typing import IO, Any, Iterable, Iterator, Sequence

import numpy as np

from ..errors import InputError

__all__ = ["CsvSensorSource", "TelemetryCsvSource", "iter_chunks", "DEFAULT_CHUNK_ROWS", "STDIN"]

STDIN = "-"
DEFAULT_CHUNK_ROWS = 8192
SAMPLE_RATE_KEY = "sample_rate"
COMMENT = "#"
DELIMITER = ","


def _open(path: str, stream: IO[str] | None) -> tuple[IO[str], str, bool]:
    if stream is not None:
        return stream, "<stdin>" if path == STDIN else str(path), False
    if path == STDIN:
        return sys.stdin, "<stdin>", False
    try:
        return open(path, "r", encoding="utf-8", newline=""), str(path), True
    except FileNotFoundError:
        raise FileNotFoundError(f"{path}: no such input file") from None


class _CsvRows:
    """Shared reading of a header and numeric rows with line numbers."""

    def __init__(self, path: str, stream: IO[str] | None, chunk_rows: int, skip_rows: int) -> None:
        self.path = str(path)
        self.stream = stream
        self.chunk_rows = chunk_rows
        self.skip_rows = skip_rows
        self.meta: dict[str, str] = {}
        self.columns: tuple[str, ...] = ()

    def _read_header(self, f: IO[str], name: str) -> int:
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
            cols = tuple(c.strip() for c in text.split(DELIMITER))
            if any(not c for c in cols) or all(_is_number(c) for c in cols):
                raise InputError(
                    f"{name}:{line_no}: expected a header line of column names (e.g. 'x,y,z'), got {text!r}"
                )
            self.columns = cols
            return line_no
        raise InputError(f"{name}: no header line; the file must start with column names (e.g. 'x,y,z')")

    def _lines(self) -> Iterator[tuple[int, list[str], str]]:
        """Yield (line number of the first line, lines, name) chunks of data lines."""
        f, name, owned = _open(self.path, self.stream)
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
                f.close()

    def _on_header(self, name: str) -> None:
        pass

    def _parse(self, first: int, lines: list[str], name: str, width: int) -> np.ndarray:
        if not lines:
            return np.empty((0, width))
        try:
            rows = np.loadtxt(lines, delimiter=DELIMITER, dtype=np.float64, ndmin=2, comments=None)
            if rows.shape[1] == width and np.all(np.isfinite(rows)):
                return rows
        except ValueError:
            pass
        for k, line in enumerate(lines):
            _check_row(line, width, f"{name}:{first + k}", self.columns)
        raise InputError(f"{name}:{first}-{first + len(lines) - 1}: rows could not be read")  # pragma: no cover


def _is_number(text: str) -> bool:
    try:
        float(text)
        return True
    except ValueError:
        return False


def _check_row(line: str, width: int, where: str, columns: Sequence[str]) -> None:
    cells = [c.strip() for c in line.strip().split(DELIMITER)]
    if len(cells) != width:
        raise InputError(
            f"{where}: expected {width} values ({','.join(columns)}), found {len(cells)}: {line.strip()!r}"
        )
    for c in cells:
        try:
            v = float(c)
        except ValueError:
            raise InputError(f"{where}: {c!r} is not a number") from None
        if v - v != 0.0:
            raise InputError(f"{where}: holds {c!r}; NaN and Inf samples are not accepted: repair or drop the row")


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
                raise InputError(f"{name}: '# {SAMPLE_RATE_KEY}={in_file}' is not a number") from None
            if rate is not None and abs(float(rate) - file_rate) > 1e-9 * file_rate:
                raise InputError(f"{name}: sample rate {file_rate:g} in the file differs from the {float(rate):g} given")
            rate = file_rate
        if rate is None:
            raise InputError(f"{name}: no sample rate; pass one (--sample-rate) or add a '# {SAMPLE_RATE_KEY}=N' line")
        if not float(rate) > 0:
            raise InputError(f"{name}: sample rate must be positive, got {rate}")
        self.sample_rate = float(rate)

    def __iter__(self) -> Iterator[np.ndarray]:
        for first, lines, name in self._lines():
            rows = self._parse(first, lines, name, len(self.channels))
            if len(rows):
                yield rows


class TelemetryCsvSource(_CsvRows):
    """``timestamp,value`` rows from a CSV file or stdin, yielded as (n, 2) float64 arrays.

    Timestamps (Unix seconds or ISO 8601) become Unix seconds and must increase
    strictly, across chunks too.

    Examples
    --------
    >>> import io
    >>> text = "timestamp,value\\n2024-01-01T00:00:00,1.5\\n2024-01-01T00:05:00,1.75\\n"
    >>> [c.tolist() for c in TelemetryCsvSource("-", stream=io.StringIO(text))]
    [[[1704067200.0, 1.5], [1704067500.0, 1.75]]]
    >>> list(TelemetryCsvSource("t.csv", stream=io.StringIO("t,v\\n5,1\\n5,2\\n")))
    Traceback (most recent call last):
    ...
    edgeadapt.errors.InputError: t.csv:3: timestamp 5 does not come after the previous one (5); timestamps must increase strictly
    """

    def __init__(
        self,
        path: str,
        chunk_rows: int = DEFAULT_CHUNK_ROWS,
        skip_rows: int = 0,
        stream: IO[str] | None = None,
    ) -> None:
        super().__init__(path, stream, chunk_rows, skip_rows)

    def _on_header(self, name: str) -> None:
        if len(self.columns) != 2:
            raise InputError(f"{name}: telemetry needs 2 columns (timestamp,value), the header has {len(self.columns)}")

    def __iter__(self) -> Iterator[np.ndarray]:
        last = -np.inf
        for first, lines, name in self._lines():
            try:
                rows = self._parse(first, lines, name, 2)
            except InputError:
                rows = self._parse_iso(first, lines, name)
            if not len(rows):
                continue
            t = rows[:, 0]
            prev = np.concatenate([[last], t[:-1]])
            bad = np.flatnonzero(t <= prev)
            if len(bad):
                k = int(bad[0])
                raise InputError(
                    f"{name}:{first + k}: timestamp {t[k]:g} does not come after the previous one ({prev[k]:g}); "
                    "timestamps must increase strictly"
                )
            last = float(t[-1])
            yield rows

    def _parse_iso(self, first: int, lines: list[str], name: str) -> np.ndarray:
        out = np.empty((len(lines), 2))
        for k, line in enumerate(lines):
            where = f"{name}:{first + k}"
            cells = [c.strip() for c in line.strip().split(DELIMITER)]
            if len(cells) != 2:
                raise InputError(f"{where}: expected 2 values (timestamp,value), found {len(cells)}: {line.strip()!r}")
            out[k, 0] = _timestamp(cells[0], where)
            _check_row(cells[1], 1, where, ("value",))
            out[k, 1] = float(cells[1])
        return out


def _timestamp(text: str, where: str) -> float:
    try:
        return float(text)
    except ValueError:
        pass
    try:
        when = datetime.fromisoformat(text)
    except ValueError:
        raise InputError(f"{where}: {text!r} is neither Unix seconds nor an ISO 8601 time") from None
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
