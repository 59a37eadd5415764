"""keras.layers.RNN and its cells: the same numbers as SimpleRNN/LSTM/GRU (fused op and generic loop),
user cells (one and two states) trained with fit, stacked cells, masks, gradients by finite differences,
real Keras' numbers, saving, explanations and errors."""

from __future__ import annotations

import numpy as np
import pytest

import glassnet as gn
from glassnet import layers
from glassnet.engine.gradcheck import check_gradients

B, T, F, U = 3, 5, 4, 6
PAIRS = {"SimpleRNN": (layers.SimpleRNNCell, layers.SimpleRNN), "LSTM": (layers.LSTMCell, layers.LSTM),
         "GRU": (layers.GRUCell, layers.GRU)}


def _x(shape=(B, T, F), seed=0, dtype="float32"):
    return np.random.default_rng(seed).normal(size=shape).astype(dtype)


def _twins(kind, x, **options):
    """RNN(cell) and the matching layer with the same (random) weights."""
    cell_cls, layer_cls = PAIRS[kind]
    rnn = layers.RNN(cell_cls(U, bias_initializer="random_normal"), **options)
    rnn(x)
    layer = layer_cls(U, **options)
    layer(x)
    layer.set_weights(rnn.get_weights())
    return rnn, layer


class MinimalRNNCell(layers.Layer):
    """The Keras guide's cell: output = x W + h U, one state."""

    def __init__(self, units, **kwargs):
        super().__init__(**kwargs)
        self.units = units
        self.state_size = units

    def build(self, input_shape):
        self.kernel = self.add_weight(shape=(input_shape[-1], self.units), initializer="uniform", name="kernel")
        self.recurrent_kernel = self.add_weight(shape=(self.units, self.units), initializer="uniform",
                                                name="recurrent_kernel")
        self.built = True

    def call(self, inputs, states):
        prev_output = states[0]
        h = gn.ops.matmul(inputs, self.kernel)
        output = h + gn.ops.matmul(prev_output, self.recurrent_kernel)
        return output, [output]

    def get_config(self):
        return {**super().get_config(), "units": self.units}


class TwoStateCell(layers.Layer):
    """Two state tensors of different sizes: a running tanh state h (u) and a leaky sum s (2), output h."""

    def __init__(self, units, **kwargs):
        super().__init__(**kwargs)
        self.units = units
        self.state_size = [units, 2]
        self.output_size = units

    def build(self, input_shape):
        self.w = self.add_weight(shape=(input_shape[-1], self.units), name="w")
        self.u = self.add_weight(shape=(self.units, self.units), initializer="orthogonal", name="u")
        self.v = self.add_weight(shape=(2, self.units), name="v")
        self.p = self.add_weight(shape=(self.units, 2), name="p")

    def call(self, inputs, states, training=None):
        h, s = states
        h_new = gn.ops.tanh(inputs @ self.w + h @ self.u + s @ self.v)
        s_new = 0.5 * s + h_new @ self.p
        return h_new, [h_new, s_new]


# -- the same numbers as the layers ----------------------------------------------------------------------
@pytest.mark.parametrize("fused", [True, False], ids=["fused", "loop"])
@pytest.mark.parametrize("kind", list(PAIRS))
def test_rnn_of_a_cell_matches_the_layer(kind, fused):
    x = _x()
    mask = np.array([[1, 1, 0, 1, 0], [1, 1, 1, 1, 1], [0, 1, 1, 0, 1]], bool)
    for options in ({}, {"return_sequences": True, "return_state": True, "go_backwards": True}):
        rnn, layer = _twins(kind, x, **options)
        rnn._allow_fused = fused
        n = 2 if kind == "LSTM" else 1
        h0 = [_x((B, U), seed=9 + i) for i in range(n)]
        for kwargs in ({}, {"mask": mask}, {"initial_state": h0}):
            got, want = rnn(x, **kwargs), layer(x, **kwargs)
            got, want = (got, want) if isinstance(got, list) else ([got], [want])
            assert len(got) == len(want)
            for a, b in zip(got, want):
                np.testing.assert_allclose(a.numpy(), b.numpy(), rtol=1e-5, atol=1e-6)


def test_cells_have_keras_weights_defaults_and_shapes():
    x = _x()
    lstm, gru, simple = layers.LSTMCell(U), layers.GRUCell(U), layers.SimpleRNNCell(U)
    for cell in (lstm, gru, simple):
        layers.RNN(cell)(x)
        assert [w.name for w in cell.weights] == ["kernel", "recurrent_kernel", "bias"]
        config = cell.get_config()
        assert config["recurrent_initializer"]["class_name"] == "Orthogonal"
        assert config["kernel_initializer"]["class_name"] == "GlorotUniform"
    assert [tuple(w.shape) for w in lstm.weights] == [(F, 4 * U), (U, 4 * U), (4 * U,)]
    assert [tuple(w.shape) for w in gru.weights] == [(F, 3 * U), (U, 3 * U), (2, 3 * U)]
    assert [tuple(w.shape) for w in simple.weights] == [(F, U), (U, U), (U,)]
    np.testing.assert_array_equal(lstm.bias.numpy()[U:2 * U], 1)  # unit_forget_bias
    assert lstm.state_size == [U, U] and gru.state_size == U and simple.output_size == U
    assert layers.GRUCell(2, reset_after=False)(x[:, 0], [np.zeros((B, 2), "float32")])[0].shape == (B, 2)
    # one step by hand: the cell is what RNN loops
    out, states = simple(x[:, 0], [np.zeros((B, U), "float32")])
    w, u, b = (v.numpy() for v in simple.weights)
    np.testing.assert_allclose(out.numpy(), np.tanh(x[:, 0] @ w + b), rtol=1e-5, atol=1e-6)
    assert states[0] is out


def test_stacked_cells_equal_two_stacked_layers():
    x = _x()
    rnn = layers.RNN([layers.LSTMCell(U), layers.GRUCell(3)], return_state=True)
    out, s1, s2 = rnn(x)
    assert isinstance(rnn.cell, layers.StackedRNNCells)
    assert rnn.cell.state_size == [[U, U], 3] and rnn.state_size == [[U, U], 3]
    assert len(s1) == 2 and s1[0].shape == (B, U) and len(s2) == 1 and s2[0].shape == (B, 3)
    first, second = layers.LSTM(U, return_sequences=True), layers.GRU(3)
    second(first(x))
    weights = rnn.get_weights()
    first.set_weights(weights[:3])
    second.set_weights(weights[3:])
    np.testing.assert_allclose(out.numpy(), second(first(x)).numpy(), rtol=1e-5, atol=1e-6)
    explicit = layers.RNN(layers.StackedRNNCells([layers.SimpleRNNCell(2), layers.SimpleRNNCell(2)]))
    assert explicit(x).shape == (B, 2)
    # initial states of a stack: one entry per cell
    h = [np.zeros((B, U), "float32"), np.ones((B, U), "float32")], np.zeros((B, 3), "float32")
    assert not np.allclose(rnn(x, initial_state=list(h))[0].numpy(), out.numpy())


# -- user cells ----------------------------------------------------------------------------------------
@pytest.mark.parametrize("make", [lambda: MinimalRNNCell(8), lambda: TwoStateCell(8),
                                  lambda: [MinimalRNNCell(8), TwoStateCell(8)]], ids=["minimal", "two_states", "stacked"])
def test_a_custom_cell_runs_and_trains_with_fit(make):
    gen = np.random.default_rng(3)
    x = gen.choice([-1.0, 1.0], size=(128, 6, 1)).astype("float32")
    y = (x.sum(axis=(1, 2)) > 0).astype("float32")
    model = gn.Sequential([gn.Input((None, 1)), layers.RNN(make()), layers.Dense(1, activation="sigmoid")])
    model.compile(optimizer=gn.optimizers.Adam(0.02), loss="binary_crossentropy")
    history = model.fit(x, y, epochs=8, batch_size=32, verbose=0)
    assert history.history["loss"][-1] < 0.8 * history.history["loss"][0]
    assert model.predict(x[:4, :3], verbose=0).shape == (4, 1)  # another length: the time axis is None


def test_two_state_cell_returns_both_states_and_masks_them():
    x = _x()
    rnn = layers.RNN(TwoStateCell(U), return_sequences=True, return_state=True)
    out, h, s = rnn(x)
    assert out.shape == (B, T, U) and h.shape == (B, U) and s.shape == (B, 2)
    assert rnn.compute_output_shape((None, None, F)) == [(None, None, U), (None, U), (None, 2)]
    mask = np.array([[1, 1, 1, 0, 0]] * B, bool)
    out_m, h_m, s_m = rnn(x, mask=mask)
    short_out, short_h, short_s = rnn(x[:, :3])
    np.testing.assert_allclose(s_m.numpy(), short_s.numpy(), rtol=1e-6)
    np.testing.assert_allclose(out_m.numpy()[:, 3:], np.repeat(short_h.numpy()[:, None], 2, 1), rtol=1e-6)


# -- masks -------------------------------------------------------------------------------------------------
def test_masks_from_the_input_and_zero_output_for_mask():
    x = _x()
    x[0, 3:] = 0.0
    model = gn.Sequential([gn.Input((T, F)), layers.Masking(0.0),
                           layers.RNN(layers.GRUCell(U), return_sequences=True)])
    out = model(x).numpy()
    np.testing.assert_allclose(out[0, 3], out[0, 2])  # a masked step repeats the previous output
    assert out.shape == (B, T, U)
    rnn = layers.RNN(layers.GRUCell(U), return_sequences=True, zero_output_for_mask=True)
    mask = np.array([[0, 1, 1, 0, 1]] * B, bool)
    out = rnn(x, mask=mask).numpy()
    assert np.all(out[:, [0, 3]] == 0) and np.all(out[:, [1, 2, 4]] != 0)
    kept = layers.RNN(rnn.cell, return_sequences=True)(x, mask=mask).numpy()
    np.testing.assert_allclose(kept[:, 3], kept[:, 2])
    np.testing.assert_allclose(kept[:, 4], out[:, 4], rtol=1e-5, atol=1e-6)  # the states were carried the same way
    assert rnn.compute_mask(x, mask) is mask


# -- gradients -----------------------------------------------------------------------------------------
@pytest.mark.parametrize("make", [lambda: layers.SimpleRNNCell(3), lambda: layers.LSTMCell(3),
                                  lambda: layers.GRUCell(3), lambda: layers.GRUCell(3, reset_after=False),
                                  lambda: TwoStateCell(3), lambda: [layers.LSTMCell(3), layers.SimpleRNNCell(2)]],
                         ids=["simple", "lstm", "gru", "gru_reset_before", "two_states", "stacked"])
def test_gradients_through_the_loop_by_finite_differences(make):
    gn.set_floatx("float64")
    rnn = layers.RNN(make(), return_sequences=True, go_backwards=True)
    rnn._allow_fused = False
    x = np.random.default_rng(2).normal(size=(2, 4, 2))
    rnn(x)
    for w in rnn.weights:  # random biases too, so every path carries a gradient
        w.assign(np.random.default_rng(5).normal(scale=0.5, size=w.shape))
    mask = np.array([[1, 0, 1, 1], [1, 1, 1, 0]], bool)
    check_gradients(lambda x, *w: rnn(x, mask=mask), [x, *rnn.weights], rtol=1e-5, atol=1e-8)


def test_gradients_reach_the_initial_state():
    gn.set_floatx("float64")
    rnn = layers.RNN(layers.LSTMCell(3), return_state=True)
    x = np.random.default_rng(2).normal(size=(2, 3, 2))
    h0, c0 = np.random.default_rng(4).normal(size=(2, 2, 3))
    rnn(x)
    for fused in (True, False):
        rnn._allow_fused = fused
        check_gradients(lambda x, h, c: rnn(x, initial_state=[h, c])[2], [x, h0, c0], rtol=1e-5, atol=1e-8)


# -- dropout, stateful, Bidirectional, functional --------------------------------------------------------------
def test_dropout_is_one_mask_per_sequence_and_off_at_inference():
    x = np.ones((3, 5, F), "float32")
    cell = layers.LSTMCell(U, dropout=0.5, recurrent_dropout=0.3, seed=1)
    rnn = layers.RNN(cell)
    a, b = rnn(x, training=True).numpy(), rnn(x, training=True).numpy()
    assert not np.allclose(a, b)
    assert cell._dropout_mask is None and cell._recurrent_dropout_mask is None  # reset after each call
    np.testing.assert_array_equal(rnn(x).numpy(), rnn(x, training=False).numpy())
    assert cell.get_config()["dropout"] == 0.5
    model = gn.Sequential([gn.Input((5, F)), rnn, layers.Dense(1)])  # fit passes training=True to the cell
    model.compile(optimizer="adam", loss="mse")
    assert np.isfinite(model.fit(x, np.ones((3, 1)), epochs=2, verbose=0).history["loss"][-1])


def test_stateful_rnn_carries_states_until_reset():
    x = _x((2, 6, F), seed=4)
    whole = layers.RNN(layers.LSTMCell(U))
    whole(x)
    stateful = layers.RNN(layers.LSTMCell(U), stateful=True)
    stateful(x[:, :3])
    stateful.set_weights(whole.get_weights())
    stateful.reset_states()
    stateful(x[:, :3])
    assert len(stateful.states) == 2
    np.testing.assert_allclose(stateful(x[:, 3:]).numpy(), whole(x).numpy(), rtol=1e-5, atol=1e-6)
    stateful.reset_states()
    np.testing.assert_allclose(stateful(x[:, 3:]).numpy(), whole(x[:, 3:]).numpy(), rtol=1e-5, atol=1e-6)


def test_bidirectional_and_functional_with_unknown_length():
    x = _x()
    bi = layers.Bidirectional(layers.RNN(layers.GRUCell(U), return_sequences=True))
    assert bi(x).shape == (B, T, 2 * U)
    inp = gn.Input((None, F))
    model = gn.Model(inp, layers.RNN(layers.SimpleRNNCell(U), return_sequences=True)(inp))
    assert model.output_shape == (None, None, U)
    assert model(x[:, :2]).shape == (B, 2, U)


# -- real Keras --------------------------------------------------------------------------------------------
def _keras(monkeypatch):
    monkeypatch.setenv("KERAS_BACKEND", "torch")
    keras = pytest.importorskip("keras")
    if keras.backend.backend() != "torch":
        pytest.skip("Keras was imported with another backend")
    return keras


# Keras' torch backend warns about NumPy 2's copy keyword when it converts arrays: not ours to fix.
@pytest.mark.filterwarnings("ignore::DeprecationWarning")
@pytest.mark.parametrize("kind, options", [("LSTMCell", {}), ("GRUCell", {}), ("GRUCell", {"reset_after": False}),
                                           ("SimpleRNNCell", {})], ids=["lstm", "gru", "gru_reset_before", "simple"])
def test_rnn_of_a_cell_matches_real_keras_after_copying_weights(kind, options, monkeypatch):
    keras = _keras(monkeypatch)
    x = _x()
    mask = np.array([[1, 1, 1, 0, 0], [1, 1, 1, 1, 1], [1, 0, 1, 1, 1]], bool)
    for backwards in (False, True):
        theirs = keras.layers.RNN(getattr(keras.layers, kind)(U, **options), return_sequences=True,
                                  return_state=True, go_backwards=backwards)
        theirs(x)
        ours = layers.RNN(getattr(layers, kind)(U, **options), return_sequences=True, return_state=True,
                          go_backwards=backwards)
        ours(x)
        assert [w.name for w in ours.weights] == [w.name for w in theirs.weights]
        assert [tuple(w.shape) for w in ours.weights] == [tuple(w.shape) for w in theirs.weights]
        ours.set_weights([np.random.default_rng(8).normal(scale=0.5, size=w.shape).astype("float32")
                          for w in theirs.weights])
        theirs.set_weights(ours.get_weights())
        h0 = [_x((B, U), seed=20 + i) for i in range(len(ours.state_size))]
        for fused in (True, False):
            ours._allow_fused = fused
            for kwargs in ({}, {"mask": mask}, {"initial_state": h0}):
                for a, b in zip(ours(x, **kwargs), theirs(x, **kwargs)):
                    np.testing.assert_allclose(a.numpy(), keras.ops.convert_to_numpy(b), rtol=1e-5, atol=1e-6)
    config = keras.saving.serialize_keras_object(theirs)["config"]
    assert ours.get_config()["cell"]["class_name"] == config["cell"]["class_name"] == kind
    assert set(config) - {"dtype"} <= set(ours.get_config())
    assert set(config["cell"]["config"]) - {"dtype"} <= set(ours.get_config()["cell"]["config"])


@pytest.mark.filterwarnings("ignore::DeprecationWarning")
def test_keras_weight_files_load_into_the_same_rnns(monkeypatch, tmp_path):
    keras = _keras(monkeypatch)
    x = _x()
    theirs = keras.Sequential([keras.Input((T, F)),
                               keras.layers.RNN(keras.layers.LSTMCell(U), return_sequences=True),
                               keras.layers.RNN([keras.layers.SimpleRNNCell(2), keras.layers.GRUCell(3)])])
    path = tmp_path / "k.weights.h5"
    theirs.save_weights(path)  # Keras 3 paths: layers/rnn/cell/vars/0.., layers/rnn_1/cell/cells/gru_cell/vars/0..
    ours = gn.Sequential([gn.Input((T, F)), layers.RNN(layers.LSTMCell(U), return_sequences=True),
                          layers.RNN([layers.SimpleRNNCell(2), layers.GRUCell(3)])])
    ours.load_weights(path)
    np.testing.assert_allclose(ours(x).numpy(), keras.ops.convert_to_numpy(theirs(x)), rtol=1e-5, atol=1e-6)


# -- saving, config, explanations, errors -------------------------------------------------------------------
@pytest.mark.parametrize("fmt", [".keras", ".h5"])
def test_save_and_load_round_trip(fmt, tmp_path):
    x = _x()
    model = gn.Sequential([gn.Input((T, F)),
                           layers.RNN(layers.LSTMCell(U, bias_initializer="random_normal"), return_sequences=True),
                           layers.RNN([layers.SimpleRNNCell(2), layers.GRUCell(3)], name="stack")])
    expected = model.predict(x, verbose=0)
    path = tmp_path / f"m{fmt}"
    model.save(path)
    loaded = gn.models.load_model(path)
    assert isinstance(loaded.layers[0].cell, layers.LSTMCell)
    assert isinstance(loaded.layers[-1].cell, layers.StackedRNNCells)
    for a, b in zip(model.get_weights(), loaded.get_weights()):
        np.testing.assert_array_equal(a, b)
    np.testing.assert_array_equal(loaded.predict(x, verbose=0), expected)


def test_config_serializes_the_cell_as_keras_does():
    rnn = layers.RNN([layers.LSTMCell(3), layers.GRUCell(2)], return_sequences=True, go_backwards=True)
    config = rnn.get_config()
    assert config["cell"]["class_name"] == "StackedRNNCells"
    assert [c["class_name"] for c in config["cell"]["config"]["cells"]] == ["LSTMCell", "GRUCell"]
    again = layers.RNN.from_config(config)
    assert again.get_config() == config
    entry = gn.layers.serialize(layers.RNN(layers.SimpleRNNCell(4)))
    assert entry["config"]["cell"]["class_name"] == "SimpleRNNCell" and "module" in entry["config"]["cell"]
    custom = layers.RNN(MinimalRNNCell(3))
    restored = gn.layers.deserialize(gn.layers.serialize(custom), custom_objects={"MinimalRNNCell": MinimalRNNCell})
    assert isinstance(restored.cell, MinimalRNNCell) and restored.cell.units == 3


def test_weights_sit_under_the_cell_key():
    model = gn.Sequential([gn.Input((T, F)), layers.RNN(layers.LSTMCell(U))])
    children = model.layers[0]._weight_children()
    assert [key for key, _ in children] == ["cell"]


def test_explanations_state_the_step_and_the_loop():
    x = _x()
    for cell_cls, _ in PAIRS.values():
        rnn = layers.RNN(cell_cls(U), return_sequences=True)
        assert rnn.explain().has_entry and cell_cls(2).explain().has_entry  # before build: symbols
        rnn(x)
        e = rnn.explain()
        text = e.to_text()
        assert "(o_t, s_t) = cell(x_t, s_(t-1))" in text and "back-propagation through time" in text
        assert e.param_count == rnn.count_params() and rnn.cell.explain().param_count == rnn.count_params()
        assert f"({F}, {cell_cls._gates * U})" in text
    assert "c_t = f * c_(t-1) + i * g" in str(layers.LSTMCell(2).explain())
    assert "h_t = z * h_(t-1) + (1 - z) * hh" in str(layers.GRUCell(2).explain())
    custom = layers.RNN(MinimalRNNCell(3))
    custom(x)
    assert custom.explain().param_count == custom.count_params()
    stacked = layers.RNN([layers.LSTMCell(3), layers.SimpleRNNCell(2)])
    stacked(x)
    assert stacked.explain().param_count == stacked.count_params()


def test_errors_name_the_layer():
    class NoState(layers.Layer):
        def call(self, inputs, states):
            return inputs, states

    with pytest.raises(ValueError, match=r"RNN 'r1': the cell NoState has no state_size"):
        layers.RNN(NoState(), name="r1")
    with pytest.raises(ValueError, match=r"RNN 'r2': a cell needs a call"):
        layers.RNN(object(), name="r2")
    rnn = layers.RNN(layers.LSTMCell(U), name="r3")
    x = _x()
    with pytest.raises(ValueError, match=r"RNN 'r3': initial_state\[1\] has shape \(3, 2\), expected \(3, 6\)"):
        rnn(x, initial_state=[np.zeros((B, U), "float32"), np.zeros((B, 2), "float32")])
    with pytest.raises(ValueError, match=r"RNN 'r3': initial_state must be 2 tensor\(s\)"):
        rnn(x, initial_state=[np.zeros((B, U), "float32")])
    with pytest.raises(ValueError, match="r3"):
        rnn(x[:, 0])
    with pytest.raises(ValueError, match="LSTMCell 'c1'.*units"):
        layers.LSTMCell(0, name="c1")
    with pytest.raises(ValueError, match="GRUCell 'c2'.*dropout"):
        layers.GRUCell(3, dropout=1.0, name="c2")
