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
        ("x,y\n1,2\n3,abc\n", {"sample_rate": 10}, r"v.csv:3: 'abc' is not a number"),
        ("x,y\n1,2\n1,2\n3,nan\n", {"sample_rate": 10}, r"v.csv:4: holds 'nan'"),
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
        ("t,v\n1,2\n2,x\n", r"t.csv:3: 'x' is not a number"),
        ("t,v\n1,2\nyesterday,3\n", r"t.csv:3: 'yesterday' is neither Unix seconds nor an ISO 8601 time"),
        ("t,v\n1,2\n3,inf\n", r"t.csv:3: holds 'inf'"),
        ("t,v,w\n1,2,3\n", r"telemetry needs 2 columns"),
        ("t,v\n1,2\n0,3\n", r"t.csv:3: timestamp 0 does not come after"),
    ],
)
def test_telemetry_csv_errors(tmp_path, text, message):
    path = _write(tmp_path, text, "t.csv")
    with pytest.raises(InputError, match=message):
        list(TelemetryCsvSource(path))


def test_telemetry_order_is_checked_across_chunks(tmp_path):
    path = _write(tmp_path, "t,v\n1,1\n2,1\n3,1\n2.5,1\n", "t.csv")
    with pytest.raises(InputError, match="t.csv:5"):
        list(TelemetryCsvSource(path, chunk_rows=3))


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
