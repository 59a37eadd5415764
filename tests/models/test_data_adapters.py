"""One data path: every kind of ``x`` (arrays, DataFrames, generators, PyDataset/Sequence, DataLoader, other
iterables) gives ``fit``/``evaluate``/``predict`` the same batches, and Keras' rules for running out of data,
for ``steps_per_epoch`` and for ``add_loss``-only models hold."""

from __future__ import annotations

import warnings

import numpy as np
import pytest

import glassnet as keras
from glassnet import layers

RNG = np.random.default_rng(0)
X = RNG.normal(size=(60, 3)).astype("float32")
Y = (X[:, 0] + 0.5 * X[:, 1] > 0).astype("int64")
BATCH = 16


def _model(seed: int = 1) -> keras.Sequential:
    keras.utils.set_random_seed(seed)
    model = keras.Sequential([keras.Input(shape=(3,)), layers.Dense(4, activation="relu"),
                              layers.Dense(2, activation="softmax")])
    model.compile(keras.optimizers.SGD(0.1), "sparse_categorical_crossentropy", metrics=["accuracy"])
    return model


def _batches(x: np.ndarray = X, y: np.ndarray = Y) -> list[tuple[np.ndarray, np.ndarray]]:
    return [(x[i:i + BATCH], y[i:i + BATCH]) for i in range(0, len(x), BATCH)]


class Batches(keras.utils.PyDataset):
    """A PyDataset of the batches above, counting the epoch hooks."""

    def __init__(self, **kwargs) -> None:
        super().__init__(**kwargs)
        self.begun = self.ended = 0

    def __len__(self) -> int:
        return len(_batches())

    def __getitem__(self, i: int):
        return _batches()[i]

    def on_epoch_begin(self) -> None:
        self.begun += 1

    def on_epoch_end(self) -> None:
        self.ended += 1


class OldSequence(keras.utils.Sequence):
    """Keras 2 style: no super().__init__() call, only __len__/__getitem__."""

    def __len__(self) -> int:
        return len(_batches())

    def __getitem__(self, i: int):
        return _batches()[i]


class Iterable:
    """Neither a generator nor indexable: iterated afresh each epoch (like a DataLoader)."""

    def __iter__(self):
        return iter(_batches())


class FrameLike:
    """What pandas offers (a shape and .to_numpy()), without pandas."""

    def __init__(self, values: np.ndarray) -> None:
        self.values = values
        self.shape = values.shape

    def __len__(self) -> int:
        return len(self.values)

    def to_numpy(self) -> np.ndarray:
        return self.values.copy()


def _endless():
    while True:
        yield from _batches()


def _fit_weights(x, y=None, **kwargs) -> tuple[list[np.ndarray], dict]:
    model = _model()
    history = model.fit(x, y, epochs=3, verbose=0, **kwargs)
    return model.get_weights(), history.history


def _reference() -> tuple[list[np.ndarray], dict]:
    return _fit_weights(X, Y, batch_size=BATCH, shuffle=False)


@pytest.mark.parametrize("make,kwargs", [
    pytest.param(lambda: _endless(), {"steps_per_epoch": 4}, id="generator"),
    pytest.param(lambda: iter(_batches() * 3), {"steps_per_epoch": 4}, id="iterator"),
    pytest.param(lambda: Batches(), {"shuffle": False}, id="PyDataset"),
    pytest.param(lambda: OldSequence(), {"shuffle": False}, id="Sequence"),
    pytest.param(lambda: Iterable(), {}, id="iterable"),
])
def test_every_kind_of_source_trains_exactly_like_arrays(make, kwargs) -> None:
    expected_weights, expected_history = _reference()
    weights, history = _fit_weights(make(), **kwargs)
    for a, b in zip(weights, expected_weights):
        np.testing.assert_array_equal(a, b)
    assert history == expected_history


def test_dataframe_like_inputs_go_through_to_numpy() -> None:
    expected_weights, _ = _reference()
    weights, _ = _fit_weights(FrameLike(X), FrameLike(Y), batch_size=BATCH, shuffle=False)
    for a, b in zip(weights, expected_weights):
        np.testing.assert_array_equal(a, b)


def test_pandas_dataframe_and_series() -> None:
    pd = pytest.importorskip("pandas")
    expected_weights, _ = _reference()
    weights, _ = _fit_weights(pd.DataFrame(X, columns=["a", "b", "data"]), pd.Series(Y), batch_size=BATCH,
                              shuffle=False)
    for a, b in zip(weights, expected_weights):
        np.testing.assert_array_equal(a, b)


def test_class_weight_is_the_same_for_arrays_and_batch_sources() -> None:
    class_weight = {0: 1.0, 1: 3.0}
    expected, _ = _fit_weights(X, Y, batch_size=BATCH, shuffle=False, class_weight=class_weight)
    for source in (Batches(), _endless()):
        weights, _ = _fit_weights(source, shuffle=False, steps_per_epoch=4, class_weight=class_weight)
        for a, b in zip(weights, expected):
            np.testing.assert_array_equal(a, b)


def test_several_inputs_as_dicts_in_arrays_and_in_batches() -> None:
    def twin() -> keras.Model:
        keras.utils.set_random_seed(4)
        a, b = keras.Input(shape=(2,), name="a"), keras.Input(shape=(1,), name="b")
        model = keras.Model([a, b], layers.Dense(2, activation="softmax")(layers.Concatenate()([a, b])))
        model.compile(keras.optimizers.SGD(0.1), "sparse_categorical_crossentropy")
        return model

    inputs = {"a": X[:, :2], "b": X[:, 2:]}
    from_arrays, from_batches = twin(), twin()
    from_arrays.fit(inputs, Y, batch_size=BATCH, epochs=2, shuffle=False, verbose=0)
    batches = [({"a": x[:, :2], "b": x[:, 2:]}, y) for x, y in _batches()]
    from_batches.fit(iter(batches * 2), steps_per_epoch=len(batches), epochs=2, verbose=0)
    for u, v in zip(from_arrays.get_weights(), from_batches.get_weights()):
        np.testing.assert_array_equal(u, v)
    np.testing.assert_allclose(from_batches.predict([X[:, :2], X[:, 2:]], verbose=0),
                               from_arrays.predict(inputs, verbose=0), rtol=1e-6)


# -- PyDataset / Sequence ------------------------------------------------------------------------------
def test_pydataset_api_matches_keras() -> None:
    assert keras.utils.Sequence is keras.utils.PyDataset  # Keras 3 keeps the old name for the same class
    data = Batches(workers=4, use_multiprocessing=True, max_queue_size=3)
    assert (data.workers, data.use_multiprocessing, data.max_queue_size) == (4, True, 3)
    assert data.num_batches == len(data) == 4
    with pytest.raises(NotImplementedError, match="__getitem__"):
        keras.utils.PyDataset()[0]


def test_pydataset_hooks_run_around_every_epoch_of_fit_evaluate_and_predict() -> None:
    model = _model()
    train, val = Batches(), Batches()
    history = model.fit(train, epochs=3, verbose=0, validation_data=val)
    assert (train.begun, train.ended) == (3, 3) and (val.begun, val.ended) == (3, 3)
    assert history.params["steps"] == 4 and len(history.history["val_loss"]) == 3
    test = Batches()
    logs = model.evaluate(test, verbose=0, return_dict=True)
    assert test.ended == 1 and logs["loss"] == pytest.approx(model.evaluate(X, Y, batch_size=BATCH, verbose=0)[0])
    predicted = Batches()
    np.testing.assert_allclose(model.predict(predicted, verbose=0), model.predict(X, verbose=0), rtol=1e-6)
    assert predicted.ended == 1


def test_pydataset_is_shuffled_by_batch_with_glassnets_generator() -> None:
    runs = [_fit_weights(Batches())[0] for _ in range(2)]  # shuffle=True: seeded, so repeatable
    for a, b in zip(*runs):
        np.testing.assert_array_equal(a, b)
    unshuffled, _ = _reference()
    assert not all(np.array_equal(a, b) for a, b in zip(runs[0], unshuffled))


def test_an_endless_pydataset_needs_steps_per_epoch() -> None:
    class Endless(Batches):
        @property
        def num_batches(self) -> None:
            return None

    with pytest.raises(ValueError, match="steps_per_epoch"):
        _model().fit(Endless(), verbose=0)
    history = _model().fit(Endless(), steps_per_epoch=3, epochs=2, verbose=0)
    assert history.params["steps"] == 3 and len(history.epoch) == 2


# -- a PyTorch DataLoader ------------------------------------------------------------------------------
def test_torch_dataloader_trains_evaluates_and_predicts_like_arrays() -> None:
    torch = pytest.importorskip("torch")
    from torch.utils.data import DataLoader, TensorDataset

    loader = DataLoader(TensorDataset(torch.from_numpy(X), torch.from_numpy(Y)), batch_size=BATCH, shuffle=False)
    expected_weights, expected_history = _reference()
    model = _model()
    history = model.fit(loader, epochs=3, verbose=0, validation_data=loader)
    assert history.params["steps"] == len(loader) == 4
    for a, b in zip(model.get_weights(), expected_weights):
        np.testing.assert_array_equal(a, b)
    assert history.history["loss"] == expected_history["loss"]
    assert history.history["loss"][-1] < history.history["loss"][0]
    logs = model.evaluate(loader, verbose=0, return_dict=True)
    assert logs["loss"] == pytest.approx(history.history["val_loss"][-1])
    np.testing.assert_allclose(model.predict(loader, verbose=0), model.predict(X, verbose=0), rtol=1e-6)


def test_shuffling_dataloader_and_tensors_needing_grad() -> None:
    torch = pytest.importorskip("torch")
    from torch.utils.data import DataLoader, TensorDataset

    torch.manual_seed(0)
    features = torch.from_numpy(X).requires_grad_(True)  # converted through .detach().numpy()
    loader = DataLoader(TensorDataset(features, torch.from_numpy(Y)), batch_size=BATCH, shuffle=True)
    model = _model()
    history = model.fit(loader, epochs=5, verbose=0)
    assert len(history.epoch) == 5 and history.history["loss"][-1] < history.history["loss"][0]
    model.fit(torch.from_numpy(X), torch.from_numpy(Y), epochs=1, verbose=0)  # plain tensors are arrays


# -- running out of data, steps_per_epoch ---------------------------------------------------------------
def test_a_generator_that_runs_out_ends_training_with_a_warning() -> None:
    pulled = []

    def five_batches():
        for batch in (_batches() * 2)[:5]:
            pulled.append(1)
            yield batch

    model = _model()
    with pytest.warns(UserWarning, match="ran out of data; interrupting training"):
        history = model.fit(five_batches(), steps_per_epoch=2, epochs=10, verbose=0)
    # Two whole epochs, then a third with the one batch left: it is reported, and training stops.
    assert history.epoch == [0, 1, 2] and model.optimizer.iterations == 5 and len(pulled) == 5
    assert all(loss > 0 for loss in history.history["loss"])  # no empty epochs recorded as 0.0


def test_a_generator_without_steps_is_one_epoch() -> None:
    model = _model()
    with pytest.warns(UserWarning, match="ran out of data"):
        history = model.fit(iter(_batches()), epochs=3, verbose=0)
    assert history.epoch == [0] and model.optimizer.iterations == 4


def test_a_generator_is_read_once_and_no_batch_is_lost() -> None:
    pulled = []

    def counting():
        while True:
            for batch in _batches():
                pulled.append(1)
                yield batch

    source = counting()
    model = _model()
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        model.fit(source, steps_per_epoch=3, epochs=2, verbose=0)
    # The first batch, read to build the model and check it, is the first one trained on.
    assert len(pulled) == 6 and model.optimizer.iterations == 6
    model.fit(source, steps_per_epoch=2, epochs=1, verbose=0)  # the same generator goes on where it stopped
    assert len(pulled) == 8


def test_an_empty_generator_is_refused() -> None:
    with pytest.raises(ValueError, match="yielded no batches"):
        _model().fit(iter([]), verbose=0)


@pytest.mark.parametrize("make", [lambda: (X, Y), lambda: (Batches(), None)], ids=["arrays", "PyDataset"])
def test_steps_per_epoch_beyond_the_data_warns_and_uses_all_batches(make) -> None:
    x, y = make()
    model = _model()
    with pytest.warns(UserWarning, match="steps_per_epoch=10 is more than the 4 batches"):
        history = model.fit(x, y, batch_size=BATCH, steps_per_epoch=10, epochs=2, verbose=0)
    assert history.epoch == [0, 1] and history.params["steps"] == 4 and model.optimizer.iterations == 8


def test_evaluate_steps_beyond_a_generator_warns() -> None:
    model = _model()
    with pytest.warns(UserWarning, match=r"evaluate\(\): the input ran out of data.*steps=9"):
        model.evaluate(iter(_batches()), steps=9, verbose=0)


# -- labels, add_loss ---------------------------------------------------------------------------------
class AutoEncoder(keras.Model):
    """Its only loss is the reconstruction error it adds with add_loss."""

    def __init__(self) -> None:
        super().__init__()
        self.encode = layers.Dense(2)
        self.decode = layers.Dense(3)

    def call(self, inputs, training=None):
        reconstruction = self.decode(self.encode(inputs))
        self.add_loss(((inputs - reconstruction) ** 2).mean())
        return reconstruction


def test_a_model_with_only_add_loss_trains_without_labels() -> None:
    keras.utils.set_random_seed(0)
    model = AutoEncoder()
    model.compile(optimizer="adam")
    history = model.fit(X, epochs=20, batch_size=BATCH, verbose=0)
    losses = history.history["loss"]
    assert losses[-1] < losses[0]
    assert model.evaluate(X, verbose=0) == pytest.approx(losses[-1], rel=0.2)
    assert model.predict(X, verbose=0).shape == X.shape
    history = model.fit(iter([(X[:BATCH],)] * 3), epochs=1, verbose=0)  # batches (x,) work too
    assert len(history.epoch) == 1


def test_labels_are_still_required_when_compile_has_a_loss() -> None:
    with pytest.raises(ValueError, match=r"fit\(\) needs labels"):
        _model().fit(X, verbose=0)
    with pytest.raises(ValueError, match=r"evaluate\(\) needs labels"):
        _model().evaluate(iter([(X,)]), verbose=0)


def test_no_loss_at_all_is_refused_before_training() -> None:
    model = keras.Sequential([keras.Input(shape=(3,)), layers.Dense(2)])
    model.compile(optimizer="sgd")
    with pytest.raises(RuntimeError, match="needs a loss"):
        model.fit(X, verbose=0)
    assert model.optimizer.iterations == 0


def test_sources_take_labels_from_their_batches_only() -> None:
    with pytest.raises(ValueError, match="must come from its batches"):
        _model().fit(Batches(), Y, verbose=0)
    with pytest.raises(ValueError, match="validation_split needs arrays"):
        _model().fit(Batches(), validation_split=0.2, verbose=0)
