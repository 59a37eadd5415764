"""The examples as notebooks: built on the fly from examples/*.py, so they never go stale.

Every script converts to a notebook holding exactly the script's code; three representative
ones (training with a live log, the perceptron tables, the rich ``explain()`` display) execute
in a Jupyter kernel in quick mode on every run.  The other 18 take about four minutes together
(tests/test_examples.py already runs each of them as a script), so they execute only with
``GLASSNET_ALL_EXAMPLE_NOTEBOOKS=1`` (and carry the ``slow`` mark).
"""

from __future__ import annotations

import ast
import importlib.util
import os
from pathlib import Path

import nbformat
import pytest
from nbclient import NotebookClient

BUILDER = Path(__file__).resolve().parents[1] / "docs" / "notebooks" / "build_notebooks.py"
_spec = importlib.util.spec_from_file_location("build_example_notebooks", BUILDER)
build = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(build)  # type: ignore[union-attr]

SCRIPTS = build.scripts()
QUICK = {"regression_arrays", "perceptron_logic_gates", "explain_model"}
ALL = os.environ.get("GLASSNET_ALL_EXAMPLE_NOTEBOOKS") == "1"
_REST = [pytest.mark.slow, pytest.mark.skipif(not ALL, reason="set GLASSNET_ALL_EXAMPLE_NOTEBOOKS=1 to run every "
                                               "example as a notebook (tests/test_examples.py runs them as scripts)")]
PARAMS = [pytest.param(s, id=s.stem, marks=() if s.stem in QUICK else _REST) for s in SCRIPTS]


def _code_without_docstring(source: str) -> str:
    tree = ast.parse(source)
    if ast.get_docstring(tree) is not None:
        tree.body = tree.body[1:]
    return ast.dump(tree)


def test_the_quick_examples_exist() -> None:
    assert QUICK <= {s.stem for s in SCRIPTS}


@pytest.mark.parametrize("script", SCRIPTS, ids=[s.stem for s in SCRIPTS])
def test_notebook_holds_the_scripts_code(script: Path) -> None:
    notebook = build.notebook_for(script)
    code = "\n\n".join(c.source for c in notebook.cells if c.cell_type == "code" and
                       not c.source.startswith("__file__ = "))
    assert _code_without_docstring(code) == _code_without_docstring(script.read_text(encoding="utf-8"))
    assert notebook.cells[0].cell_type == "markdown" and script.name in notebook.cells[0].source
    nbformat.validate(notebook)


@pytest.mark.parametrize("script", PARAMS)
def test_example_notebook_runs(script: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    notebook = build.notebook_for(script)
    # The kernel inherits the environment: quick mode keeps training short, files go to tmp_path.
    monkeypatch.setenv("GLASSNET_EXAMPLES_QUICK", "1")
    monkeypatch.setenv("GLASSNET_EXAMPLES_OUT", str(tmp_path / "out"))
    monkeypatch.setenv("PYDEVD_DISABLE_FILE_VALIDATION", "1")
    monkeypatch.delenv("MPLBACKEND", raising=False)
    NotebookClient(notebook, timeout=300, kernel_name="python3",
                   resources={"metadata": {"path": str(tmp_path)}}).execute()
    outputs = [out for cell in notebook.cells if cell.cell_type == "code" for out in cell.get("outputs", [])]
    errors = [out for out in outputs if out.get("output_type") == "error"]
    assert not errors, f"{script.name}: {errors[0].get('ename')}: {errors[0].get('evalue')}"
    assert outputs, f"{script.name} showed nothing"
    images = [out["data"]["image/png"] for out in outputs if "image/png" in out.get("data", {})]
    assert len(images) == len(set(images)), f"{script.name}: a figure appears more than once"
    streamed = "".join(out.get("text", "") for out in outputs if out.get("output_type") == "stream")
    assert "\r" not in streamed, f"{script.name}: carriage-return progress updates were stored"
