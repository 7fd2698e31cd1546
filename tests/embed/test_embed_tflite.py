"""TFLiteModel on the real pyopen-wakeword models and on real quantized models."""

from __future__ import annotations

import logging

import numpy as np
import pytest

from edgeadapt.embed.speech import EMBEDDING_MODEL_FILE, MELSPEC_MODEL_FILE, default_model_path
from edgeadapt.embed.tflite import TFLiteModel, select_backend
from edgeadapt.errors import InputError, ModelError

from quantized_model import INPUT_QUANT, OUTPUT_QUANT, build_add_model

MEL = default_model_path(MELSPEC_MODEL_FILE)
EMB = default_model_path(EMBEDDING_MODEL_FILE)


def test_embedding_model_shapes_and_batch():
    model = TFLiteModel(EMB)
    assert model.input_details[0]["shape_signature"].tolist() == [-1, 76, 32, 1]
    x = np.random.default_rng(0).standard_normal((3, 76, 32, 1)).astype(np.float32)
    y = model(x)
    assert y.shape == (3, 1, 1, 96) and y.dtype == np.float32 and np.isfinite(y).all()
    # a batch of one gives the same row: batching is not part of the function
    np.testing.assert_allclose(model(x[1:2])[0], y[1], rtol=1e-5, atol=1e-5)
    # different inputs give different outputs (the model really runs)
    assert np.abs(y[0] - y[1]).max() > 1e-3


def test_melspectrogram_dynamic_input_needs_resize_and_follows_shape():
    model = TFLiteModel(MEL)
    # the model's stored input shape is (1, 1): it cannot produce a frame until resized
    assert model.input_details[0]["shape"].tolist() == [1, 1]
    rng = np.random.default_rng(1)
    for n, frames in [(512, 1), (1760, 8), (16000, 97), (1760, 8)]:
        y = model((rng.standard_normal((1, n)) * 1000).astype(np.float32))
        assert y.shape == (1, 1, frames, 32)
    assert model.input_details[0]["shape"].tolist() == [1, 1760]
    with pytest.raises(ModelError, match="cannot allocate tensors for input shape"):
        model(np.zeros((1, 100), np.float32))
    # still usable after the failed allocation
    assert model(np.zeros((1, 512), np.float32)).shape == (1, 1, 1, 32)


def test_output_selection_by_index_and_name():
    name = TFLiteModel(EMB).output_details[0]["name"]
    x = np.zeros((1, 76, 32, 1), np.float32)
    a = TFLiteModel(EMB, output=0)(x)
    b = TFLiteModel(EMB, output=name)(x)
    np.testing.assert_array_equal(a, b)
    with pytest.raises(ModelError, match="has no output named 'nope'"):
        TFLiteModel(EMB, output="nope").load()
    with pytest.raises(ModelError, match="output=3 is out of range"):
        TFLiteModel(EMB, output=3).load()


def test_missing_file(tmp_path):
    with pytest.raises(ModelError, match="does not exist"):
        TFLiteModel(tmp_path / "absent.tflite").load()


def test_non_tflite_file_is_rejected_before_the_interpreter(tmp_path):
    path = tmp_path / "model.tflite"
    path.write_bytes(b"\x08\x01\x12\x04onnx-model-bytes")  # an ONNX-like protobuf
    with pytest.raises(ModelError, match=r"is not a TFLite model: bytes 4\.\.8"):
        TFLiteModel(path).load()
    short = tmp_path / "short.tflite"
    short.write_bytes(b"TF")
    with pytest.raises(ModelError, match="is not a TFLite model"):
        TFLiteModel(short)(np.zeros(1))


def test_truncated_tflite_file(tmp_path):
    path = tmp_path / "cut.tflite"
    path.write_bytes(open(EMB, "rb").read()[:4096])
    with pytest.raises(ModelError, match="cannot load it"):
        TFLiteModel(path).load()


def test_shape_mismatch_names_the_expected_shape():
    model = TFLiteModel(EMB)
    with pytest.raises(ModelError, match=r"takes input of shape \(any, 76, 32, 1\) but x has shape \(1, 75, 32, 1\)"):
        model(np.zeros((1, 75, 32, 1), np.float32))
    with pytest.raises(ModelError, match="takes input of shape"):
        model(np.zeros((76, 32, 1), np.float32))


def test_backend_is_chosen_by_rule_and_logged(caplog):
    assert select_backend("auto")[0] == "litert"
    with pytest.raises(InputError):
        select_backend("onnx")
    with caplog.at_level(logging.DEBUG, logger="edgeadapt.embed.tflite"):
        model = TFLiteModel(EMB).load()
    assert model.backend == "litert"
    assert "TFLite backend litert selected" in caplog.text
    try:
        import tflite_runtime  # noqa: F401
    except ImportError:
        with pytest.raises(ImportError, match="tflite_runtime"):
            TFLiteModel(EMB, backend="tflite_runtime").load()
    with pytest.raises(InputError, match="num_threads must be a positive integer"):
        TFLiteModel(EMB, num_threads=0).load()


@pytest.mark.parametrize("dtype", [np.int8, np.uint8])
def test_quantized_model_quantizes_inputs_and_dequantizes_outputs(tmp_path, dtype):
    path = tmp_path / f"add_{np.dtype(dtype).name}.tflite"
    path.write_bytes(build_add_model(dtype))
    model = TFLiteModel(path)
    detail = model.input_details[0]
    assert detail["dtype"] == dtype
    in_scale, in_zp = detail["quantization"]
    out_scale, out_zp = model.output_details[0]["quantization"]
    assert np.isclose(in_scale, INPUT_QUANT[0]) and np.isclose(out_scale, OUTPUT_QUANT[0])
    info = np.iinfo(dtype)
    x = np.array([[0.0, 0.52, -1.23, 2.0], [0.1, -0.07, 6.1, -5.9]], np.float32)
    y = model(x)
    assert y.dtype == np.float32 and y.shape == (2, 4)
    # reference from the model's own parameters: quantize, add in real numbers, requantize
    xq = np.clip(np.round(x / in_scale + in_zp), info.min, info.max)
    real = 2 * (xq - in_zp) * in_scale
    yq = np.clip(np.round(real / out_scale + out_zp), info.min, info.max)
    np.testing.assert_allclose(y, (yq - out_zp) * out_scale, atol=out_scale * 1.01)
    # saturation: beyond the input range the output clips instead of wrapping
    big = model(np.full((1, 4), 100.0, np.float32))
    np.testing.assert_allclose(big, np.full((1, 4), 2 * (info.max - in_zp) * in_scale).clip(max=(info.max - out_zp) * out_scale), atol=out_scale * 1.01)
    # raw integers of the model's dtype pass through unchanged
    raw = np.array([[in_zp, in_zp + 10, in_zp - 10, in_zp + 1]], dtype)
    np.testing.assert_allclose(model(raw), [[0.0, 1.0, -1.0, 0.1]], atol=out_scale * 1.01)
    with pytest.raises(InputError, match="quantized input"):
        model(np.zeros((1, 4), np.int32))
