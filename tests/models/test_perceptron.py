"""Perceptron: Rosenblatt's rule traced by hand on AND and XOR; the two-layer XOR network both ways."""

from __future__ import annotations

import numpy as np
import pytest

import glassnet as keras
from glassnet.checks import ArgumentTypeError
from glassnet.datasets import logic_gates
from glassnet.models import Perceptron, PerceptronHistory, xor_network
from glassnet.models.perceptron import ConvergenceWarning


def _weights(step):
    return step.w_after.ravel().tolist(), step.b_after.tolist()


def test_and_from_given_weights_follows_the_rule_by_hand() -> None:
    # w = (0.5, 0.5), b = 0, lr = 0.25; samples 00, 01, 10, 11 with targets 0, 0, 0, 1.
    # Epoch 1: 00 z=0 -> 1, err -1: b=-0.25 | 01 z=0.25 -> 1, err -1: w=(0.5, 0.25), b=-0.5
    #          10 z=0 -> 1, err -1: w=(0.25, 0.25), b=-0.75 | 11 z=-0.25 -> 0, err +1: w=(0.5, 0.5), b=-0.5
    # Epoch 2: 00 ok | 01 z=0 -> 1, err -1: w=(0.5, 0.25), b=-0.75 | 10 ok | 11 z=0 -> 1 ok
    # Epoch 3: no error.
    model = Perceptron(input_dim=2)
    model.set_weights([np.array([[0.5], [0.5]]), np.array([0.0])])
    history = model.fit(*logic_gates.load_data("and"), learning_rate=0.25, verbose=0)
    assert history.converged and history.cycle is None
    assert history.history == {"errors": [4, 1, 0]} and history.epoch == [0, 1, 2]
    steps = history.updates
    assert len(steps) == 12 and [s.updated for s in steps] == [True] * 4 + [False, True, False, False] + [False] * 4
    first = steps[0]
    assert (first.epoch, first.sample, first.x.tolist(), first.target.tolist(), first.output.tolist(),
            first.error.tolist()) == (1, 0, [0, 0], [0], [1], [-1])
    assert first.w_before.ravel().tolist() == [0.5, 0.5] and first.b_before.tolist() == [0.0]
    assert [_weights(s) for s in steps[:4]] == [([0.5, 0.5], [-0.25]), ([0.5, 0.25], [-0.5]),
                                                ([0.25, 0.25], [-0.75]), ([0.5, 0.5], [-0.5])]
    assert _weights(steps[5]) == ([0.5, 0.25], [-0.75])
    assert [w.ravel().tolist() for w in model.get_weights()] == [[0.5, 0.25], [-0.75]]
    assert model.predict(logic_gates.load_data("and")[0], verbose=0).ravel().tolist() == [0, 0, 0, 1]


def test_and_from_zeros_errors_per_epoch_by_hand() -> None:
    history = Perceptron(input_dim=2).fit(*logic_gates.load_data("and"), learning_rate=0.5, verbose=0)
    assert history.history["errors"] == [2, 3, 3, 2, 1, 0]
    assert sum(s.updated for s in history.updates) == 11
    assert _weights(history.updates[-1]) == ([1.0, 0.5], [-1.5])


@pytest.mark.parametrize("gate", ["and", "or", "nand", "nor"])
@pytest.mark.parametrize("lr", [1.0, 0.1])
def test_linearly_separable_gates_converge(gate: str, lr: float) -> None:
    x, y = logic_gates.load_data(gate)
    model = Perceptron()
    history = model.fit(x, y, learning_rate=lr, verbose=0)
    assert history.converged and history.history["errors"][-1] == 0
    assert np.array_equal(model.predict(x, verbose=0).ravel(), y)


def test_xor_never_converges_the_weights_cycle_by_hand() -> None:
    # lr = 1 from zeros.  Epoch 1 ends at w=(-1, 0), b=-1 (3 errors); epoch 2 ends at w=(-1, 0), b=0 (3 errors);
    # epoch 3 (4 errors) ends at w=(-1, 0), b=0 again: epoch 4 would start where epoch 3 did.
    x, y = logic_gates.load_data("xor")
    with pytest.warns(ConvergenceWarning, match="Never converges: epoch 4 starts from the weights epoch 3"):
        history = Perceptron().fit(x, y, epochs=100, learning_rate=1.0, verbose=0)
    assert not history.converged and history.cycle == (3, 4)
    assert history.history["errors"] == [3, 3, 4]
    assert _weights(history.updates[3]) == ([-1.0, 0.0], [-1.0])
    assert "not linearly separable" in history.message


def test_xor_out_of_epochs_says_so_and_prints_at_verbose_1(capsys) -> None:
    x, y = logic_gates.load_data("xor")
    history = Perceptron().fit(x, y, epochs=2, learning_rate=1.0, verbose=1)  # no warning: it is printed
    out = capsys.readouterr().out
    assert not history.converged and history.cycle is None and len(history.epoch) == 2
    assert "Epoch 1/2: 3 errors, w = [-1 0], b = -1" in out
    assert "Did not converge: each of the 2 epochs misclassified at least one sample" in out
    assert "linearly separable" in out


def test_verbose_2_prints_each_update(capsys) -> None:
    Perceptron().fit(*logic_gates.load_data("or"), learning_rate=1.0, verbose=2)
    assert "sample 0: x = [0 0], t = 0, y = 1 -> w = [0 0], b = -1" in capsys.readouterr().out


def test_history_prints_as_a_table_and_converts_to_a_dict() -> None:
    history = Perceptron().fit(*logic_gates.load_data("and"), learning_rate=0.5, verbose=0)
    assert isinstance(history, PerceptronHistory) and isinstance(history, keras.callbacks.History)
    lines = str(history).splitlines()
    assert lines[0].split() == ["epoch", "sample", "x", "target", "output", "error", "w", "before", "b", "before",
                                "w", "after", "b", "after"]
    assert lines[1].split() == ["1", "0", "[0", "0]", "0", "1", "-1", "[0", "0]", "0", "[0", "0]", "-0.5"]
    assert len(lines) == 1 + 24 + 1 and lines[-1].startswith("Converged: epoch 6 made no error (11 weight updates)")
    assert len(history.table(only_updates=True).splitlines()) == 1 + 11
    assert history.table(max_rows=2).splitlines()[-1] == "... 22 more rows"
    record = history.to_dict()
    assert record["converged"] is True and record["history"] == {"errors": [2, 3, 3, 2, 1, 0]}
    assert record["updates"][0] == {"epoch": 1, "sample": 0, "x": [0.0, 0.0], "target": [0.0], "output": [1.0],
                                    "error": [-1.0], "w_before": [[0.0], [0.0]], "b_before": [0.0],
                                    "w_after": [[0.0], [0.0]], "b_after": [-0.5]}


def test_several_units_learn_several_gates_at_once() -> None:
    x, y_and = logic_gates.load_data("and")
    _, y_or = logic_gates.load_data("or")
    model = Perceptron(units=2)
    history = model.fit(x, np.stack([y_and, y_or], axis=1), learning_rate=1.0, verbose=0)
    assert history.converged
    assert model.predict(x, verbose=0).tolist() == [[0, 0], [0, 1], [0, 1], [1, 1]]


def test_it_is_a_model_summary_save_and_load(tmp_path, capsys) -> None:
    x, y = logic_gates.load_data("nand")
    model = Perceptron(input_dim=2, name="gate")
    model.fit(x, y, verbose=0)
    model.summary()
    assert "Total params: 3" in capsys.readouterr().out
    model.save(tmp_path / "nand.keras")
    loaded = keras.models.load_model(tmp_path / "nand.keras")
    assert isinstance(loaded, Perceptron) and loaded.units == 1
    assert all(np.array_equal(a, b) for a, b in zip(loaded.get_weights(), model.get_weights()))
    assert np.array_equal(loaded.predict(x, verbose=0).ravel(), y)


@pytest.mark.parametrize("x, y, kwargs, error, message", [
    ([[0, 1]], [2], {}, ValueError, r"targets must be 0 or 1 \(the step's outputs\), got \[2\]$"),
    ([[0, 1], [1, 0]], [-1, 1], {}, ValueError, r"targets must be 0 or 1 .*got \[-1, 1\]; for -1/\+1 labels pass \(y \+ 1\) / 2"),
    ([0, 1], [0, 1], {}, ValueError, r"x must have shape \(samples, inputs\), got \(2,\)"),
    ([[0, 1], [1, 0]], [0, 1, 1], {}, ValueError, r"y must have shape \(2,\)"),
    ([[0, 1]], [1], {"learning_rate": 0}, ValueError, r"learning_rate must be > 0, got 0"),
    ([[0, 1]], [1], {"epochs": 0}, ValueError, r"epochs must be a positive integer, got 0"),
    ([[0, 1]], [1], {"batch_size": 4}, TypeError, r"unexpected argument\(s\) batch_size"),
    ([["a", "b"]], [1], {}, ArgumentTypeError, r"x and y must be numeric arrays"),
])
def test_fit_refuses_bad_arguments_by_name(x, y, kwargs, error, message) -> None:
    with pytest.raises(error, match=r"Perceptron '.*'\.fit\(\): " + message):
        Perceptron().fit(np.array(x), np.array(y), verbose=0, **kwargs)


def test_constructor_refuses_bad_sizes() -> None:
    with pytest.raises(ValueError, match=r"Perceptron '.*': units must be a positive integer, got 0"):
        Perceptron(units=0)
    with pytest.raises(ArgumentTypeError, match=r"input_dim must be a positive integer, got 2.0"):
        Perceptron(input_dim=2.0)


# -- the two-layer network for XOR -----------------------------------------------------------------
def test_hand_set_xor_network_is_or_and_nand_into_and() -> None:
    model = xor_network(hand_set=True)
    hidden, out = model.layers
    assert hidden.get_weights()[0].tolist() == [[1, -1], [1, -1]] and hidden.get_weights()[1].tolist() == [-0.5, 1.5]
    assert out.get_weights()[0].ravel().tolist() == [1, 1] and out.get_weights()[1].tolist() == [-1.5]
    x, y = logic_gates.load_data("xor")
    assert hidden(x).numpy().tolist() == [[0, 1], [1, 1], [1, 1], [1, 0]]  # OR and NAND of each input
    assert model.predict(x, verbose=0).ravel().tolist() == y.tolist()


def test_trained_xor_network_reaches_every_input() -> None:
    keras.utils.set_random_seed(0)
    x, y = logic_gates.load_data("xor")
    model = xor_network(hand_set=False)
    history = model.fit(x, y, epochs=300, batch_size=4, verbose=0)
    assert history.history["accuracy"][-1] == 1.0
    assert np.array_equal(model.predict(x, verbose=0).ravel() > 0.5, y == 1)


def test_xor_network_refuses_bad_arguments() -> None:
    with pytest.raises(ArgumentTypeError, match="xor_network: hand_set must be True or False, got 'yes'"):
        xor_network(hand_set="yes")
    with pytest.raises(ValueError, match="xor_network: hidden_units must be a positive integer, got 0"):
        xor_network(hand_set=False, hidden_units=0)


def test_explain_states_the_rule_fit_applies() -> None:
    x, y = logic_gates.load_data("and")
    model = Perceptron(input_dim=2)
    assert "W <- W + lr x^T e" in str(model.explain())  # before fit: the rate is a symbol
    history = model.fit(x, y, learning_rate=0.25, verbose=0)
    text = str(model.explain())
    assert "W <- W + lr (= 0.25) x^T e" in text and "b <- b + lr (= 0.25) e" in text
    assert "(2, 1) x (1, 1) -> (2, 1)" in text
    # The stated rule is what fit did: every recorded update is lr x^T (t - y).
    for step in history.updates:
        expected = step.w_before + 0.25 * np.outer(step.x, step.target - step.output)
        np.testing.assert_allclose(step.w_after, expected.reshape(np.shape(step.w_after)))
