"""plot_model / model_to_dot through pydot and Graphviz: graphs, labels, files, and the missing-tool messages."""

from __future__ import annotations

import builtins
import shutil
import sys

import numpy as np
import pytest

import glassnet as keras

pydot = pytest.importorskip("pydot")
needs_dot = pytest.mark.skipif(shutil.which("dot") is None, reason="Graphviz's dot is not installed")


def two_in_two_out():
    a, b = keras.Input((3,), name="a"), keras.Input((2,), name="b")
    inner = keras.Sequential([keras.Input((5,)), keras.layers.Dense(4, activation="relu", name="hidden"),
                              keras.layers.Dense(2, name="proj")], name="inner")
    joined = keras.layers.Concatenate(name="join")([a, b])
    out1 = keras.layers.Dense(1, name="out1")(inner(joined))
    out2 = keras.layers.Dense(1, activation="sigmoid", name="out2")(joined)
    return keras.Model([a, b], [out1, out2]), inner


def edges_by_name(dot):
    names = {}
    def collect(graph):
        for node in graph.get_nodes():
            label = node.get_label() or ""
            if "<b>" in label:
                names[node.get_name()] = label.split("<b>")[1].split("</b>")[0]
        for sub in graph.get_subgraphs():
            collect(sub)
    collect(dot)
    edges = []
    def walk(graph):
        for e in graph.get_edges():
            edges.append((names[str(e.get_source())], names[str(e.get_destination())]))
        for sub in graph.get_subgraphs():
            walk(sub)
    walk(dot)
    return set(names.values()), set(edges)


def test_functional_graph_with_several_inputs_and_outputs():
    model, _ = two_in_two_out()
    names, edges = edges_by_name(keras.utils.model_to_dot(model))
    assert names == {"a", "b", "join", "inner", "out1", "out2"}
    assert edges == {("a", "join"), ("b", "join"), ("join", "inner"), ("inner", "out1"), ("join", "out2")}


def test_expand_nested_draws_the_inner_layers_in_a_cluster():
    model, _ = two_in_two_out()
    dot = keras.utils.model_to_dot(model, expand_nested=True)
    names, edges = edges_by_name(dot)
    assert "inner" not in names and {"hidden", "proj"} <= names
    assert {("join", "hidden"), ("hidden", "proj"), ("proj", "out1")} <= edges
    assert len(dot.get_subgraphs()) == 1 and dot.get_subgraphs()[0].get_label() == "inner"


def test_sequential_chain_and_label_options():
    model = keras.Sequential([keras.Input((4,)), keras.layers.Dense(3, activation="tanh", name="d1"),
                              keras.layers.Dense(1, name="d2")])
    model.layers[1].trainable = False
    dot = keras.utils.model_to_dot(model, show_shapes=True, show_dtype=True, show_layer_activations=True,
                                   show_trainable=True, rankdir="LR", dpi=96)
    _, edges = edges_by_name(dot)
    assert edges == {("d1", "d2")}
    text = dot.to_string()
    for piece in ["Output shape: (None, 3)", "Input shape: (None, 4)", "Activation: tanh", "Output dtype: float32",
                  "Trainable: no", "Trainable: yes", "rankdir=LR", "dpi=96"]:
        assert piece in text
    plain = keras.utils.model_to_dot(model, show_layer_names=False).to_string()
    assert "d1" not in plain and "<b>Dense</b>" in plain


def test_subclassed_model_is_one_box_and_unbuilt_models_are_refused():
    class Net(keras.Model):
        def __init__(self):
            super().__init__()
            self.d = keras.layers.Dense(1)

        def call(self, x):
            return self.d(x)

    net = Net()
    with pytest.raises(ValueError, match="not yet been built"):
        keras.utils.model_to_dot(net)
    net(np.ones((1, 2), "float32"))
    assert len(keras.utils.model_to_dot(net).get_nodes()) == 2  # the defaults "node" entry and the model


def test_bad_rankdir():
    model, _ = two_in_two_out()
    with pytest.raises(ValueError, match="rankdir"):
        keras.utils.model_to_dot(model, rankdir="UP")


@needs_dot
@pytest.mark.parametrize("name", ["model.png", "model.svg", "model.dot"])
def test_plot_model_writes_the_file(tmp_path, name, monkeypatch):
    monkeypatch.delitem(sys.modules, "ipykernel", raising=False)  # outside Jupyter nothing is returned
    model, _ = two_in_two_out()
    assert keras.utils.plot_model(model, to_file=str(tmp_path / name), show_shapes=True, expand_nested=True) is None
    data = (tmp_path / name).read_bytes()
    assert data.startswith(b"\x89PNG") if name.endswith("png") else b"out1" in data


@needs_dot
def test_in_jupyter_the_image_is_returned_for_display(tmp_path, monkeypatch):
    display = pytest.importorskip("IPython.display")
    monkeypatch.setitem(sys.modules, "ipykernel", sys.modules.get("ipykernel") or object())
    image = keras.utils.plot_model(two_in_two_out()[0], to_file=str(tmp_path / "m.png"), dpi=50)
    assert isinstance(image, display.Image) and image.data.startswith(b"\x89PNG")


def test_missing_graphviz_says_how_to_install_it(monkeypatch, tmp_path):
    model, _ = two_in_two_out()
    monkeypatch.setattr(shutil, "which", lambda prog: None)
    with pytest.raises(ImportError, match="apt-get install graphviz"):
        keras.utils.plot_model(model, to_file=str(tmp_path / "m.png"))
    assert not (tmp_path / "m.png").exists()


def test_missing_pydot_says_pip_install_pydot(monkeypatch):
    model, _ = two_in_two_out()
    real_import = builtins.__import__

    def no_pydot(name, *args, **kwargs):
        if name == "pydot":
            raise ImportError("No module named 'pydot'")
        return real_import(name, *args, **kwargs)

    monkeypatch.setattr(builtins, "__import__", no_pydot)
    with pytest.raises(ImportError, match="pip install pydot"):
        keras.utils.model_to_dot(model)
    with pytest.raises(ImportError, match="pip install pydot"):
        keras.utils.plot_model(model)
