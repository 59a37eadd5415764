"""glassnet.jit: a kernel runs its compiled loop with numba and its NumPy reference without."""

from __future__ import annotations

import subprocess
import sys

import numpy as np
import pytest

from glassnet import jit


def _axpy_reference(a, x, y):
    """y += a x (NumPy: one pass for the product, one for the sum)."""
    y += a * x


def _axpy_loop(a, x, y):
    for i in range(x.size):
        y.flat[i] += a * x.flat[i]


AXPY = jit.Kernel(_axpy_reference, _axpy_loop)


@pytest.fixture
def jit_state():
    before = jit.set_enabled(True)
    yield
    jit.set_enabled(before)


def test_the_compiled_loop_and_the_reference_agree(jit_state):
    x = np.arange(6, dtype=np.float32).reshape(2, 3)
    compiled, reference = np.ones_like(x), np.ones_like(x)
    AXPY(np.float32(2), x, compiled)
    jit.set_enabled(False)
    AXPY(np.float32(2), x, reference)
    np.testing.assert_array_equal(compiled, reference)
    np.testing.assert_array_equal(reference, 1 + 2 * x)


def test_switched_off_the_reference_runs(jit_state, monkeypatch):
    calls = []
    kernel = jit.Kernel(lambda y: calls.append("reference"), _axpy_loop)
    monkeypatch.setattr(kernel, "compiled", lambda: pytest.fail("compiled while switched off"))
    jit.set_enabled(False)
    kernel(np.zeros(1))
    assert calls == ["reference"] and not jit.enabled()
    assert "NumPy reference" in repr(kernel)


def test_without_numba_the_reference_runs(jit_state, monkeypatch):
    monkeypatch.setattr(jit, "_numba", False)
    calls = []
    kernel = jit.Kernel(lambda y: calls.append("reference"), _axpy_loop)
    kernel(np.zeros(1))
    assert calls == ["reference"] and not jit.available() and kernel.compiled() is None


def test_on_another_backend_the_reference_runs(jit_state, monkeypatch):
    import types

    from glassnet import backend

    monkeypatch.setattr(backend, "xp", types.SimpleNamespace(__name__="cupy"))
    assert not jit.enabled()


@pytest.mark.skipif(not jit.available(), reason="numba is not installed")
def test_compiled_when_numba_is_there(jit_state):
    assert jit.enabled() and AXPY.compiled() is not None
    assert "compiled" in repr(AXPY)


def test_the_environment_variable_switches_kernels_off():
    code = "import glassnet.jit as j; print(j.enabled())"
    out = subprocess.run([sys.executable, "-c", code], env={"GLASSNET_JIT": "0", "PATH": ""},
                         capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"
