"""Hostile model files: nothing outside the file is read, memory stays bounded, a failed load changes nothing.

Each class of attack is a table; a new case is one row.  For every row the load must
raise a :class:`SavedModelError` whose message holds the listed words, and the model
that ``load_weights`` was aimed at keeps bit-identical weights and optimizer state
(and the global random generator and automatic layer names are untouched).
"""

from __future__ import annotations

import json
import random
import tracemalloc
import warnings
import zipfile
from collections.abc import Callable
from typing import Any

import h5py
import numpy as np
import pytest

import glassnet as gn
from glassnet import backend, layers
from glassnet.layers import naming as layer_naming
from glassnet.saving import SavedModelError, guard
from tests.saving.file_edits import LegacyOptimizerView, edit_weights, rewrite_zip


# -- a trained model and its files ------------------------------------------------------------------
def _model() -> gn.Model:
    model = gn.Sequential([gn.Input((4,)), layers.Dense(6, activation="relu"), layers.Dropout(0.1, seed=3),
                           layers.Dense(2)])
    model.compile("adam", "mse")
    x = np.random.default_rng(0).normal(size=(16, 4)).astype("float32")
    model.fit(x, np.zeros((16, 2)), epochs=1, verbose=0)
    return model


def _snapshot(model: gn.Model) -> dict[str, Any]:
    return {"weights": [w.numpy().copy() for w in model.weights],
            "optimizer": [np.array(v.numpy(), copy=True) for v in model.optimizer.variables],
            "rng": json.dumps(backend.rng().bit_generator.state),
            "names": dict(layer_naming._NAME_COUNTS)}


def _assert_unchanged(before: dict[str, Any], model: gn.Model) -> None:
    after = _snapshot(model)
    assert len(before["weights"]) == len(after["weights"])
    for a, b in zip(before["weights"], after["weights"]):
        assert a.dtype == b.dtype and a.tobytes() == b.tobytes()
    for a, b in zip(before["optimizer"], after["optimizer"]):
        assert a.tobytes() == b.tobytes()
    assert before["rng"] == after["rng"]
    assert before["names"] == after["names"]


def _edit_config(path, edit: Callable[[dict], Any]) -> None:
    """Apply ``edit(config) -> new config or None (edited in place)`` to a .keras or .h5 model file."""
    if str(path).endswith(".keras"):
        def change(member: str, data: bytes) -> bytes:
            if member != "config.json":
                return data
            config = json.loads(data)
            new = edit(config)
            return json.dumps(config if new is None else new).encode()

        rewrite_zip(path, change)
    else:
        with h5py.File(path, "r+") as h5:
            config = json.loads(h5.attrs["model_config"])
            new = edit(config)
            h5.attrs["model_config"] = json.dumps(config if new is None else new)


FORMATS = [".weights.h5", ".h5", ".keras"]


@pytest.fixture
def trained():
    return _model()


def _save(model: gn.Model, tmp_path, ext: str):
    path = tmp_path / f"model{ext}"
    if ext == ".weights.h5":
        model.save_weights(path)
    else:
        model.save(path)
    return path


def _replace(name: str, make: Callable[[Any, str], None]) -> Callable[[Any], None]:
    """An edit that deletes the dataset at ``name`` (relative to the weights group) and lets ``make`` recreate it."""
    def edit(group: Any) -> None:
        del group[name]
        make(group, name)
    return edit


# The last layer's kernel is the one damaged, so the earlier layers read fine first: a loader that
# assigned as it read would already have changed them.
LAST = "layers/dense_1/vars/0"

# -- 1. reaching outside the file ----------------------------------------------------------------------
def _external_storage(tmp_path):
    secret = tmp_path / "secret.bin"
    secret.write_bytes(np.arange(12, dtype="float32").tobytes())
    return _replace(LAST, lambda g, n: g.create_dataset(n, shape=(6, 2), dtype="float32",
                                                        external=[(str(secret), 0, 48)]))


def _external_link(tmp_path):
    other = tmp_path / "other.h5"
    with h5py.File(other, "w") as h5:
        h5["kernel"] = np.ones((6, 2), "float32")
    return _replace(LAST, lambda g, n: g.__setitem__(n, h5py.ExternalLink(str(other), "/kernel")))


def _external_group_link(tmp_path):
    other = tmp_path / "other.h5"
    with h5py.File(other, "w") as h5:
        h5.create_group("elsewhere")["x"] = np.ones(3)

    def edit(group: Any) -> None:
        group["unused"] = h5py.ExternalLink(str(other), "/elsewhere")
    return edit


def _virtual_dataset(tmp_path):
    other = tmp_path / "source.h5"
    with h5py.File(other, "w") as h5:
        h5["data"] = np.ones((6, 2), "float32")

    def make(group: Any, name: str) -> None:
        layout = h5py.VirtualLayout(shape=(6, 2), dtype="float32")
        layout[:] = h5py.VirtualSource(str(other), "data", shape=(6, 2))
        group.create_virtual_dataset(name, layout)
    return _replace(LAST, make)


def _dangling_soft_link(tmp_path):
    return _replace(LAST, lambda g, n: g.__setitem__(n, h5py.SoftLink("/nowhere/kernel")))


def _soft_link_through_external(tmp_path):
    other = tmp_path / "other.h5"
    with h5py.File(other, "w") as h5:
        h5["kernel"] = np.ones((6, 2), "float32")

    def edit(group: Any) -> None:
        group.file["/outside"] = h5py.ExternalLink(str(other), "/")
        del group[LAST]
        group[LAST] = h5py.SoftLink("/outside/kernel")
    return edit


def _plugin_filter(tmp_path):
    return _replace(LAST, lambda g, n: g.create_dataset(n, shape=(6, 2), dtype="float32", chunks=(6, 2),
                                                        compression=32123, allow_unknown_filter=True))


OUTSIDE = [
    ("external storage", _external_storage, ["external file", "secret.bin", "dense_1"]),
    ("external link", _external_link, ["external link", "other.h5", "dense_1"]),
    ("external link anywhere in the file", _external_group_link, ["external link", "unused"]),
    ("virtual dataset", _virtual_dataset, ["virtual dataset", "dense_1"]),
    ("dangling soft link", _dangling_soft_link, ["soft link", "does not exist"]),
    ("soft link through an external link", _soft_link_through_external, ["external link", "outside"]),
    ("filter plugin", _plugin_filter, ["filter 32123", "plugin"]),
]

# -- 2. not real numbers, wrong shapes, wrong kinds of object --------------------------------------------
def _dataset_of(make_data: Callable[[], Any], dtype: Any = None):
    return lambda tmp_path: _replace(LAST, lambda g, n: g.create_dataset(n, data=make_data(), dtype=dtype))


def _group_instead(tmp_path):
    return _replace(LAST, lambda g, n: g.create_group(n))


def _declared_huge(tmp_path):
    # Declares 40 GB of float32 but stores nothing: reading it would materialise the fill value.
    def edit(group: Any) -> None:
        group.create_dataset("layers/extra/vars/0", shape=(100_000, 100_000), dtype="float32", chunks=(1000, 1000),
                             compression="gzip")
    return edit


NOT_NUMBERS = [
    ("fixed-length strings", _dataset_of(lambda: np.full((6, 2), b"weights!", dtype="S8")), ["strings", "dense_1"]),
    ("variable-length strings", _dataset_of(lambda: np.array([["a", "b"]] * 6, dtype=object),
                                            h5py.string_dtype()), ["strings", "dense_1"]),
    ("compound records", _dataset_of(lambda: np.zeros((6, 2), dtype=[("a", "f4"), ("b", "i4")])),
     ["compound", "dense_1"]),
    ("opaque pickle bytes", _dataset_of(lambda: np.frombuffer(b"\x80\x04K\x01." * 12, dtype="V5").reshape(6, 2)),
     ["opaque", "dense_1"]),
    ("complex numbers", _dataset_of(lambda: np.ones((6, 2), "complex64")), ["complex", "dense_1"]),
    ("booleans", _dataset_of(lambda: np.ones((6, 2), bool)), ["boolean", "dense_1"]),
    ("object references", lambda tmp_path: _replace(
        LAST, lambda g, n: g.create_dataset(n, shape=(6, 2), dtype=h5py.ref_dtype)), ["dense_1"]),
    ("wrong shape in the last layer", _dataset_of(lambda: np.ones((6, 3), "float32")), ["shape", "(6, 3)"]),
    ("a group where a dataset belongs", _group_instead, ["dense_1", "not a dataset"]),
    ("undeclared 40 GB dataset", _declared_huge, ["declare", "exhaust memory"]),
]


@pytest.mark.parametrize("ext", FORMATS)
@pytest.mark.parametrize("case,make_edit,words", OUTSIDE + NOT_NUMBERS, ids=[r[0] for r in OUTSIDE + NOT_NUMBERS])
def test_damaged_weights_are_refused_and_nothing_changes(trained, tmp_path, ext, case, make_edit, words):
    path = _save(trained, tmp_path, ext)
    edit_weights(path, make_edit(tmp_path))
    before = _snapshot(trained)
    with pytest.raises(SavedModelError) as info:
        trained.load_weights(path)
    for word in words:
        assert word in str(info.value), (case, str(info.value))
    assert "model" in str(info.value)  # the file is named
    _assert_unchanged(before, trained)
    if ext != ".weights.h5":
        with pytest.raises(SavedModelError):
            gn.models.load_model(path)
        _assert_unchanged(before, trained)


# -- 3. optimizer and generator state ------------------------------------------------------------------
def _opt(edit: Callable[[Any], None]) -> Callable[[Any], None]:
    """An edit of the optimizer's variables: ``optimizer`` in a .keras file, ``optimizer_weights`` in an .h5."""
    return lambda h5: edit(h5["optimizer"] if "optimizer" in h5 else LegacyOptimizerView(h5["optimizer_weights"]))


def _set_rng(value: Any) -> Callable[[Any], None]:
    return lambda h5: h5.attrs.__setitem__("rng_state", value if isinstance(value, str) else json.dumps(value))


def _mt19937_state() -> dict:
    state = np.random.MT19937(0).state
    state["state"]["key"] = state["state"]["key"].tolist()
    return {"global": state, "layers": {}}


# The optimizer's variables at Keras 3's places: 0 the step count, 1 the learning rate, then Adam's
# m and v interleaved per trainable weight (2: m of the first kernel, 3: its v, 4: m of its bias...).
STATE = [
    ("step count is a fraction", _opt(_replace("vars/0", lambda g, n: g.create_dataset(n, data=2.5))),
     ["step count", "2.5"]),
    ("step count is negative", _opt(_replace("vars/0", lambda g, n: g.create_dataset(n, data=-4))),
     ["step count", "-4"]),
    ("learning rate is NaN", _opt(_replace("vars/1", lambda g, n: g.create_dataset(n, data=np.float32("nan")))),
     ["learning rate", "nan"]),
    ("one variable too many", _opt(lambda o: o["vars"].create_dataset("99", data=np.zeros(3, "float32"))),
     ["optimizer", "variables"]),
    ("slot holds strings", _opt(_replace("vars/2", lambda g, n: g.create_dataset(
        n, data=np.full((4, 6), b"x", dtype="S1")))), ["optimizer", "not real numbers"]),
    ("slot of the wrong shape", _opt(_replace("vars/5", lambda g, n: g.create_dataset(
        n, data=np.ones(7, "float32")))), ["optimizer slot 'velocity'", "(7,)"]),
    ("slot missing an array", _opt(lambda o: o.__delitem__(f"vars/{len(o['vars']) - 1}")),
     ["optimizer state has", "trainable weights"]),
    ("generator state is not JSON", _set_rng("{not json"), ["rng_state", "not valid JSON"]),
    ("generator state is a list", _set_rng([1, 2, 3]), ["rng_state", "'global'"]),
    ("foreign generator state", _set_rng(_mt19937_state()), ["global generator", "PCG64"]),
    ("generator state with missing keys", _set_rng({"global": {"bit_generator": "PCG64"}}), ["global generator"]),
    ("layer generators are a list", _set_rng({"global": backend.rng().bit_generator.state, "layers": [1]}),
     ["rng_state"]),
]


@pytest.mark.parametrize("ext", [".h5", ".keras"])
@pytest.mark.parametrize("case,edit,words", STATE, ids=[r[0] for r in STATE])
def test_damaged_training_state_is_refused(trained, tmp_path, ext, case, edit, words):
    path = _save(trained, tmp_path, ext)
    if ext == ".keras":
        edit_weights(path, edit)
    else:
        with h5py.File(path, "r+") as h5:
            edit(h5)
    before = _snapshot(trained)
    with pytest.raises(SavedModelError) as info:
        gn.models.load_model(path)
    for word in words:
        assert word in str(info.value), (case, str(info.value))
    _assert_unchanged(before, trained)


# -- 4. configs: sizes declared before anything is allocated, any malformed entry named ------------------
def _layer(i: int, key: str, value: Any) -> Callable[[dict], None]:
    def edit(config: dict) -> None:
        config["config"]["layers"][i]["config"][key] = value
    return edit


def _set(path: list, value: Any) -> Callable[[dict], None]:
    def edit(config: dict) -> None:
        node = config
        for key in path[:-1]:
            node = node[key]
        node[path[-1]] = value
    return edit


CONFIGS = [
    ("Dense(units=10**12)", _layer(1, "units", 10 ** 12), ["dense", "(4, 1000000000000)", "holds only"]),
    ("input of 10**12 features", _layer(0, "batch_shape", [None, 10 ** 12]), ["input", "single sample"]),
    ("Dense(units=10**7), possible but not in the file", _layer(3, "units", 10 ** 7),
     ["dense_1", "(6, 10000000)", "holds only"]),
    ("negative units", _layer(1, "units", -3), ["dense"]),
    ("units as text", _layer(1, "units", "ten"), ["dense"]),
    ("malformed activation", _layer(1, "activation", {"class_name": 5}), ["dense", "activation"]),
    ("activation config is a list", _layer(1, "activation", {"class_name": "ReLU", "config": [1]}), ["dense"]),
    ("dropout rate as a dict", _layer(2, "rate", {"a": 1}), ["dropout"]),
    ("Lambda function given as a dict", _set(["config", "layers", 1], {
        "class_name": "Lambda", "config": {"name": "fn", "function": {"class_name": "os.system"}}}), ["fn"]),
    ("a list where a layer dict belongs", _set(["config", "layers", 1], [1, 2]), ["malformed"]),
    ("layers is a dict", _set(["config", "layers"], {"a": 1}), ["sequential"]),
    ("class name is a number", _set(["config", "layers", 1, "class_name"], 7), ["malformed"]),
    ("build_config is text", _set(["config", "layers", 1, "build_config"], "(4,)"), ["build_config"]),
    ("config is a list", lambda config: [config], ["does not hold a model config"]),
    ("unknown class", _set(["config", "layers", 1, "class_name"], "os.system"), ["Unknown layer class"]),
]


@pytest.mark.parametrize("ext", [".h5", ".keras"])
@pytest.mark.parametrize("case,edit,words", CONFIGS, ids=[r[0] for r in CONFIGS])
def test_damaged_config_is_refused_by_name(trained, tmp_path, ext, case, edit, words):
    path = _save(trained, tmp_path, ext)
    _edit_config(path, edit)
    before = _snapshot(trained)
    tracemalloc.start()
    try:
        with pytest.raises(SavedModelError) as info:
            gn.models.load_model(path)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    message = str(info.value)
    for word in words:
        assert word.lower() in message.lower(), (case, message)
    assert "model" in message
    assert peak < 32 * 2 ** 20, f"{case}: {peak / 2 ** 20:.0f} MiB taken before refusing"
    _assert_unchanged(before, trained)


# -- 5. archives that inflate ------------------------------------------------------------------------------
def _inflate(member: str, extra: int):
    def change(name: str, data: bytes) -> bytes:
        if name != member:
            return data
        if member == "model.weights.h5":
            return data + b"\0" * extra  # HDF5 ignores trailing bytes; only the size matters here
        config = json.loads(data)
        config["padding"] = " " * extra
        return json.dumps(config).encode()
    return change


BOMBS = [
    ("config.json inflating to 70 MB", "config.json", 70 * 2 ** 20),
    ("metadata.json inflating to 2 MB", "metadata.json", 2 * 2 ** 20),
    ("model.weights.h5 inflating 64x past its size", "model.weights.h5", 40 * 2 ** 20),
]


@pytest.mark.parametrize("case,member,extra", BOMBS, ids=[r[0] for r in BOMBS])
def test_zip_bombs_are_refused_before_inflating(trained, tmp_path, case, member, extra):
    path = _save(trained, tmp_path, ".keras")
    rewrite_zip(path, _inflate(member, extra), compression=zipfile.ZIP_DEFLATED)
    assert path.stat().st_size < 200_000
    tracemalloc.start()
    try:
        with pytest.raises(SavedModelError, match=rf"{member}.*inflates") as info:
            gn.models.load_model(path)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert "exhaust memory" in str(info.value)
    assert peak < 8 * 2 ** 20


def test_oversized_config_attribute_in_h5_is_refused(trained, tmp_path, monkeypatch):
    path = _save(trained, tmp_path, ".h5")
    monkeypatch.setattr(guard, "MAX_JSON_BYTES", 1000)  # the real cap is 64 MiB; the rule is the same
    with pytest.raises(SavedModelError, match="model_config.*over the 1,000"):
        gn.models.load_model(path)


# -- 6. random damage: either the same model or a SavedModelError, nothing else ---------------------------
@pytest.mark.parametrize("ext", [".h5", ".keras"])
def test_random_byte_damage_never_escapes_as_another_error(trained, tmp_path, ext):
    path = _save(trained, tmp_path, ext)
    clean = path.read_bytes()
    reference = [w.numpy() for w in trained.weights]
    rng = random.Random(7)
    outcomes = {"refused": 0, "loaded": 0}
    for _ in range(150):
        data = bytearray(clean)
        for _ in range(rng.randint(1, 4)):
            data[rng.randrange(len(data))] = rng.randrange(256)
        path.write_bytes(bytes(data))
        try:
            loaded = gn.models.load_model(path)
        except SavedModelError:
            outcomes["refused"] += 1
            continue
        outcomes["loaded"] += 1  # damage in padding or names: the weights must still be the saved ones
        for a, b in zip(reference, [w.numpy() for w in loaded.weights]):
            assert a.tobytes() == b.tobytes()
    assert outcomes["refused"] > 0


def _mutations(config: Any, rng: random.Random) -> Any:
    """``config`` with one randomly chosen node replaced by a value of a random other type."""
    paths: list[list[Any]] = []

    def walk(node: Any, path: list[Any]) -> None:
        paths.append(path)
        if isinstance(node, dict):
            for k, v in node.items():
                walk(v, path + [k])
        elif isinstance(node, list):
            for i, v in enumerate(node):
                walk(v, path + [i])

    walk(config, [])
    target = rng.choice(paths[1:])
    value = rng.choice([None, -1, 0, 10 ** 15, 2.5, "x", "relu", [], [None], {}, {"class_name": "Dense"}, True])
    node = config
    for key in target[:-1]:
        node = node[key]
    node[target[-1]] = value
    return config


@pytest.mark.parametrize("ext", [".h5", ".keras"])
def test_random_config_damage_never_escapes_as_another_error(trained, tmp_path, ext):
    path = _save(trained, tmp_path, ext)
    clean = path.read_bytes()
    rng = random.Random(11)
    before = _snapshot(trained)
    refused = 0
    for _ in range(150):
        path.write_bytes(clean)
        _edit_config(path, lambda config: _mutations(config, rng))
        try:
            with warnings.catch_warnings():  # a damaged compile config loads uncompiled, with a warning
                warnings.simplefilter("ignore", UserWarning)
                gn.models.load_model(path)
        except SavedModelError:
            refused += 1
    assert refused > 0
    _assert_unchanged_weights(before, trained)


def _assert_unchanged_weights(before: dict[str, Any], model: gn.Model) -> None:
    for a, w in zip(before["weights"], model.weights):
        assert a.tobytes() == w.numpy().tobytes()


def test_a_clean_file_still_loads_after_all_this(trained, tmp_path):
    for ext in (".h5", ".keras"):
        path = _save(trained, tmp_path, ext)
        loaded = gn.models.load_model(path)
        for a, b in zip(trained.weights, loaded.weights):
            np.testing.assert_array_equal(a.numpy(), b.numpy())
