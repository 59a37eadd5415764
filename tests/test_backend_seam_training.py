"""The backend seam beyond ops and layers: losses, metrics, callbacks and the training loop (issue 15).

``tests/engine/test_backend_seam.py`` proves that ``glassnet/engine`` and ``glassnet/layers`` reach
arrays only through ``backend.xp``.  This module extends the proof to what ``fit`` touches besides
them, following the rule written in docs/gpu.md:

* device-side modules (losses, activations, regularizers, constraints, ``ops_*.py``, ``random.py``,
  ``models/masked_loss.py``) import no NumPy at all;
* host-side modules (metrics, callbacks, data batching) may, each with its reason in
  :data:`HOST_SIDE`, but they read model arrays only through ``backend.to_numpy``: every metric is fed
  a stand-in device array that ``np.asarray`` refuses and only ``to_numpy`` unwraps, and gives the
  result it gives on NumPy;
* ``compile`` with metrics, ``fit`` with validation data and callbacks, ``evaluate``, ``predict``,
  save and load run through a recording stand-in backend with the very results of plain NumPy.
"""

from __future__ import annotations

import ast
import types
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from static_checks import numpy_imports

import glassnet as gn
from glassnet import backend

ROOT = Path(__file__).resolve().parents[1]

# Device-side: they compute on the tape or make arrays of the backend, so no NumPy import at all.
DEVICE_SIDE = ["glassnet/activations.py", "glassnet/regularizers.py", "glassnet/constraints.py",
               "glassnet/ops_nn.py", "glassnet/ops_numpy.py", "glassnet/random.py", "glassnet/models/masked_loss.py",
               "glassnet/models/metrics_tracker.py", "glassnet/models/output_structure.py",
               *sorted(p.relative_to(ROOT).as_posix() for p in (ROOT / "glassnet/losses").glob("*.py"))]

# Host-side by design, each with its reason; they may import NumPy but read model arrays with to_numpy.
_METRICS = "metric accumulators live on the host in float64; update_state reads its inputs with to_numpy"
HOST_SIDE = {
    **{f"glassnet/metrics/{name}.py": _METRICS for name in (
        "base", "confusion_metrics", "constrained", "f_score", "functions", "iou", "loss_metrics", "regression")},
    **{f"glassnet/metrics/{name}.py": "scikit-learn-style scores after training: host label arrays, read with "
                                      "to_numpy" for name in ("_targets", "classification", "negative_side", "ranking")},
    "glassnet/models/compile_utils.py": "metric results are host floats or NumPy arrays (np.ndim, float64)",
    "glassnet/models/data.py": "checks, batching and shuffling of the user's data on the host, before to_device",
    "glassnet/models/user_arrays.py": "converts and checks the user's arrays on the host, before to_device",
    "glassnet/models/data_adapters/__init__.py": "recognises NumPy arrays among the user's inputs",
    "glassnet/models/data_adapters/array_adapter.py": "slices host arrays into batches (to_device comes after)",
    **{f"glassnet/callbacks/{name}.py": "reads logs (host floats) and compares them with np.less/np.greater"
       for name in ("_monitor", "early_stopping", "model_checkpoint", "reduce_lr", "stopping_rules", "csv_logger")},
    "glassnet/callbacks/doctor_rules.py": "statistics of host batches and log histories, read with to_numpy",
    "glassnet/callbacks/inspector.py": "norms and statistics of weights and activations copied with to_numpy",
    "glassnet/callbacks/tensorboard.py": "histograms and images of weights copied with to_numpy",
}
CHECKED_DIRS = ("glassnet/losses", "glassnet/metrics", "glassnet/callbacks", "glassnet/models/data_adapters")
CHECKED_FILES = ("glassnet/activations.py", "glassnet/regularizers.py", "glassnet/constraints.py",
                 "glassnet/ops_nn.py", "glassnet/ops_numpy.py", "glassnet/random.py",
                 "glassnet/models/compile_utils.py", "glassnet/models/masked_loss.py", "glassnet/models/data.py",
                 "glassnet/models/user_arrays.py",
                 "glassnet/models/metrics_tracker.py", "glassnet/models/output_structure.py")


def reads_data_with_asarray(source: str) -> list[int]:
    """Lines of ``np.asarray(x.data)``/``np.asarray(getattr(x, "data", x))``: a CuPy array's .data is a pointer."""
    lines = []
    for node in ast.walk(ast.parse(source)):
        if not (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)
                and node.func.attr in ("asarray", "array") and isinstance(node.func.value, ast.Name)
                and node.func.value.id in ("np", "numpy") and node.args):
            continue
        arg = node.args[0]
        if (isinstance(arg, ast.Attribute) and arg.attr == "data") or (
                isinstance(arg, ast.Call) and isinstance(arg.func, ast.Name) and arg.func.id == "getattr"
                and len(arg.args) > 1 and isinstance(arg.args[1], ast.Constant) and arg.args[1].value == "data"):
            lines.append(node.lineno)
    return lines


def _checked_modules() -> list[str]:
    found = {p.relative_to(ROOT).as_posix() for d in CHECKED_DIRS for p in (ROOT / d).rglob("*.py")}
    return sorted(found | set(CHECKED_FILES))


# --- static ---------------------------------------------------------------------------------------
def test_device_side_modules_import_no_numpy() -> None:
    offenders = {rel: found for rel in DEVICE_SIDE if (found := numpy_imports((ROOT / rel).read_text()))}
    assert not offenders, f"device-side modules must use backend.xp, not NumPy (lines shown): {offenders}"


def test_every_checked_module_is_device_side_or_host_side_with_a_reason() -> None:
    offenders = {rel: found for rel in _checked_modules()
                 if (found := numpy_imports((ROOT / rel).read_text())) and rel not in HOST_SIDE}
    assert not offenders, (f"these modules import NumPy: use backend.xp, or add them to HOST_SIDE with the reason "
                           f"they are host-side by design: {offenders}")
    assert not set(DEVICE_SIDE) & set(HOST_SIDE)
    for rel, reason in HOST_SIDE.items():
        assert numpy_imports((ROOT / rel).read_text()), f"{rel} no longer imports NumPy: remove it from HOST_SIDE"
        assert reason.strip(), rel


def test_host_side_modules_never_read_a_data_attribute_with_asarray() -> None:
    offenders = {rel: found for rel in _checked_modules() if (found := reads_data_with_asarray((ROOT / rel).read_text()))}
    assert not offenders, f"read model arrays with backend.to_numpy, not np.asarray(x.data): {offenders}"


# Float64 finite differences run on host copies by design (the checks perturb the weights in place).
READ_DATA_ON_HOST = {"glassnet/glassbox/gradcheck.py", "glassnet/engine/gradcheck.py"}


def test_no_module_anywhere_reads_a_data_attribute_with_asarray() -> None:
    """Plots, the glass box and applications copy model arrays with to_numpy too (CuPy refuses asarray)."""
    every = {p.relative_to(ROOT).as_posix() for p in (ROOT / "glassnet").rglob("*.py")} - READ_DATA_ON_HOST
    offenders = {rel: found for rel in sorted(every) if (found := reads_data_with_asarray((ROOT / rel).read_text()))}
    assert not offenders, f"read model arrays with backend.to_numpy, not np.asarray(x.data): {offenders}"


@pytest.mark.parametrize("line", ["np.asarray(y.data)", "np.asarray(getattr(y, 'data', y), dtype=float)",
                                  "numpy.array(t.data, copy=True)"])
def test_the_static_checks_catch_what_they_look_for(line: str) -> None:
    assert reads_data_with_asarray(f"import numpy as np\n\ndef f(y, t):\n    return {line}\n") == [4]
    assert reads_data_with_asarray("def f(y):\n    return backend.to_numpy(y)\n") == []
    assert numpy_imports("from .. import backend\nimport numpy.linalg\n") == [2]


# --- metrics on a device array --------------------------------------------------------------------
class FakeDeviceArray:
    """What a metric sees of a CuPy array: shape, ``__cuda_array_interface__`` and ``.get()``.

    ``np.asarray`` refuses it (as NumPy refuses CuPy arrays), it has no arithmetic and no dtype, so
    only :func:`glassnet.backend.to_numpy` (which calls ``.get()``) or the device backend's own
    ``asarray`` (:class:`DeviceNumpy`) can read it.  ``gets`` counts the copies back to the host.
    """

    def __init__(self, values: Any) -> None:
        self._values = np.asarray(values)
        self.shape, self.ndim, self.size = self._values.shape, self._values.ndim, self._values.size
        self.gets = 0

    @property
    def __cuda_array_interface__(self) -> dict[str, Any]:
        return {"shape": self.shape, "version": 3}

    def get(self) -> np.ndarray:
        self.gets += 1
        return self._values.copy()

    def __array__(self, *args: Any, **kwargs: Any) -> Any:
        raise TypeError("FakeDeviceArray: implicit conversion to a NumPy array is not allowed; use .get()")

    def __len__(self) -> int:
        return len(self._values)


class DeviceNumpy(types.ModuleType):
    """A backend whose ``asarray`` takes :class:`FakeDeviceArray` (as ``cupy.asarray`` takes CuPy arrays)."""

    def __init__(self) -> None:
        super().__init__("device_numpy")

    def __getattr__(self, name: str) -> Any:
        value = getattr(np, name)
        if name in ("asarray", "array", "asanyarray", "ascontiguousarray"):
            return lambda a, *args, **kw: value(a._values if isinstance(a, FakeDeviceArray) else a, *args, **kw)
        return value


def _batch(kind: str) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(11)
    probs = rng.dirichlet(np.ones(3), size=8)
    labels = np.array([0, 1, 2, 1, 0, 2, 2, 1])
    if kind == "onehot":
        return np.eye(3)[labels], probs
    if kind == "sparse":
        return labels, probs
    if kind == "binary":
        return (labels[:, None] > 0).astype("float64"), probs[:, :1]
    return rng.uniform(0.5, 2.0, size=(8, 3)), rng.uniform(0.5, 2.0, size=(8, 3))  # regression


KINDS = ("onehot", "sparse", "binary", "regression")
# Metrics that need constructor arguments; every other registered class is built with none.
FACTORIES: dict[str, Callable[[], Any]] = {
    "IoU": lambda: gn.metrics.IoU(3, [0, 1]), "MeanIoU": lambda: gn.metrics.MeanIoU(3),
    "OneHotIoU": lambda: gn.metrics.OneHotIoU(3, [0, 2]), "OneHotMeanIoU": lambda: gn.metrics.OneHotMeanIoU(3),
    "PrecisionAtRecall": lambda: gn.metrics.PrecisionAtRecall(0.5),
    "RecallAtPrecision": lambda: gn.metrics.RecallAtPrecision(0.5),
    "SensitivityAtSpecificity": lambda: gn.metrics.SensitivityAtSpecificity(0.5),
    "SpecificityAtSensitivity": lambda: gn.metrics.SpecificityAtSensitivity(0.5),
    "MeanMetricWrapper": lambda: gn.metrics.MeanMetricWrapper(gn.metrics.functions.mean_absolute_error),
    "loss:binary_crossentropy": lambda: gn.metrics.get("binary_crossentropy"),
    "loss:hinge": lambda: gn.metrics.get("hinge"),
    "F1Score(micro)": lambda: gn.metrics.F1Score(average="micro", threshold=0.4),
    "AUC(multi_label, PR)": lambda: gn.metrics.AUC(multi_label=True, curve="PR"),
    "Precision(top_k)": lambda: gn.metrics.Precision(top_k=2),
    "SparseCategoricalCrossentropy(ignore)": lambda: gn.metrics.SparseCategoricalCrossentropy(ignore_class=2),
}
VALUE_METRICS = ("Mean", "Sum")  # update_state(values, sample_weight)


def _metric_cases() -> dict[str, Callable[[], Any]]:
    registry = gn.metrics._REGISTRY
    classes = {registry.get(n, "metric") for n in registry.names()}
    cases = {c.__name__: (lambda c=c: c()) for c in classes}
    cases.update(FACTORIES)
    return dict(sorted(cases.items()))


def _feed(metric: Any, name: str, kind: str, device: bool) -> Any:
    """Two batches (the second weighted), as host arrays or as fake device arrays; the metric's result."""
    y_true, y_pred = _batch(kind)
    weights = np.linspace(0.5, 1.5, len(y_pred))
    wrap = FakeDeviceArray if device else (lambda a: a)
    inputs = []
    for sw in (None, weights):
        args = [wrap(y_pred)] if name in VALUE_METRICS else [wrap(y_true), wrap(y_pred)]
        args.append(None if sw is None else wrap(sw))
        inputs.extend(a for a in args if isinstance(a, FakeDeviceArray))
        metric.update_state(*args)
    if device:  # each input crosses to the host at most once
        assert all(a.gets <= 1 for a in inputs), (name, [a.gets for a in inputs])
    return gn.models.compile_utils.CompiledMetrics.result_of(metric)


def _kind_that_works(build: Callable[[], Any], name: str) -> str | None:
    for kind in KINDS:
        try:
            result = _feed(build(), name, kind, device=False)
        except (ValueError, TypeError, IndexError):
            continue
        if np.all(np.isfinite(result)):
            return kind
    return None


def test_every_metric_reads_device_arrays_through_to_numpy_only(numpy_after: None) -> None:
    cases = _metric_cases()
    kinds = {name: _kind_that_works(build, name) for name, build in cases.items()}
    assert not [n for n, k in kinds.items() if k is None], "no batch kind fits these metrics: add a FACTORIES entry"
    assert len(cases) >= 50  # every registered metric class, and the variants above
    expected = {name: _feed(cases[name](), name, kind, device=False) for name, kind in kinds.items()}
    backend.set_backend(DeviceNumpy())  # a device backend: its asarray unwraps the fake, NumPy's refuses it
    failures = {}
    for name, kind in kinds.items():
        try:
            got = _feed(cases[name](), name, kind, device=True)
        except TypeError as err:  # np.asarray on a device array, or arithmetic on one
            failures[name] = str(err)
            continue
        np.testing.assert_allclose(got, expected[name], rtol=1e-5, atol=1e-6, err_msg=name)
    assert not failures, f"these metrics read a device array without backend.to_numpy: {failures}"


def test_the_fake_device_array_is_refused_by_numpy_and_unwrapped_by_to_numpy() -> None:
    fake = FakeDeviceArray([1.0, 2.0])
    with pytest.raises(TypeError, match="implicit conversion"):
        np.asarray(fake)
    with pytest.raises(TypeError):
        np.mean(fake)
    np.testing.assert_array_equal(backend.to_numpy(fake), [1.0, 2.0])
    assert fake.gets == 1
    arr = np.arange(3.0)
    assert backend.to_numpy(arr) is arr  # NumPy: no copy


# --- a whole training run through a stand-in backend ----------------------------------------------
class RecordingNumpy(types.ModuleType):
    """A module that behaves as NumPy and records the name of every attribute read from it."""

    def __init__(self) -> None:
        super().__init__("recording_numpy")
        self.used: set[str] = set()

    def __getattr__(self, name: str) -> Any:
        value = getattr(np, name)
        self.used.add(name)
        return value


TRAINING_METRICS = ["accuracy", "AUC", "Precision", "Recall", "mae", "binary_crossentropy"]


def _train_evaluate_predict(tmp_path: Path) -> dict[str, Any]:
    """compile with metrics, fit with validation data and callbacks, evaluate, predict, save and load."""
    data = np.random.default_rng(5)
    x = data.standard_normal((48, 4)).astype("float32")
    y = (x[:, :1] + 0.3 * x[:, 1:2] > 0).astype("float32")
    gn.clear_session()
    gn.utils.set_random_seed(2)
    model = gn.Sequential([gn.Input((4,)), gn.layers.Dense(6, activation="tanh"),
                           gn.layers.Dense(1, activation="sigmoid")])
    model.compile(optimizer="adam", loss="binary_crossentropy",
                  metrics=[*TRAINING_METRICS, gn.metrics.F1Score(threshold=0.5)])
    checkpoint = tmp_path / "best.keras"
    history = gn.callbacks.History()
    callbacks = [gn.callbacks.EarlyStopping(monitor="val_auc", mode="max", patience=1, restore_best_weights=True),
                 gn.callbacks.ModelCheckpoint(checkpoint, monitor="val_loss", save_best_only=True), history]
    model.fit(x[:32], y[:32], validation_data=(x[32:], y[32:]), batch_size=8, epochs=4, verbose=0,
              callbacks=callbacks)
    scores = model.evaluate(x, y, batch_size=16, verbose=0, return_dict=True)
    predictions = model.predict(x, batch_size=16, verbose=0)
    model.save(tmp_path / "model.keras")
    reloaded = gn.saving.load_model(tmp_path / "model.keras")
    best = gn.saving.load_model(checkpoint)
    return {"history": history.history, "scores": scores, "predictions": predictions,
            "reloaded": reloaded.predict(x, verbose=0), "reloaded_scores": reloaded.evaluate(x, y, verbose=0),
            "checkpoint": best.predict(x, verbose=0)}


def _assert_same(got: Any, expected: Any, where: str) -> None:
    if isinstance(expected, dict):
        assert sorted(got) == sorted(expected), where
        for key in expected:
            _assert_same(got[key], expected[key], f"{where}.{key}")
    elif isinstance(expected, (list, tuple)):
        assert len(got) == len(expected), where
        for i, (a, b) in enumerate(zip(got, expected)):
            _assert_same(a, b, f"{where}[{i}]")
    else:
        assert isinstance(got, np.ndarray) == isinstance(expected, np.ndarray), where  # host results stay NumPy
        np.testing.assert_allclose(got, expected, rtol=1e-6, atol=1e-7, err_msg=where)


def test_fit_evaluate_predict_with_metrics_and_callbacks_through_the_seam(tmp_path: Path,
                                                                           numpy_after: None) -> None:
    expected = _train_evaluate_predict(tmp_path / "numpy")
    assert {"val_auc", "val_precision", "val_recall", "val_binary_crossentropy", "f1_score"} <= set(
        expected["history"])
    recorder = RecordingNumpy()
    backend.set_backend(recorder)
    got = _train_evaluate_predict(tmp_path / "recording")
    # The loss, the loss-as-metric and Adam asked the stand-in backend; the metrics' own counts did not.
    assert {"log", "clip", "sqrt"} <= recorder.used, sorted(recorder.used)
    assert not {"bincount", "searchsorted"} & recorder.used, "metric accumulators must stay on the host"
    _assert_same(got, expected, "run")


def test_compiled_metrics_take_device_batches(numpy_after: None) -> None:
    """compile's metric group ('accuracy' resolved from shapes, a loss as a metric) on device arrays."""
    y_true, y_pred = _batch("binary")
    weights = np.linspace(0.5, 1.5, len(y_pred))

    def run(wrap: Callable[[Any], Any]) -> dict[str, Any]:
        group = gn.models.compile_utils.CompiledMetrics(["accuracy", "AUC", "mae", "binary_crossentropy"],
                                                        gn.losses.BinaryCrossentropy())
        group.update(wrap(y_true), wrap(y_pred), wrap(weights))
        return group.results()

    expected = run(lambda a: a)
    backend.set_backend(DeviceNumpy())
    got = run(FakeDeviceArray)
    assert set(got) == {"accuracy", "auc", "mae", "binary_crossentropy"} == set(expected)
    for key in expected:
        assert isinstance(got[key], float), key
        np.testing.assert_allclose(got[key], expected[key], rtol=1e-5, err_msg=key)


def _ctc_value_and_gradient() -> list[np.ndarray]:
    logits = gn.Tensor(np.random.default_rng(1).standard_normal((2, 6, 4)), requires_grad=True)
    labels = np.array([[1, 2, 0], [3, 3, 1]])
    with gn.GradientTape() as tape:
        value = gn.losses.CTC()(labels, logits)
    return [backend.to_numpy(value), backend.to_numpy(tape.gradient(value, logits))]


def _random_draws() -> list[np.ndarray]:
    r = gn.random
    return [backend.to_numpy(t) for t in (
        r.normal((3, 2), seed=4), r.uniform((4,), seed=5), r.truncated_normal((5,), seed=6),
        r.randint((3,), 0, 9, seed=7), r.gamma((2,), 2.0, seed=8), r.beta((2,), 2.0, 3.0, seed=9),
        r.binomial((3,), 5, 0.5, seed=10), r.categorical(np.log([[0.2, 0.8]]), 4, seed=11),
        r.normal((2,), seed=r.SeedGenerator(12)))]


def _attention_and_casts() -> list[np.ndarray]:
    q = np.random.default_rng(2).standard_normal((1, 3, 2, 4)).astype("float32")
    return [backend.to_numpy(t) for t in (
        gn.ops.dot_product_attention(q, q, q, is_causal=True),
        gn.ops.saturate_cast(np.array([-5.0, 300.0]), "uint8"))] + [np.array(gn.ops.dtype(q) == "float32")]


DEVICE_RUNS: dict[str, tuple[Callable[[], list[np.ndarray]], set[str]]] = {
    "ctc": (_ctc_value_and_gradient, {"logaddexp", "take_along_axis", "einsum"}),
    "random": (_random_draws, {"asarray", "cumsum"}),      # each draw crosses with to_array; categorical's CDF
    "ops": (_attention_and_casts, {"tri", "iinfo", "dtype"}),
}


@pytest.mark.parametrize("name", sorted(DEVICE_RUNS))
def test_converted_device_side_modules_run_on_the_stand_in_backend(name: str, numpy_after: None) -> None:
    run, names = DEVICE_RUNS[name]
    expected = run()
    recorder = RecordingNumpy()
    backend.set_backend(recorder)
    got = run()
    assert names <= recorder.used, sorted(names - recorder.used)
    for a, b in zip(got, expected, strict=True):
        np.testing.assert_array_equal(a, b)
