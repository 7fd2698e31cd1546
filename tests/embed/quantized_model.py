"""Build a real, tiny quantized TFLite model (int8 or uint8 ADD) with the TFLite schema.

No quantized .tflite ships with any installed package (checked: only pyopen_wakeword's
float models are on the machine), and TensorFlow's converter is not installed, so the
test writes one with the flatbuffer schema that LiteRT ships (``schema_py_generated``).
The model computes ``y = x + x`` on a quantized tensor of shape (-1, 4): LiteRT's own
int8/uint8 ADD kernel does the requantization, so the model really runs quantized.
"""

from __future__ import annotations

import flatbuffers
import numpy as np
from ai_edge_litert import schema_py_generated as s

#: Quantization parameters (scale, zero point) of the test models' input and output.
INPUT_QUANT = (0.05, -3)
OUTPUT_QUANT = (0.1, 5)
FEATURES = 4


def _tensor(name: str, buffer: int, ttype: int, quant: tuple[float, int]) -> s.TensorT:
    t = s.TensorT()
    t.shape = [1, FEATURES]
    t.shapeSignature = [-1, FEATURES]
    t.type = ttype
    t.buffer = buffer
    t.name = name
    q = s.QuantizationParametersT()
    q.scale = [quant[0]]
    q.zeroPoint = [quant[1]]
    t.quantization = q
    return t


def build_add_model(dtype: type) -> bytes:
    """Serialized TFLite model ``y = x + x`` with int8 or uint8 tensors."""
    ttype = {np.int8: s.TensorType.INT8, np.uint8: s.TensorType.UINT8}[dtype]
    zp_shift = 0 if dtype is np.int8 else 128  # uint8 zero points sit 128 higher
    code = s.OperatorCodeT()
    code.builtinCode = s.BuiltinOperator.ADD
    code.deprecatedBuiltinCode = s.BuiltinOperator.ADD
    code.version = 2
    op = s.OperatorT()
    op.opcodeIndex = 0
    op.inputs = [0, 0]
    op.outputs = [1]
    op.builtinOptionsType = s.BuiltinOptions.AddOptions
    op.builtinOptions = s.AddOptionsT()
    sub = s.SubGraphT()
    sub.tensors = [
        _tensor("x", 1, ttype, (INPUT_QUANT[0], INPUT_QUANT[1] + zp_shift)),
        _tensor("y", 2, ttype, (OUTPUT_QUANT[0], OUTPUT_QUANT[1] + zp_shift)),
    ]
    sub.inputs = [0]
    sub.outputs = [1]
    sub.operators = [op]
    sub.name = "main"
    model = s.ModelT()
    model.version = 3
    model.operatorCodes = [code]
    model.subgraphs = [sub]
    model.description = "edgeadapt test: quantized y = x + x"
    model.buffers = [s.BufferT(), s.BufferT(), s.BufferT()]
    b = flatbuffers.Builder(1024)
    b.Finish(model.Pack(b), file_identifier=b"TFL3")
    return bytes(b.Output())
