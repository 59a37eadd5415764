"""The playground's config: every field's check names the field; the URL hash round-trips."""

from __future__ import annotations

import copy

import pytest

from glassnet.playground import DEFAULT_CONFIG, Limits, ProtocolError, from_url_hash, to_url_hash, validate_config

LIMITS = Limits()


def test_the_defaults_are_the_playgrounds_and_valid():
    config = validate_config({}, DEFAULT_CONFIG, LIMITS)
    assert config == DEFAULT_CONFIG
    assert [layer["units"] for layer in config["hidden"]] == [4, 2]
    assert (config["dataset"], config["batch_size"], config["learning_rate"], config["features"]) == \
        ("circle", 10, 0.03, ["x1", "x2"])


def test_a_partial_config_keeps_the_other_fields_and_does_not_touch_current():
    current = copy.deepcopy(DEFAULT_CONFIG)
    config = validate_config({"batch_size": 30, "hidden": [{"units": 8}]}, current, LIMITS)
    assert config["batch_size"] == 30 and config["learning_rate"] == 0.03
    assert config["hidden"] == [{"units": 8, "activation": "tanh", "dropout": 0.0}]  # the default activation
    assert current == DEFAULT_CONFIG


@pytest.mark.parametrize("partial, field", [
    ({"colour": "red"}, "config.colour"),
    ({"dataset": "moons"}, "config.dataset"),
    ({"dataset": "upload"}, "config.dataset"),
    ({"problem": "ranking"}, "config.problem"),
    ({"noise": 55}, "config.noise"),
    ({"noise": "10"}, "config.noise"),
    ({"noise": float("nan")}, "config.noise"),
    ({"train_ratio": 5}, "config.train_ratio"),
    ({"batch_size": 0}, "config.batch_size"),
    ({"batch_size": 31}, "config.batch_size"),
    ({"batch_size": 2.5}, "config.batch_size"),
    ({"batch_size": True}, "config.batch_size"),
    ({"seed": -1}, "config.seed"),
    ({"seed": 2**40}, "config.seed"),
    ({"features": []}, "config.features"),
    ({"features": ["x3"]}, "config.features"),
    ({"features": ["x1", "x1"]}, "config.features"),
    ({"features": "x1"}, "config.features"),
    ({"hidden": [{"units": 4}] * 7}, "config.hidden"),
    ({"hidden": "4,2"}, "config.hidden"),
    ({"hidden": [4]}, "config.hidden[0]"),
    ({"hidden": [{"units": 9}]}, "config.hidden[0].units"),
    ({"hidden": [{"units": 0}]}, "config.hidden[0].units"),
    ({"hidden": [{}]}, "config.hidden[0].units"),
    ({"hidden": [{"units": 2}, {"units": 2, "activation": "gelu"}]}, "config.hidden[1].activation"),
    ({"hidden": [{"units": 2, "dropout": 0.95}]}, "config.hidden[0].dropout"),
    ({"hidden": [{"units": 2, "size": 3}]}, "config.hidden[0]"),
    ({"activation": "softmax"}, "config.activation"),
    ({"learning_rate": 0}, "config.learning_rate"),
    ({"learning_rate": float("inf")}, "config.learning_rate"),
    ({"optimizer": "rmsprop"}, "config.optimizer"),
    ({"regularization": "l3"}, "config.regularization"),
    ({"regularization_rate": -0.1}, "config.regularization_rate"),
    ({"loss": "hinge"}, "config.loss"),
    ({"stop_test_loss": -1}, "config.stop_test_loss"),
    ({"stop_test_loss": "0.05"}, "config.stop_test_loss"),
    ({"discretize": 1}, "config.discretize"),
    ({"show_test_data": "true"}, "config.show_test_data"),
    ({"dataset": "plane", "problem": "classification"}, "config.dataset"),
    ({"problem": "regression", "loss": "crossentropy"}, "config.loss"),
])
def test_each_bad_field_is_refused_by_name(partial, field):
    with pytest.raises(ProtocolError, match=r"^" + field.replace("[", r"\[").replace("]", r"\]") + ":"):
        validate_config(partial, DEFAULT_CONFIG, LIMITS)


def test_limits_are_configurable():
    wide = Limits(max_layers=10, max_neurons=50, max_batch_size=100)
    config = validate_config({"hidden": [{"units": 50}] * 10, "batch_size": 100}, DEFAULT_CONFIG, wide)
    assert len(config["hidden"]) == 10
    with pytest.raises(ProtocolError, match="config.hidden: has 10 layers; at most 6"):
        validate_config({"hidden": [{"units": 2}] * 10}, DEFAULT_CONFIG, LIMITS)


def test_dataset_and_problem_follow_each_other():
    assert validate_config({"dataset": "plane"}, DEFAULT_CONFIG, LIMITS)["problem"] == "regression"
    assert validate_config({"problem": "regression"}, DEFAULT_CONFIG, LIMITS)["dataset"] == "plane"
    regression = validate_config({"dataset": "multi_gauss"}, DEFAULT_CONFIG, LIMITS)
    assert validate_config({"problem": "classification"}, regression, LIMITS)["dataset"] == "circle"


def test_features_are_kept_in_the_playgrounds_order():
    assert validate_config({"features": ["sin(x2)", "x1^2", "x1"]}, DEFAULT_CONFIG, LIMITS)["features"] == \
        ["x1", "x1^2", "sin(x2)"]


@pytest.mark.parametrize("partial", [
    {},
    {"dataset": "spiral", "noise": 25, "train_ratio": 70, "batch_size": 3, "seed": 12345,
     "features": ["x1", "x2", "x1*x2", "sin(x1)"], "learning_rate": 0.003, "optimizer": "adam",
     "hidden": [{"units": 8, "activation": "relu", "dropout": 0.25}, {"units": 3, "activation": "sigmoid"}],
     "regularization": "l2", "regularization_rate": 0.001, "loss": "crossentropy", "stop_test_loss": 0.05,
     "discretize": True, "show_test_data": True},
    {"dataset": "multi_gauss", "hidden": [], "activation": "linear", "regularization": "l1",
     "regularization_rate": 0.3, "optimizer": "momentum"},
])
def test_the_url_hash_round_trips(partial):
    config = validate_config(partial, DEFAULT_CONFIG, LIMITS)
    text = to_url_hash(config)
    assert from_url_hash(text, LIMITS) == config
    assert from_url_hash("#" + text, LIMITS) == config


def test_the_hash_uses_the_playgrounds_keys():
    text = to_url_hash(DEFAULT_CONFIG)
    pairs = dict(p.split("=") for p in text.split("&"))
    assert pairs["networkShape"] == "4,2" and pairs["batchSize"] == "10" and pairs["learningRate"] == "0.03"
    assert pairs["x"] == "true" and pairs["xSquared"] == "false" and pairs["percTrainData"] == "50"
    assert "regularization" not in pairs  # the playground omits "none"
    regression = to_url_hash(validate_config({"dataset": "plane"}, DEFAULT_CONFIG, LIMITS))
    assert "regDataset=reg-plane" in regression


def test_a_tensorflow_playground_url_is_read():
    url = ("#activation=relu&batchSize=20&dataset=xor&regDataset=reg-plane&learningRate=0.1&regularizationRate=0"
           "&noise=15&networkShape=3,2,1&seed=0.59704&showTestData=true&discretize=false&percTrainData=60&x=true"
           "&y=true&xTimesY=true&xSquared=false&ySquared=false&cosX=false&sinX=false&cosY=false&sinY=false"
           "&collectStats=false&problem=classification&initZero=false&hideText=false")
    config = from_url_hash(url, LIMITS)
    assert config["dataset"] == "xor" and config["seed"] == 59704 and config["batch_size"] == 20
    assert config["features"] == ["x1", "x2", "x1*x2"] and config["show_test_data"] is True
    assert [(h["units"], h["activation"]) for h in config["hidden"]] == [(3, "relu"), (2, "relu"), (1, "relu")]


@pytest.mark.parametrize("text, field", [
    ("batchSize=abc", "batchSize"), ("networkShape=4,99", "config.hidden[1].units"),
    ("noise=70", "config.noise"), ("x=false&y=false", "config.features"),
])
def test_a_bad_hash_names_the_key_or_field(text, field):
    with pytest.raises(ProtocolError, match=field.replace("[", r"\[").replace("]", r"\]")):
        from_url_hash(text, LIMITS)
