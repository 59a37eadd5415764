"""Export a model to ONNX, for onnxruntime and the other ONNX runtimes.

>>> import glassnet as keras                                       # doctest: +SKIP
>>> model.export("model.onnx", format="onnx")                      # doctest: +SKIP
>>> import onnxruntime as ort                                      # doctest: +SKIP
>>> session = ort.InferenceSession("model.onnx")                   # doctest: +SKIP
>>> session.run(None, {session.get_inputs()[0].name: x})[0]        # doctest: +SKIP

The graph is the inference graph: Dropout is an identity, BatchNormalization uses its moving
statistics.  Sequential and Functional models (several inputs and outputs, nested models) export;
subclassed models have no graph to read.  Needs the ``onnx`` package: ``pip install glassnet[onnx]``.

Layers exported (opset 17 by default): Dense and Activation with every glassnet activation, ReLU,
LeakyReLU, ELU, PReLU, Softmax, Dropout (identity), BatchNormalization (inference), LayerNormalization,
Rescaling, Flatten, Reshape, Embedding (Gather), Add/Subtract/Multiply/Average/Maximum/Minimum/
Concatenate; Conv1D/Conv2D (valid, same, causal; strides, dilation), Conv2DTranspose,
Max/AveragePooling1D/2D, GlobalMax/AveragePooling1D/2D, ZeroPadding2D, Cropping2D, UpSampling2D
(nearest); SimpleRNN, LSTM, GRU (ONNX's RNN/LSTM/GRU ops), Bidirectional, TimeDistributed; nested
models.  Anything else raises :class:`UnsupportedLayerError` naming the layer.
"""

from __future__ import annotations

import os
from typing import Any

import numpy as np

from .graph import GraphBuilder, UnsupportedLayerError, emit_model

__all__ = ["DEFAULT_OPSET", "UnsupportedLayerError", "export", "to_onnx"]

DEFAULT_OPSET = 17


def _require_onnx() -> Any:
    try:
        import onnx
    except ImportError as err:
        raise ImportError("glassnet.onnx needs the onnx package: pip install onnx (or glassnet[onnx]); "
                          "onnxruntime runs the exported file") from err
    return onnx


def _model_dtype(model: Any) -> np.dtype:
    for w in model.weights:
        dtype = np.asarray(w.numpy()).dtype
        if dtype.kind == "f":
            return dtype
    return np.dtype(np.float32)


def _value_info(helper: Any, name: str, tensor: Any, dtype: np.dtype) -> Any:
    dims = ["batch" if i == 0 or n is None else int(n) for i, n in enumerate(tensor.shape)]
    return helper.make_tensor_value_info(name, helper.np_dtype_to_tensor_dtype(dtype), dims)


def to_onnx(model: Any, opset: int = DEFAULT_OPSET) -> Any:
    """Build the ``onnx.ModelProto`` of ``model`` (see :func:`export`)."""
    onnx = _require_onnx()
    from onnx import helper

    from ..models import Functional, Sequential
    from . import conv, core, recurrent  # noqa: F401  (importing them registers the converters)

    if not isinstance(model, (Functional, Sequential)):
        raise UnsupportedLayerError(f"glassnet.onnx.export: model '{model.name}' is a subclassed model "
                                    f"({type(model).__name__}): its call() is Python code with no graph of layer "
                                    "calls to export; build it with the Functional API or as a Sequential")
    if not getattr(model, "built", False) or not getattr(model, "inputs", None):
        raise ValueError(f"glassnet.onnx.export: model '{model.name}' has no input shape yet; build it (call it "
                         "on data, or start it with keras.Input) before exporting")
    dtype = _model_dtype(model)
    b = GraphBuilder(dtype)
    in_names = list(getattr(model, "input_names", None) or [t.name for t in model.inputs])
    out_names = list(getattr(model, "output_names", None) or [])
    if len(out_names) != len(model.outputs) or len(set(out_names)) != len(out_names):
        out_names = [f"output_{i}" for i in range(len(model.outputs))]
    for n in in_names:
        b.reserve(n)
    outputs = emit_model(b, model, in_names)
    for produced, wanted in zip(outputs, out_names):
        if produced in in_names:  # an input passed straight through still needs a node to rename it
            b.op("Identity", [produced], wanted, out=[wanted])
        else:
            b.reserve(wanted)
            for n in b.nodes:  # rename the producing node's output to the model's output name
                for i, o in enumerate(n.output):
                    if o == produced:
                        n.output[i] = wanted
                for i, o in enumerate(n.input):
                    if o == produced:
                        n.input[i] = wanted
    inputs = []
    for t, n in zip(model.inputs, in_names):
        kind = np.dtype(t.dtype) if np.dtype(t.dtype).kind in "iub" else dtype
        inputs.append(_value_info(helper, n, t, kind))
    graph_outputs = [_value_info(helper, n, t, dtype) for t, n in zip(model.outputs, out_names)]
    graph = helper.make_graph(b.nodes, model.name, inputs, graph_outputs, b.initializers)
    proto = helper.make_model(graph, opset_imports=[helper.make_opsetid("", opset)], producer_name="glassnet")
    from .. import __version__

    proto.producer_version = __version__
    onnx.checker.check_model(proto)
    return proto


def export(model: Any, filepath: str | os.PathLike, opset: int = DEFAULT_OPSET, verbose: bool = False) -> str:
    """Write ``model`` as an ONNX file.

    Parameters
    ----------
    model : Model
        A built Sequential or Functional model.
    filepath : str or path-like
        Where to write the ``.onnx`` file.
    opset : int
        The ONNX operator set (17 by default; 14 or later).
    verbose : bool
        Print where the file went.

    Returns
    -------
    str
        The path written.

    Raises
    ------
    UnsupportedLayerError
        A layer, or a layer option, that has no ONNX form here; the message names the layer.
    ImportError
        The ``onnx`` package is missing.
    """
    proto = to_onnx(model, opset)
    path = os.fspath(filepath)
    with open(path, "wb") as f:
        f.write(proto.SerializeToString())
    if verbose:
        print(f"Saved ONNX model to {path} (opset {opset})")
    return path
