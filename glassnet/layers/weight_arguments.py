"""The arguments of ``Layer.add_weight`` in Keras 3's spelling, Keras 2's, and glassnet's older one.

* Keras 3: ``add_weight(shape=None, initializer=None, dtype=None, trainable=True, autocast=True,
  regularizer=None, constraint=None, aggregation="none", overwrite_with_gradient=False, name=None)``,
  at most ``shape, initializer, dtype`` by position;
* Keras 2: ``add_weight(name, shape, dtype, initializer, regularizer, trainable, constraint, ...)``, the
  name first, which Keras 3 refuses but old tutorials use: recognised by a string first argument;
* glassnet before: ``add_weight(shape, initializer, dtype, trainable, regularizer, name, constraint)``.

:func:`weight_arguments` turns any of them into one dict of keyword arguments.
"""

from __future__ import annotations

import math
from typing import Any

from .. import constraints as _constraints
from .. import initializers as _initializers
from .. import regularizers as _regularizers
from ..backend import xp
from ..engine.allocation import readable_memory, reserve_weight
from ..engine.tensor import Variable
from .input_spec import _checked_shape

_KERAS2_ORDER = ("name", "shape", "dtype", "initializer", "regularizer", "trainable", "constraint")
# Keras 3 takes shape, initializer, dtype by position; the rest keeps glassnet's older order, so old calls work.
_POSITIONAL_ORDER = ("shape", "initializer", "dtype", "trainable", "regularizer", "name", "constraint")
# Keras 2 (tf.keras) keywords with no meaning here (TensorFlow resource variables, partitioning): accepted, unused.
_KERAS2_ONLY = {"use_resource", "synchronization", "partitioner", "getter", "caching_device", "experimental_autocast"}
_AGGREGATIONS = (None, "none", "mean", "sum", "only_first_replica")


def weight_arguments(owner: str, args: tuple[Any, ...], given: dict[str, Any], legacy: dict[str, Any]) -> dict[str, Any]:
    """``add_weight``'s arguments as keywords, defaults filled in as Keras does.

    Parameters
    ----------
    owner : str
        ``"layer 'dense'"``, for messages.
    args : tuple
        The positional arguments.
    given : dict
        The keyword arguments of Keras 3's signature (``None`` where not given).
    legacy : dict
        Other keywords: Keras 2's TensorFlow-only ones are dropped, anything else is refused.

    Returns
    -------
    dict
        ``shape`` (tuple), ``initializer``, ``dtype``, ``trainable``, ``regularizer``, ``constraint``, ``name``.
    """
    unknown = sorted(set(legacy) - _KERAS2_ONLY)
    if unknown:
        raise TypeError(f"{owner}: add_weight() got unexpected keyword argument(s) {unknown}")
    order = _KERAS2_ORDER if args and isinstance(args[0], str) else _POSITIONAL_ORDER
    if len(args) > len(order):
        raise TypeError(f"{owner}: add_weight() takes at most {len(order)} positional arguments, got {len(args)}")
    values = dict(given)
    for key, value in zip(order, args):
        if values.get(key) is not None and key != "trainable":
            raise TypeError(f"{owner}: add_weight() got '{key}' both by position and as a keyword")
        values[key] = value
    if values["aggregation"] not in _AGGREGATIONS:
        raise ValueError(f"{owner}: add_weight(aggregation={values['aggregation']!r}) must be one of "
                         f"{list(_AGGREGATIONS)}")
    if values["overwrite_with_gradient"]:
        raise NotImplementedError(f"{owner}: add_weight(overwrite_with_gradient=True) serves float8 training, "
                                  "which glassnet does not have")
    dtype = values["dtype"]
    initializer = values["initializer"]
    if initializer is None:  # Keras: glorot_uniform for floating-point weights, zeros for integers and booleans
        floating = dtype is None or xp.dtype(dtype).kind == "f"
        initializer = "glorot_uniform" if floating else "zeros"
    shape = values["shape"]
    return {"shape": () if shape is None else shape, "initializer": initializer, "dtype": dtype,
            "trainable": True if values["trainable"] is None else bool(values["trainable"]),
            "regularizer": values["regularizer"], "constraint": values["constraint"], "name": values["name"]}


def new_weight(layer_name: str, dtype: Any, kw: dict[str, Any]) -> Variable:
    """A weight of layer ``layer_name`` from :func:`weight_arguments`'s dict (not yet tracked by the layer)."""
    name = kw["name"]
    owner = f"layer '{layer_name}', weight '{name or '?'}'"
    shape = _checked_shape(kw["shape"], owner)
    init = _initializers.get(kw["initializer"])
    # Sized before it is allocated: an absurd shape (or one a loaded file cannot fill) is refused by name.
    reserve_weight(shape, dtype, owner)
    try:
        value = init(shape, dtype=dtype)
    except MemoryError as err:
        raise MemoryError(f"{owner}: not enough memory for a weight of shape {shape} "
                          f"({readable_memory(math.prod(shape) * xp.dtype(dtype).itemsize)})") from err
    var = Variable(value, trainable=kw["trainable"], name=name, dtype=dtype)
    var.path = f"{layer_name}/{name}" if name else layer_name
    var.regularizer = _regularizers.get(kw["regularizer"])
    var.constraint = _constraints.get(kw["constraint"])
    return var
