"""``glassnet.serialization``: any object to a config and back, through Keras' public names."""

from __future__ import annotations

import json

import numpy as np
import pytest

import glassnet as keras
from glassnet import layers, serialization
from glassnet.saving import SavedModelError


def test_keras_public_names_round_trip_a_layer():
    dense = layers.Dense(3, activation="relu", name="d")
    entry = keras.layers.serialize(dense)
    assert entry["class_name"] == "Dense" and entry["config"]["units"] == 3
    again = keras.layers.deserialize(json.loads(json.dumps(entry)))
    assert isinstance(again, layers.Dense) and again.get_config() == dense.get_config()
    entry = keras.saving.serialize_keras_object(dense)
    assert keras.saving.deserialize_keras_object(entry).units == 3


def test_built_layers_come_back_built_with_their_shapes():
    dense = layers.Dense(4)
    dense(np.zeros((2, 7), "float32"))
    entry = serialization.serialize(dense)
    assert entry["build_config"] == {"input_shape": (None, 7)}
    again = serialization.deserialize(entry)
    assert again.built and again.kernel.shape == (7, 4)


def test_keras_aliases_resolve():
    entry = {"class_name": "Convolution2D", "config": {"filters": 2, "kernel_size": 3}}
    assert isinstance(serialization.deserialize(entry), layers.Conv2D)


def test_unregistered_custom_class_is_refused_and_registration_finds_it():
    class Scale(layers.Layer):
        def __init__(self, factor=2.0, **kwargs):
            super().__init__(**kwargs)
            self.factor = factor

        def call(self, x):
            return x * self.factor

        def get_config(self):
            return {**super().get_config(), "factor": self.factor}

    entry = serialization.serialize(Scale(3.0, name="s"))
    with pytest.raises(SavedModelError, match="Unknown layer class 'Scale'.*register_keras_serializable"):
        serialization.deserialize(entry)
    assert serialization.deserialize(entry, custom_objects={"Scale": Scale}).factor == 3.0
    assert "Scale" not in keras.saving.get_custom_objects()  # the scope ended with the call
    keras.saving.register_keras_serializable(package="test")(Scale)
    try:
        entry = serialization.serialize(Scale(4.0))
        assert entry["class_name"] == "test>Scale"
        assert serialization.deserialize(entry).factor == 4.0
    finally:
        keras.saving.get_custom_objects().pop("test>Scale")
        keras.saving.get_custom_objects().pop("Scale")


def test_load_model_honours_build_and_compile_config_hooks(tmp_path):
    calls = []

    @keras.saving.register_keras_serializable(package="test_hooks")
    class Hooked(keras.Model):
        def __init__(self, **kwargs):
            super().__init__(**kwargs)
            self.dense = layers.Dense(2)

        def call(self, x):
            return self.dense(x)

        def get_build_config(self):
            return {"features": 5}

        def build_from_config(self, config):
            calls.append(("build", config))
            self(np.zeros((1, config["features"]), "float32"))

        def get_compile_config(self):
            return {"lr": 0.25}

        def compile_from_config(self, config):
            calls.append(("compile", config))
            self.compile(keras.optimizers.SGD(config["lr"]), "mse")

    try:
        model = Hooked()
        model(np.ones((3, 5), "float32"))
        model.compile("sgd", "mse")
        path = tmp_path / "hooked.keras"
        model.save(path)
        loaded = keras.models.load_model(path)
        assert ("build", {"features": 5}) in calls and ("compile", {"lr": 0.25}) in calls
        assert loaded.optimizer.learning_rate == pytest.approx(0.25)
        np.testing.assert_array_equal(loaded.predict(np.ones((3, 5)), verbose=0), model.predict(np.ones((3, 5)),
                                                                                                    verbose=0))
    finally:
        keras.saving.get_custom_objects().pop("test_hooks>Hooked", None)
        keras.saving.get_custom_objects().pop("Hooked", None)


def test_containers_name_their_weight_groups_themselves():
    model = keras.Sequential([keras.Input((3,)), layers.Dense(2), layers.Dense(2), layers.Dropout(0.1)])
    assert [key for key, _ in model._weight_children()] == ["dense", "dense_1", "dropout"]

    class Block(layers.Layer):
        def __init__(self):
            super().__init__()
            self.inner = layers.Dense(1)
            self.parts = [layers.Dense(1), layers.Dense(1)]

    assert [key for key, _ in Block()._weight_children()] == ["inner", "parts_0", "parts_1"]


def test_to_json_is_the_config_and_model_from_json_rebuilds():
    model = keras.Sequential([keras.Input((3,)), layers.Dense(2, name="out")])
    again = keras.models.model_from_json(model.to_json())
    assert [type(layer).__name__ for layer in again.layers] == ["Dense"]
    assert json.loads(model.to_json())["class_name"] == "Sequential"


def test_keras_utils_names_are_the_same_registry():
    assert keras.utils.register_keras_serializable is keras.saving.register_keras_serializable
    assert keras.utils.get_custom_objects() is keras.saving.get_custom_objects()
    with keras.utils.custom_object_scope({"Thing": layers.Dense}):
        assert keras.saving.get_custom_objects()["Thing"] is layers.Dense
    assert "Thing" not in keras.saving.get_custom_objects()
