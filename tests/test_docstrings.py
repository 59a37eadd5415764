"""The examples written in docstrings (``>>>``) run and print what they claim."""

from __future__ import annotations

import doctest
import importlib
import pkgutil

import numpy as np
import pytest

import glassnet

MODULES = sorted(
    name for _, name, _ in pkgutil.walk_packages(glassnet.__path__, "glassnet.")
    if not name.endswith("__main__")
)


@pytest.mark.parametrize("module_name", MODULES)
def test_docstring_examples(module_name: str) -> None:
    module = importlib.import_module(module_name)
    with np.printoptions(legacy="1.25") if np.lib.NumpyVersion(np.__version__) >= "2.0.0" else np.printoptions():
        result = doctest.testmod(module, optionflags=doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE, verbose=False)
    assert result.failed == 0, f"{result.failed} docstring example(s) failed in {module_name}"
