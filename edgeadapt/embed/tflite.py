"""Run any TensorFlow Lite model from numpy: one adapter over LiteRT.

:class:`TFLiteModel` hides the interpreter: it checks the file, resizes dynamic inputs,
quantizes float inputs for int8/uint8 models and dequantizes their outputs with the
model's own parameters, and picks one output tensor by index or name.

Backend rule (never switched silently): ``backend="auto"`` uses LiteRT
(``ai_edge_litert``) when it is installed, and ``tflite_runtime`` only when LiteRT is
not installed; the choice is logged at INFO level on the ``edgeadapt.embed.tflite``
logger and exposed as :attr:`TFLiteModel.backend`. ``backend="litert"`` or
``backend="tflite_runtime"`` asks for one and fails if it is absent.

Examples
--------
>>> import numpy as np
>>> from edgeadapt.embed.speech import default_model_path
>>> model = TFLiteModel(default_model_path("embedding_model.tflite"))
>>> model.input_details[0]["shape_signature"].tolist()
[-1, 76, 32, 1]
>>> model(np.zeros((2, 76, 32, 1), np.float32)).shape
(2, 1, 1, 96)
>>> model.backend
'litert'
"""

from __future__ import annotations

import logging
import os
from typing import Any, Union

import numpy as np

from ..cli_common import native_log_filter
from ..errors import InputError, MissingExtraError, ModelError, missing_extra

__all__ = ["TFLiteModel", "TFLITE_FILE_IDENTIFIER", "BACKENDS", "select_backend"]

logger = logging.getLogger(__name__)

#: The flatbuffer file identifier of a TFLite model, stored at bytes 4..8 of the file.
TFLITE_FILE_IDENTIFIER = b"TFL3"
_IDENTIFIER_OFFSET = 4
_IDENTIFIER_END = _IDENTIFIER_OFFSET + len(TFLITE_FILE_IDENTIFIER)

#: Backend names accepted by :class:`TFLiteModel`, in ``"auto"`` preference order,
#: mapped to the module that provides ``Interpreter``.
BACKENDS = {"litert": "ai_edge_litert.interpreter", "tflite_runtime": "tflite_runtime.interpreter"}

_QUANTIZED_DTYPES = (np.int8, np.uint8, np.int16)

PathLike = Union[str, "os.PathLike[str]"]


def select_backend(backend: str = "auto") -> tuple[str, Any]:
    """Return ``(name, Interpreter class)`` for a backend choice.

    Parameters
    ----------
    backend : {"auto", "litert", "tflite_runtime"}
        ``"auto"`` takes LiteRT when installed, else ``tflite_runtime``.

    Returns
    -------
    tuple of (str, type)

    Examples
    --------
    >>> select_backend("auto")[0]
    'litert'
    >>> select_backend("onnx")
    Traceback (most recent call last):
    ...
    edgeadapt.errors.InputError: backend must be 'auto', 'litert' or 'tflite_runtime', got 'onnx'
    """
    import importlib

    if backend != "auto" and backend not in BACKENDS:
        raise InputError(f"backend must be 'auto', 'litert' or 'tflite_runtime', got {backend!r}")
    names = list(BACKENDS) if backend == "auto" else [backend]
    for name in names:
        try:
            module = importlib.import_module(BACKENDS[name])
        except ImportError:
            continue
        return name, module.Interpreter
    if backend == "tflite_runtime":
        raise MissingExtraError(
            "backend='tflite_runtime' was asked for but the Python package 'tflite_runtime' is not "
            "installed: pip install tflite-runtime, or use backend='auto' (LiteRT)"
        )
    raise missing_extra("ai_edge_litert", "tflite", "running a TFLite model")


def check_tflite_file(path: PathLike) -> str:
    """Check that ``path`` exists and carries the TFLite identifier; return it as str.

    Raises
    ------
    ModelError
        If the file is missing, unreadable or not a TFLite flatbuffer.

    Examples
    --------
    >>> import tempfile, os
    >>> bad = os.path.join(tempfile.mkdtemp(), "model.tflite")
    >>> _ = open(bad, "wb").write(b"PK\\x03\\x04 not a model")
    >>> check_tflite_file(bad)
    Traceback (most recent call last):
    ...
    edgeadapt.errors.ModelError: .../model.tflite is not a TFLite model: bytes 4..8 are b' not', not b'TFL3'; ...
    """
    path = os.fspath(path)
    if not os.path.isfile(path):
        raise ModelError(
            f"TFLite model file {path} does not exist: check the path, or reinstall the "
            "package that ships it"
        )
    try:
        with open(path, "rb") as f:
            head = f.read(_IDENTIFIER_END)
    except OSError as e:
        raise ModelError(f"cannot read TFLite model file {path}: {e}; check its permissions") from e
    ident = head[_IDENTIFIER_OFFSET:_IDENTIFIER_END]
    if ident != TFLITE_FILE_IDENTIFIER:
        raise ModelError(
            f"{path} is not a TFLite model: bytes 4..8 are {ident!r}, not {TFLITE_FILE_IDENTIFIER!r}; "
            "convert the model to .tflite (LiteRT converter) or pass the right file"
        )
    return path


class TFLiteModel:
    """A TFLite model called like a function on a numpy array.

    The interpreter is created on first use (``__init__`` stores arguments only); call
    :meth:`load` to check the file eagerly.

    Parameters
    ----------
    path : str or os.PathLike
        The ``.tflite`` file.
    num_threads : int, default 1
        CPU threads of the interpreter.
    output : int, str or None, default None
        The output tensor returned by ``__call__``: its position in
        :attr:`output_details`, or its name; ``None`` means the first output.
    backend : {"auto", "litert", "tflite_runtime"}, default "auto"
        See the module docstring for the rule.

    Notes
    -----
    The model must have exactly one input. Inputs are matched against the input's
    ``shape_signature``: fixed dimensions must agree, dynamic ones (``-1``) take the
    array's size, and the tensor is resized and re-allocated whenever the shape changes.
    For an int8/uint8/int16 quantized input, a floating array is quantized with the
    tensor's scale and zero point (rounded, saturated); an array already of the tensor's
    dtype is passed unchanged. A quantized output is dequantized to float32.

    Examples
    --------
    >>> import numpy as np
    >>> from edgeadapt.embed.speech import default_model_path
    >>> mel = TFLiteModel(default_model_path("melspectrogram.tflite"))
    >>> mel(np.zeros((1, 1760), np.float32)).shape
    (1, 1, 8, 32)
    >>> mel(np.zeros((1, 16000), np.float32)).shape   # resized on the fly
    (1, 1, 97, 32)
    >>> mel.output_details[0]["name"]
    'PartitionedCall:0'
    """

    def __init__(self, path: PathLike, num_threads: int = 1, output: int | str | None = None,
                 backend: str = "auto") -> None:
        self.path = os.fspath(path)
        self.num_threads = num_threads
        self.output = output
        self.backend_choice = backend
        self._interpreter: Any = None
        self._backend: str | None = None
        self._input_shape: tuple[int, ...] | None = None
        self._output_index: int | None = None

    # -- loading -----------------------------------------------------------------
    def load(self) -> "TFLiteModel":
        """Create the interpreter now (idempotent) and return ``self``.

        Raises
        ------
        ModelError
            Missing file, not a TFLite file, a model the backend rejects, more than one
            input, or an ``output`` that names no output tensor.
        """
        if self._interpreter is not None:
            return self
        if not isinstance(self.num_threads, (int, np.integer)) or self.num_threads < 1:
            raise InputError(f"num_threads must be a positive integer, got {self.num_threads!r}")
        path = check_tflite_file(self.path)
        name, interpreter_cls = select_backend(self.backend_choice)
        rule = "rule 'litert if installed, else tflite_runtime'" if self.backend_choice == "auto" else "request"
        logger.debug("TFLite backend %s selected by %s for %s", name, rule, path)
        try:
            interpreter = interpreter_cls(model_path=path, num_threads=int(self.num_threads))
        except (ValueError, RuntimeError) as e:
            raise ModelError(
                f"{path} has the TFLite identifier but {name} cannot load it ({e}); the file may "
                "be truncated or need a newer runtime: re-download it or upgrade ai-edge-litert"
            ) from e
        inputs = interpreter.get_input_details()
        if len(inputs) != 1:
            raise ModelError(
                f"{path} has {len(inputs)} inputs; TFLiteModel runs single-input models only"
            )
        outputs = interpreter.get_output_details()
        self._output_index = self._resolve_output(outputs, path)
        self._interpreter = interpreter
        self._backend = name
        return self

    def _resolve_output(self, outputs: list[dict], path: str) -> int:
        out = self.output
        if out is None:
            return 0
        if isinstance(out, str):
            names = [d["name"] for d in outputs]
            if out not in names:
                raise ModelError(f"{path} has no output named {out!r}; its outputs are {names}")
            return names.index(out)
        if isinstance(out, (int, np.integer)) and not isinstance(out, bool):
            if not 0 <= out < len(outputs):
                raise ModelError(
                    f"{path} has {len(outputs)} outputs, so output={out} is out of range; "
                    f"use 0..{len(outputs) - 1} or a name from {[d['name'] for d in outputs]}"
                )
            return int(out)
        raise InputError(f"output must be an int index, a tensor name or None, got {out!r}")

    # -- properties --------------------------------------------------------------
    @property
    def backend(self) -> str:
        """Name of the backend in use: ``"litert"`` or ``"tflite_runtime"``."""
        self.load()
        return self._backend  # type: ignore[return-value]

    @property
    def input_details(self) -> list[dict]:
        """The interpreter's input details (name, index, shape, shape_signature, dtype, quantization)."""
        return self.load()._interpreter.get_input_details()

    @property
    def output_details(self) -> list[dict]:
        """The interpreter's output details, in output order."""
        return self.load()._interpreter.get_output_details()

    @property
    def output_index(self) -> int:
        """Position, in :attr:`output_details`, of the output ``__call__`` returns."""
        self.load()
        return self._output_index  # type: ignore[return-value]

    # -- running -----------------------------------------------------------------
    def _prepare(self, x: Any, detail: dict) -> np.ndarray:
        dtype = np.dtype(detail["dtype"])
        scale, zero_point = detail["quantization"]
        arr = np.asarray(x)
        if dtype.type in _QUANTIZED_DTYPES and scale != 0.0:
            if arr.dtype == dtype:
                return np.ascontiguousarray(arr)
            if not np.issubdtype(arr.dtype, np.floating):
                raise InputError(
                    f"x has dtype {arr.dtype} but {self.path} takes {dtype.name} quantized input: "
                    f"pass float values (quantized with scale {scale}, zero point {zero_point}) "
                    f"or an array already of dtype {dtype.name}"
                )
            info = np.iinfo(dtype)
            q = np.round(arr.astype(np.float64) / scale + zero_point)
            return np.ascontiguousarray(np.clip(q, info.min, info.max).astype(dtype))
        try:
            return np.ascontiguousarray(arr, dtype=dtype)
        except (TypeError, ValueError) as e:
            raise InputError(f"x cannot be converted to the model's input dtype {dtype.name}: {e}") from e

    def _check_shape(self, shape: tuple[int, ...], detail: dict) -> None:
        sig = [int(d) for d in detail.get("shape_signature", detail["shape"])]
        ok = len(shape) == len(sig) and all(s == -1 or s == d for s, d in zip(sig, shape))
        if not ok:
            want = "(" + ", ".join("any" if s == -1 else str(s) for s in sig) + ")"
            raise ModelError(
                f"{self.path} takes input of shape {want} but x has shape {tuple(shape)}; "
                "reshape x to match (dimensions shown as 'any' may take any size)"
            )

    def __call__(self, x: Any) -> np.ndarray:
        """Run the model on ``x`` and return the selected output as a new array.

        Parameters
        ----------
        x : array_like
            The input, of a shape the model's input signature accepts.

        Returns
        -------
        numpy.ndarray
            The selected output; float32 if the output tensor is quantized.
        """
        it = self.load()._interpreter
        detail = it.get_input_details()[0]
        arr = self._prepare(x, detail)
        self._check_shape(arr.shape, detail)
        if arr.shape != self._input_shape:
            it.resize_tensor_input(detail["index"], list(arr.shape), strict=False)
            try:
                with native_log_filter():   # LiteRT's C++ "INFO: Created ... delegate" line
                    it.allocate_tensors()
            except (RuntimeError, ValueError) as e:
                self._input_shape = None
                raise ModelError(
                    f"{self.path} cannot allocate tensors for input shape {arr.shape} ({e}); "
                    "use an input size the model supports"
                ) from e
            self._input_shape = arr.shape
        it.set_tensor(detail["index"], arr)
        it.invoke()
        out = it.get_output_details()[self._output_index]
        y = it.get_tensor(out["index"])
        scale, zero_point = out["quantization"]
        if np.dtype(out["dtype"]).type in _QUANTIZED_DTYPES and scale != 0.0:
            return ((y.astype(np.float32) - np.float32(zero_point)) * np.float32(scale)).astype(np.float32)
        return np.array(y, copy=True)

    def __repr__(self) -> str:
        return f"TFLiteModel({self.path!r}, num_threads={self.num_threads}, output={self.output!r})"
