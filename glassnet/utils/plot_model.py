"""``plot_model`` and ``model_to_dot``: draw a model's layer graph with pydot and Graphviz, as Keras does.

Each layer is one box (a shared layer once, with all its connections); an edge goes from the layer
that makes a tensor to every layer that takes it. A nested model is one box, or with
``expand_nested=True`` a dashed cluster holding its own graph. A subclassed model (no graph to
read) is drawn as a single box, as in Keras.

pydot (``pip install pydot``) builds the graph; Graphviz's ``dot`` program (a system package:
``apt-get install graphviz``, ``brew install graphviz``, ``conda install graphviz``) renders it.
"""

from __future__ import annotations

import html
import os
import shutil
import sys
from typing import Any

_PYDOT_MISSING = "You must install pydot (`pip install pydot`) for model_to_dot / plot_model to work."
_DOT_MISSING = ("plot_model needs Graphviz's `dot` program, which was not found on the PATH. Install Graphviz "
                "(Debian/Ubuntu: `apt-get install graphviz`; macOS: `brew install graphviz`; conda: "
                "`conda install graphviz`; others: https://graphviz.org/download/), then try again. "
                "model_to_dot(model) works without it.")


def _pydot() -> Any:
    try:
        import pydot
    except ImportError as err:
        raise ImportError(_PYDOT_MISSING) from err
    return pydot


def _check_graphviz() -> None:
    if shutil.which("dot") is None:
        raise ImportError(_DOT_MISSING)


# -- labels ---------------------------------------------------------------------------------------
def _shape_text(shape: Any) -> str:
    if shape is None:
        return "?"
    if isinstance(shape, (list, tuple)) and shape and all(isinstance(s, (list, tuple)) for s in shape):
        return ", ".join(_shape_text(s) for s in shape)
    return "(" + ", ".join("None" if n is None else str(n) for n in shape) + ("," if len(shape) == 1 else "") + ")"


def _activation_name(layer: Any) -> str | None:
    fn = getattr(layer, "activation", None)
    if fn is None or not callable(fn):
        return None
    from .. import activations

    try:
        return str(activations.serialize(fn))
    except Exception:  # a custom function: its own name is the best description
        return getattr(fn, "__name__", type(fn).__name__)


def _label(layer: Any, shapes: tuple[list[Any], list[Any], list[Any]], options: dict[str, Any]) -> str:
    """An HTML-like Graphviz label: name and class, then the rows the options ask for."""
    in_shapes, out_shapes, dtypes = shapes
    class_name = html.escape(type(layer).__name__)
    title = (f"<b>{html.escape(layer.name)}</b> ({class_name})" if options["show_layer_names"]
             else f"<b>{class_name}</b>")
    rows = [title]
    if options["show_layer_activations"]:
        name = _activation_name(layer)
        if name is not None:
            rows.append(f"Activation: {html.escape(name)}")
    if options["show_dtype"]:
        rows.append("Output dtype: " + html.escape(", ".join(dtypes) or "?"))
    if options["show_shapes"]:
        if in_shapes:  # an InputLayer has none: only its output shape is shown
            rows.append("Input shape: " + html.escape(_shape_text(in_shapes)))
        rows.append("Output shape: " + html.escape(_shape_text(out_shapes) if out_shapes else "?"))
    if options["show_trainable"]:
        rows.append(f"Trainable: {'yes' if layer.trainable else 'no'}")
    cells = "".join(f'<tr><td align="center" border="0">{row}</td></tr>' for row in rows)
    return f'<<table border="0" cellborder="0" cellpadding="2">{cells}</table>>'


def _shapes_of_node(node: Any) -> tuple[list[Any], list[Any], list[Any]]:
    ins = [p.shape for p in node.parents]
    outs = [t.shape for t in node.outputs if hasattr(t, "shape")]
    dtypes = [str(t.dtype) for t in node.outputs if hasattr(t, "dtype")]
    if len(ins) == 1:
        ins = ins[0]
    if len(outs) == 1:
        outs = outs[0]
    return ins, outs, dtypes


# -- the graph ------------------------------------------------------------------------------------
class _Drawer:
    """Adds a model's layers and edges to a pydot graph; returns each model's entry and exit boxes."""

    def __init__(self, pydot: Any, options: dict[str, Any]) -> None:
        self.pydot, self.options = pydot, options
        self.edges: set[tuple[str, str]] = set()
        self.drawn: dict[int, tuple[list[str], list[str]]] = {}

    def edge(self, graph: Any, src: str, dst: str) -> None:
        if (src, dst) not in self.edges:
            self.edges.add((src, dst))
            graph.add_edge(self.pydot.Edge(src, dst))

    def box(self, graph: Any, layer: Any, node: Any) -> tuple[list[str], list[str]]:
        """One layer: a box, or (a model with ``expand_nested``) a cluster with its graph inside."""
        if id(layer) in self.drawn:
            return self.drawn[id(layer)]
        from ..models.functional import Functional
        from ..models.sequential import Sequential

        if self.options["expand_nested"] and isinstance(layer, (Functional, Sequential)):
            cluster = self.pydot.Cluster(str(id(layer)), label=html.escape(layer.name), style="dashed")
            ends = self.model(cluster, layer)
            graph.add_subgraph(cluster)
        else:
            name = str(id(layer))
            shapes = _shapes_of_node(node) if node is not None else ([], [], [])
            graph.add_node(self.pydot.Node(name, label=_label(layer, shapes, self.options)))
            ends = ([name], [name])
        self.drawn[id(layer)] = ends
        return ends

    def model(self, graph: Any, model: Any) -> tuple[list[str], list[str]]:
        """Draw ``model``'s graph into ``graph``; return the boxes its inputs enter and its outputs leave."""
        from ..models.functional import Functional
        from ..models.sequential import Sequential

        if isinstance(model, Sequential):
            return self._sequential(graph, model)
        if not isinstance(model, Functional):  # subclassed: no graph to read, one box (as Keras)
            return self.box(graph, model, None)
        for node in model._nodes:
            ins, _ = self.box(graph, node.layer, node)
            for position, parent in enumerate(node.parents):
                _, outs = self.box(graph, parent.node.layer, parent.node)
                # An expanded nested model has several entry/exit boxes: match them by position.
                src = outs[parent.index] if 1 < len(outs) and parent.index < len(outs) else outs[0]
                targets = [ins[position]] if 1 < len(ins) == len(node.parents) else ins
                for dst in targets:
                    self.edge(graph, src, dst)
        entries = [self.drawn[id(t.node.layer)][0][0] for t in model.inputs]
        exits = [self.drawn[id(t.node.layer)][1][min(t.index, len(self.drawn[id(t.node.layer)][1]) - 1)]
                 for t in model.outputs]
        return entries, exits

    def _sequential(self, graph: Any, model: Any) -> tuple[list[str], list[str]]:
        previous: list[str] = []
        first: list[str] = []
        for layer in model.layers:
            node = layer._inbound_nodes[-1] if getattr(layer, "_inbound_nodes", None) else None
            ins, outs = self.box(graph, layer, node)
            for src in previous:
                for dst in ins[:1]:
                    self.edge(graph, src, dst)
            first = first or ins
            previous = outs
        return first, previous


def model_to_dot(model: Any, show_shapes: bool = False, show_dtype: bool = False, show_layer_names: bool = True,
                 rankdir: str = "TB", expand_nested: bool = False, dpi: int = 200, subgraph: bool = False,
                 show_layer_activations: bool = False, show_trainable: bool = False, **kwargs: Any) -> Any:
    """The model's layer graph as a ``pydot.Dot`` (no Graphviz program needed).

    Parameters
    ----------
    model : Model
        A Functional or Sequential model (a subclassed one is drawn as one box).
    show_shapes, show_dtype, show_layer_names, show_layer_activations, show_trainable : bool
        What each box shows besides the layer's class.
    rankdir : {"TB", "LR"}
        Top to bottom, or left to right (Graphviz also takes "BT", "RL").
    expand_nested : bool
        Draw nested models' own layers inside a dashed cluster.
    dpi : int
        Resolution of a rendered image.
    subgraph : bool
        Return a ``pydot.Cluster`` instead of a ``pydot.Dot`` (Keras' argument).
    """
    if kwargs:
        raise TypeError(f"model_to_dot: unexpected keyword argument(s) {', '.join(sorted(kwargs))}")
    if rankdir not in ("TB", "LR", "BT", "RL"):
        raise ValueError(f"model_to_dot: rankdir must be 'TB', 'LR', 'BT' or 'RL', got {rankdir!r}")
    if not getattr(model, "built", False):
        raise ValueError("This model has not yet been built. Build the model first by calling `build()` or by "
                         "calling the model on a batch of data.")
    pydot = _pydot()
    if subgraph:
        dot = pydot.Cluster(style="dashed", graph_name=model.name, label=model.name)
    else:
        dot = pydot.Dot()
        dot.set("rankdir", rankdir)
        dot.set("concentrate", True)
        dot.set("dpi", dpi)
        dot.set_node_defaults(shape="record", fontname="Helvetica")
    options = {"show_shapes": show_shapes, "show_dtype": show_dtype, "show_layer_names": show_layer_names,
               "show_layer_activations": show_layer_activations, "show_trainable": show_trainable,
               "expand_nested": expand_nested}
    _Drawer(pydot, options).model(dot, model)
    return dot


def plot_model(model: Any, to_file: str = "model.png", show_shapes: bool = False, show_dtype: bool = False,
               show_layer_names: bool = True, rankdir: str = "TB", expand_nested: bool = False, dpi: int = 200,
               show_layer_activations: bool = False, show_trainable: bool = False, **kwargs: Any) -> Any:
    """Draw the model's layer graph to ``to_file`` (``.png``, ``.svg``, ``.pdf``, ``.dot``...).

    The arguments are :func:`model_to_dot`'s. In IPython/Jupyter the image is returned for
    display (not for ``.pdf``), as in Keras.

    Raises
    ------
    ImportError
        When pydot, or Graphviz's ``dot`` program, is missing, saying how to install it.
    """
    layer_range = kwargs.pop("layer_range", None)
    if layer_range is not None:
        raise ValueError("plot_model: layer_range is not supported by glassnet; draw the whole model")
    _pydot()
    _check_graphviz()
    dot = model_to_dot(model, show_shapes=show_shapes, show_dtype=show_dtype, show_layer_names=show_layer_names,
                       rankdir=rankdir, expand_nested=expand_nested, dpi=dpi,
                       show_layer_activations=show_layer_activations, show_trainable=show_trainable, **kwargs)
    to_file = os.fspath(to_file)
    extension = os.path.splitext(to_file)[1][1:] or "png"
    directory = os.path.dirname(to_file)
    if directory:
        os.makedirs(directory, exist_ok=True)
    if extension == "dot":
        dot.write(to_file, format="raw")
    else:
        dot.write(to_file, format=extension)
    if extension not in ("pdf", "dot"):
        try:
            if "ipykernel" in sys.modules:
                from IPython import display

                return display.Image(filename=to_file)
        except ImportError:
            pass
    return None
