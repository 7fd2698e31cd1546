import io

import numpy as np
import pytest

from edgeadapt.errors import InputError
from edgeadapt.sources.sensors import CsvSensorSource, TelemetryCsvSource, iter_chunks


def _write(tmp_path, text, name="v.csv"):
    p = tmp_path / name
    p.write_text(text)
    return str(p)


def test_vibration_csv_round_trip_in_chunks_with_skip(tmp_path):
    x = np.random.default_rng(0).normal(size=(1000, 3)).round(6)
    body = "\n".join(",".join(f"{v:.6f}" for v in row) for row in x)
    path = _write(tmp_path, f"# sample_rate=2500\n# site=pump 4\nax,ay,az\n{body}\n")
    src = CsvSensorSource(path, chunk_rows=128)
    got = np.concatenate(list(src))
    np.testing.assert_allclose(got, x, atol=1e-12)
    assert src.channels == ("ax", "ay", "az") and src.sample_rate == 2500.0 and src.meta["site"] == "pump 4"
    rest = np.concatenate(list(CsvSensorSource(path, skip_rows=700, chunk_rows=64)))
    np.testing.assert_allclose(rest, x[700:], atol=1e-12)


@pytest.mark.parametrize(
    "text, kwargs, message",
    [
        ("x,y\n1,2\n3\n", {"sample_rate": 10}, r"v.csv:3: expected 2 values \(x,y\), found 1"),
        ("x,y\n1,2\n4,5,6\n", {"sample_rate": 10}, r"v.csv:3: expected 2 values"),
        ("x,y\n1,2\n", {}, r"v.csv: no sample rate"),
        ("# sample_rate=100\nx,y\n1,2\n", {"sample_rate": 200}, r"differs"),
        ("1,2\n3,4\n", {"sample_rate": 10}, r"v.csv:1: expected a header line"),
        ("", {"sample_rate": 10}, r"v.csv: no header line"),
        ("x,y\n1,2\n", {"sample_rate": 10, "channels": ("x", "y", "z")}, r"has channels \['x', 'y'\]"),
        ("x,y\n1,2\n", {"sample_rate": 10, "skip_rows": 5}, r"has 1 data rows but 5 were already consumed"),
    ],
)
def test_vibration_csv_errors_name_file_and_line(tmp_path, text, kwargs, message):
    path = _write(tmp_path, text)
    with pytest.raises(InputError, match=message):
        list(CsvSensorSource(path, **kwargs))


def test_missing_file_says_so(tmp_path):
    with pytest.raises(FileNotFoundError, match="no such input file"):
        list(CsvSensorSource(str(tmp_path / "absent.csv"), sample_rate=1))


def test_telemetry_csv_numbers_and_iso_times(tmp_path):
    path = _write(tmp_path, "timestamp,temp\n1700000000,20.5\n2023-11-14T22:18:20,21\n2023-11-14T22:23:20+00:00,22\n")
    rows = np.concatenate(list(TelemetryCsvSource(path)))
    assert rows[:, 0].tolist() == [1700000000.0, 1700000300.0, 1700000600.0]
    assert rows[:, 1].tolist() == [20.5, 21.0, 22.0]


@pytest.mark.parametrize(
    "text, message",
    [
        ("t,v\n1,2\nyesterday,3\n", r"t.csv:3: 'yesterday' is neither Unix seconds nor an ISO 8601 time"),
        ("t\n1\n", r"telemetry needs a timestamp column and at least one value column"),
        ("t,v\n1,2,3\n", r"t.csv:2: expected 2 values \(t,v\), found 3"),
        ("t,v,v\n1,2,3\n", r"column names repeat"),
    ],
)
def test_telemetry_csv_errors(tmp_path, text, message):
    path = _write(tmp_path, text, "t.csv")
    with pytest.raises(InputError, match=message):
        list(TelemetryCsvSource(path))


def test_telemetry_bad_values_become_missing_with_a_warning_naming_the_line(tmp_path):
    path = _write(tmp_path, "t,v,w\n1,2,3\n2,x,4\n3,,5\n4,inf,6\n", "t.csv")
    with pytest.warns(UserWarning, match=r"read as missing .*t.csv:3, .*t.csv:4, .*t.csv:5$"):
        rows = np.concatenate(list(TelemetryCsvSource(path)))
    assert rows.shape == (4, 3) and np.isnan(rows[1:, 1]).all() and rows[:, 2].tolist() == [3.0, 4.0, 5.0, 6.0]


def test_vibration_bad_values_become_missing_with_a_warning_naming_the_line(tmp_path):
    body = "x,y\n" + "1,2\n" * 3 + "3,nan\n" + "4,\n" + "abc,1\n" + "1,inf\n" + "1,2\n" * 10
    path = _write(tmp_path, body)
    with pytest.warns(UserWarning, match=r"read as missing .*v.csv:5, .*v.csv:6, .*v.csv:7 and 1 more rows"):
        rows = np.concatenate(list(CsvSensorSource(path, sample_rate=10)))
    assert rows.shape == (17, 2) and np.isnan(rows[3:7]).any(axis=1).all() and np.isfinite(rows[7:]).all()


def test_telemetry_rows_pass_in_file_order_whatever_the_timestamps(tmp_path):
    path = _write(tmp_path, "t,v\n1,1\n2,1\n3,1\n2.5,1\n3,1\n", "t.csv")
    rows = np.concatenate(list(TelemetryCsvSource(path, chunk_rows=3)))
    assert rows[:, 0].tolist() == [1.0, 2.0, 3.0, 2.5, 3.0]  # the watcher skips and counts the last two


def test_utf8_bom_is_accepted_and_other_encodings_name_file_and_line(tmp_path):
    path = tmp_path / "bom.csv"
    path.write_bytes("\ufeffx,y\n1,2\n".encode("utf-8"))
    src = CsvSensorSource(str(path), sample_rate=10)
    assert [c.tolist() for c in src] == [[[1.0, 2.0]]] and src.channels == ("x", "y")
    latin = tmp_path / "latin.csv"
    latin.write_bytes("x,y\n1,2\n# caf\xe9\n".encode("latin-1"))
    with pytest.raises(InputError, match=r"latin.csv:3: not UTF-8 text"):
        list(CsvSensorSource(str(latin), sample_rate=10))


def test_huge_headers_lines_and_cells_are_refused_without_echoing_them(tmp_path):
    from edgeadapt.sources.sensors import EXCERPT_CHARS, MAX_COLUMNS, MAX_LINE_BYTES

    wide = tmp_path / "wide.csv"
    wide.write_text(",".join(f"c{i}" for i in range(MAX_COLUMNS + 1)) + "\n1\n")
    with pytest.raises(InputError, match=f"more than {MAX_COLUMNS} columns"):
        list(CsvSensorSource(str(wide), sample_rate=10))
    long_line = tmp_path / "long.csv"
    long_line.write_text("x\n" + "1" * (MAX_LINE_BYTES + 10) + "\n")
    with pytest.raises(InputError, match="long.csv:2: line longer than"):
        list(CsvSensorSource(str(long_line), sample_rate=10))
    cell = tmp_path / "cell.csv"
    cell.write_text("x,y\n1," + "a" * 5000 + "\n")
    with pytest.warns(UserWarning) as record:  # an unreadable cell is a missing value, named but not echoed
        list(CsvSensorSource(str(cell), sample_rate=10))
    text = str(record[0].message)
    assert len(text) < 300 and "a" * (EXCERPT_CHARS + 1) not in text


@pytest.mark.parametrize("rate", ["inf", "nan", "-5", "0", "abc"])
def test_sample_rate_line_must_be_finite_and_positive(tmp_path, rate):
    path = _write(tmp_path, f"# sample_rate={rate}\nx\n1\n", "r.csv")
    with pytest.raises(InputError, match="r.csv: '# sample_rate="):
        list(CsvSensorSource(path))


def test_a_directory_is_refused(tmp_path):
    with pytest.raises(InputError, match="is a directory"):
        list(TelemetryCsvSource(str(tmp_path)))


def test_stream_source_reads_a_pipe_like_stream():
    src = CsvSensorSource("-", sample_rate=50, stream=io.StringIO("a\n1\n2\n3\n"), chunk_rows=2)
    assert [c[:, 0].tolist() for c in src] == [[1.0, 2.0], [3.0]]


def test_iter_chunks_batches_rows_and_checks_width():
    items = [np.ones(3)] * 5 + [np.zeros((4, 3))]
    chunks = list(iter_chunks(items, width=3, chunk_rows=4))
    assert [len(c) for c in chunks] == [4, 4, 1]
    assert np.concatenate(chunks).sum() == 5 * 3
    with pytest.raises(InputError, match=r"item 1 of the iterator has shape \(2,\)"):
        list(iter_chunks([np.ones(3), np.ones(2)], width=3))
