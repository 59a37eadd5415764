"""The backend seam holds: ops and layers reach arrays only through ``backend.xp`` (issue 15).

Three kinds of proof, since no GPU runs here:

* statically, no module of ``glassnet/engine`` or ``glassnet/layers`` imports NumPy, except an
  allowlist of host-only modules, each with its reason;
* at run time, ``set_backend`` with a module that forwards to NumPy and records each name asked of
  it: MLP, CNN (the fused conv + ReLU + max-pool path), LSTM and Embedding models train a step and
  predict through it with the very results of plain NumPy, and ``set_backend("numpy")`` restores
  every module;
* the CuPy switch fails clearly without CuPy, and (only where CuPy and a GPU exist) trains a step.
"""

from __future__ import annotations

import os
import subprocess
import sys
import types
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from static_checks import numpy_imports

import glassnet as gn
from glassnet import backend
from glassnet.engine.tensor import Tensor

ROOT = Path(__file__).resolve().parents[2]
SEAM_DIRS = ("glassnet/engine", "glassnet/layers")

# Host-only modules that may import NumPy, each with why it is host-only by nature.
ALLOWLIST = {
    "glassnet/engine/gradcheck.py": "finite-difference gradient checks in float64 on host copies: a test tool, not a kernel",
    "glassnet/engine/allocation.py": "dtype sizes and string (object) samples exist only in NumPy; numeric samples use xp",
    "glassnet/layers/text_lookup.py": "vocabularies of strings: object arrays live on the host; ids cross with to_array",
    "glassnet/layers/text_vectorization.py": "splitting and standardising strings on the host; ids cross with to_array",
    # Loops compiled by numba, which knows NumPy's names only; glassnet.jit runs them on the NumPy backend alone.
    "glassnet/engine/ops/conv_kernels.py": "numba loops (np.empty, scalars inside compiled code); NumPy backend only",
    "glassnet/engine/ops/recurrent_kernels.py": "numba loops (np.float32 constants in compiled code); NumPy backend only",
}


def _seam_modules() -> list[Path]:
    return sorted(p for d in SEAM_DIRS for p in (ROOT / d).rglob("*.py"))


# --- static: who imports NumPy --------------------------------------------------------------------
def test_no_module_in_ops_or_layers_imports_numpy_outside_the_allowlist() -> None:
    offenders = {}
    for path in _seam_modules():
        rel = path.relative_to(ROOT).as_posix()
        found = numpy_imports(path.read_text())
        if found and rel not in ALLOWLIST:
            offenders[rel] = found
    assert not offenders, (f"these modules import NumPy directly (lines shown); use backend.xp, or add them to "
                           f"ALLOWLIST with the reason they are host-only: {offenders}")


def test_the_allowlist_is_not_stale() -> None:
    for rel, reason in ALLOWLIST.items():
        path = ROOT / rel
        assert path.is_file(), f"{rel} is allowlisted but does not exist"
        assert numpy_imports(path.read_text()), f"{rel} no longer imports NumPy: remove it from ALLOWLIST"
        assert reason.strip(), rel


@pytest.mark.parametrize("line", ["import numpy as np", "import numpy", "from numpy import add",
                                  "import numpy.linalg", "from numpy.lib import stride_tricks"])
def test_the_static_check_catches_a_numpy_import(line: str) -> None:
    # What engine/ops/math.py would look like with a NumPy import slipped in (also inside a function).
    source = f"from ...backend import xp\n{line}\n\ndef f():\n    {line}\n    return xp.zeros(1)\n"
    assert numpy_imports(source) == [2, 5]
    assert numpy_imports("from ...backend import xp\nfrom ..allocation import numpy_dtype\n") == []


# --- run time: a recording backend --------------------------------------------------------------
class RecordingNumpy(types.ModuleType):
    """A module that behaves as NumPy and records the name of every attribute read from it."""

    def __init__(self) -> None:
        super().__init__("recording_numpy")
        self.used: set[str] = set()

    def __getattr__(self, name: str) -> Any:
        value = getattr(np, name)  # AttributeError for names NumPy lacks, as a module would raise
        self.used.add(name)
        return value


def _xp_holders() -> dict[str, Any]:
    return {name: vars(mod)["xp"] for name, mod in list(sys.modules.items())
            if mod is not None and name.startswith("glassnet") and "xp" in vars(mod)}


def _mlp() -> Any:
    return gn.Sequential([gn.Input((6,)), gn.layers.Dense(8, activation="relu"), gn.layers.Dense(3, activation="softmax")])


def _cnn() -> Any:
    return gn.Sequential([gn.Input((8, 8, 2)), gn.layers.Conv2D(4, 3, activation="relu"), gn.layers.MaxPooling2D(2),
                          gn.layers.Flatten(), gn.layers.Dense(3, activation="softmax")])


def _lstm() -> Any:
    return gn.Sequential([gn.Input((5, 4)), gn.layers.LSTM(6), gn.layers.Dense(3, activation="softmax")])


def _embedding() -> Any:
    return gn.Sequential([gn.Input((7,), dtype="int64"), gn.layers.Embedding(20, 4),
                          gn.layers.GlobalAveragePooling1D(), gn.layers.Dense(3, activation="softmax")])


MODELS: dict[str, tuple[Callable[[], Any], tuple[int, ...], bool]] = {
    "mlp": (_mlp, (6,), False), "cnn": (_cnn, (8, 8, 2), False),
    "lstm": (_lstm, (5, 4), False), "embedding": (_embedding, (7,), True),
}


def _train_and_predict(name: str) -> list[np.ndarray]:
    build, shape, ids = MODELS[name]
    data = np.random.default_rng(7)
    x = data.integers(1, 20, size=(8, *shape)) if ids else data.standard_normal((8, *shape)).astype("float32")
    y = data.integers(0, 3, size=8)
    gn.clear_session()
    gn.utils.set_random_seed(3)
    model = build()
    model.compile(optimizer="adam", loss="sparse_categorical_crossentropy")
    model.fit(x, y, batch_size=8, epochs=1, verbose=0)
    return [backend.to_numpy(w) for w in model.get_weights()] + [model.predict(x, verbose=0)]


# Names each model's kernels must have asked of the backend: evidence the rebinding reached them.
EXPECTED_CALLS = {
    "mlp": {"exp", "log", "sqrt"},                # softmax, the cross-entropy, Adam's update
    "cnn": {"maximum", "matmul", "empty"},        # the fused conv + ReLU + pool: its ReLU, GEMM, column buffer
    "lstm": {"tanh", "matmul", "concatenate"},    # the cell's tanh, its gate products
    "embedding": {"exp", "sqrt"},
}


@pytest.mark.parametrize("name", sorted(MODELS))
def test_models_train_through_the_seam_with_numpys_results(name: str, numpy_after: None) -> None:
    expected = _train_and_predict(name)
    recorder = RecordingNumpy()
    backend.set_backend(recorder)
    assert backend.backend() == "recording_numpy"
    holders = _xp_holders()
    assert holders and all(xp is recorder for xp in holders.values()), \
        [n for n, xp in holders.items() if xp is not recorder]
    got = _train_and_predict(name)
    assert recorder.used >= EXPECTED_CALLS[name], sorted(recorder.used)
    assert len(got) == len(expected)
    for a, b in zip(got, expected):
        np.testing.assert_allclose(a, b, rtol=1e-6, atol=1e-7)
    backend.set_backend("numpy")
    assert backend.backend() == "numpy"
    assert all(xp is np for xp in _xp_holders().values())


def test_a_module_imported_after_the_switch_binds_the_new_module(numpy_after: None) -> None:
    recorder = RecordingNumpy()
    backend.set_backend(recorder)
    probe = types.ModuleType("glassnet._seam_probe")  # a stand-in for a kernel module imported late
    sys.modules[probe.__name__] = probe
    try:
        exec("from glassnet.backend import xp", probe.__dict__)
        assert probe.xp is recorder
        backend.set_backend("numpy")
        assert probe.xp is np
    finally:
        sys.modules.pop(probe.__name__, None)


def test_scatter_and_errstate_where_the_backend_lacks_them(numpy_after: None) -> None:
    class NoAt:  # a ufunc without .at, as CuPy's multiply
        def __call__(self, *args: Any, **kwargs: Any) -> Any:
            return np.multiply(*args, **kwargs)

    plain = types.ModuleType("plain_numpy")
    plain.__dict__.update({k: getattr(np, k) for k in ("asarray", "add", "maximum")})
    plain.multiply = NoAt()  # type: ignore[attr-defined]
    backend.set_backend(plain)
    a = np.ones(4)
    backend.scatter("multiply", a, np.array([1, 1, 3]), np.array([2.0, 3.0, 5.0]))  # the host fallback
    np.testing.assert_array_equal(a, [1, 6, 1, 5])
    backend.scatter_add(a, np.array([0, 0]), 1.0)
    np.testing.assert_array_equal(a, [3, 6, 1, 5])
    with backend.errstate(divide="ignore"):  # no errstate on this module: a no-op context
        pass
    backend.set_backend("numpy")
    with backend.errstate(divide="raise"), pytest.raises(FloatingPointError):
        np.float64(1.0) / np.float64(0.0)


def test_to_numpy_copies_device_arrays_back_and_unwraps_tensors() -> None:
    class DeviceArray:  # what to_numpy needs of a CuPy array: the CUDA interface and .get()
        __cuda_array_interface__: dict[str, Any] = {}
        data = "a device pointer, not the values"
        dtype = np.dtype("float64")

        def get(self) -> np.ndarray:
            return np.arange(3.0)

    np.testing.assert_array_equal(backend.to_numpy(DeviceArray()), [0, 1, 2])
    np.testing.assert_array_equal(backend.to_numpy(Tensor(DeviceArray())), [0, 1, 2])
    arr = np.arange(6.0).reshape(2, 3)[:, ::2]  # an ndarray is returned as itself, not via its .data buffer
    assert backend.to_numpy(arr) is arr
    assert backend.to_numpy(Tensor(arr)) is arr
    assert backend.to_device(None) is None
    xs = [arr, None]
    assert backend.to_device(xs) is xs  # NumPy: batches stay where they are


def test_an_unknown_backend_names_the_accepted_ones() -> None:
    with pytest.raises(ValueError, match="'numpy', 'cupy'"):
        backend.set_backend("jax")
    assert backend.backend() == "numpy"


def _import_glassnet(env_value: str) -> subprocess.CompletedProcess[str]:
    # cupy set to None in sys.modules makes `import cupy` fail even where CuPy is installed.
    code = "import sys; sys.modules['cupy'] = None; import glassnet"
    env = {**os.environ, "GLASSNET_BACKEND": env_value}
    return subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env, timeout=120)


def test_glassnet_backend_cupy_without_cupy_says_how_to_install_it() -> None:
    result = _import_glassnet("cupy")
    assert result.returncode != 0
    assert "ImportError" in result.stderr and "pip install cupy-cuda12x" in result.stderr, result.stderr[-2000:]


def test_glassnet_backend_with_an_unknown_name_fails_at_import() -> None:
    result = _import_glassnet("tensorflow")
    assert result.returncode != 0 and "ValueError" in result.stderr and "'numpy', 'cupy'" in result.stderr


# --- a real GPU, where there is one ---------------------------------------------------------------
def _gpu_available() -> bool:
    try:
        import cupy
    except ImportError:
        return False
    try:
        return bool(cupy.is_available())
    except Exception:  # noqa: BLE001 - a broken CUDA install counts as no GPU
        return False


@pytest.mark.skipif(not _gpu_available(), reason="needs CuPy and a CUDA GPU")
def test_one_training_step_on_cupy_matches_numpy(numpy_after: None) -> None:
    import cupy

    expected = _train_and_predict("mlp")
    backend.set_backend("cupy")
    assert backend.backend() == "cupy"
    got = _train_and_predict("mlp")
    assert isinstance(gn.ops.ones((2,)).data, cupy.ndarray)
    for a, b in zip(got, expected):
        assert isinstance(a, np.ndarray)
        np.testing.assert_allclose(a, b, rtol=1e-4, atol=1e-5)
