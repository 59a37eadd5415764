"""The glass-box tour: each notebook matches its Markdown page and runs from top to bottom without an error."""

from __future__ import annotations

import importlib.util
import os
from pathlib import Path

import nbformat
import pytest
from nbclient import NotebookClient

TOUR = Path(__file__).resolve().parents[1] / "docs" / "tour"
_spec = importlib.util.spec_from_file_location("build_notebooks", TOUR / "build_notebooks.py")
build = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(build)  # type: ignore[union-attr]

PAGES = build.pages()


def _sources(notebook: nbformat.NotebookNode) -> list[tuple[str, str]]:
    return [(cell.cell_type, cell.source) for cell in notebook.cells]


def test_the_tour_has_pages() -> None:
    assert len(PAGES) >= 3, f"expected the tour's pages in {TOUR}, found {[p.name for p in PAGES]}"


@pytest.mark.parametrize("page", PAGES, ids=[p.stem for p in PAGES])
def test_notebook_matches_its_page(page: Path) -> None:
    committed = nbformat.read(page.with_suffix(".ipynb"), as_version=4)
    assert _sources(committed) == _sources(build.notebook_for(page)), (
        f"{page.with_suffix('.ipynb').name} is out of date: run python docs/tour/build_notebooks.py")


@pytest.mark.parametrize("page", PAGES, ids=[p.stem for p in PAGES])
def test_notebook_runs_without_error(page: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    notebook = nbformat.read(page.with_suffix(".ipynb"), as_version=4)
    # The kernel inherits the environment: quick mode keeps the tour's training runs short in CI.
    monkeypatch.setenv("GLASSNET_EXAMPLES_QUICK", "1")
    monkeypatch.setenv("PYDEVD_DISABLE_FILE_VALIDATION", "1")
    monkeypatch.delenv("MPLBACKEND", raising=False)
    NotebookClient(notebook, timeout=300, kernel_name="python3", resources={"metadata": {"path": str(tmp_path)}}).execute()
    errors = [out for cell in notebook.cells if cell.cell_type == "code"
              for out in cell.get("outputs", []) if out.get("output_type") == "error"]
    assert not errors, f"{page.name}: {errors[0].get('ename')}: {errors[0].get('evalue')}"
    images = [out for cell in notebook.cells if cell.cell_type == "code" for out in cell.get("outputs", [])
              if "image/png" in out.get("data", {})]
    assert os.environ.get("GLASSNET_EXAMPLES_QUICK") == "1"
    assert images or "plot" not in page.read_text(), f"{page.name} draws pictures but none reached the notebook"
