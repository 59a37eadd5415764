"""Turn each example script (``examples/*.py``) into a Jupyter notebook.

The scripts stay the one source: the module docstring becomes the first Markdown cell, and the
code is cut into cells where a top-level statement follows a blank line and a comment (the
scripts' own paragraphs), so each cell starts with the comment that explains it; a function or
class definition gets a cell of its own.
``tests/test_jupyter_examples.py`` builds the notebooks on the fly and executes some with
nbclient, so they can never go stale; run this file to get them for Jupyter::

    python docs/notebooks/build_notebooks.py [OUTPUT_FOLDER]    # default: ./example-notebooks
"""

from __future__ import annotations

import ast
import sys
from pathlib import Path

import nbformat

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"


def scripts() -> list[Path]:
    """The example scripts, by name."""
    return sorted(EXAMPLES.glob("*.py"))


def _cell_starts(lines: list[str], tree: ast.Module) -> list[int]:
    """0-based line numbers where a new code cell begins."""
    starts = []
    for node in tree.body:
        first = min([node.lineno] + [d.lineno for d in getattr(node, "decorator_list", [])]) - 1
        # Walk up over the comment block right above the statement; a blank line above it marks a paragraph.
        top = first
        while top > 0 and lines[top - 1].startswith("#"):
            top -= 1
        definition = isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef))
        if top == first and not definition:
            continue  # no comment above: the statement continues the current cell
        if top > 0 and lines[top - 1].strip():
            continue  # the comment block is glued to the code above it
        starts.append(top)
    return starts


def notebook_for(script: Path) -> nbformat.NotebookNode:
    """The notebook of one example: docstring -> Markdown, code paragraphs -> code cells."""
    source = script.read_text(encoding="utf-8")
    tree = ast.parse(source)
    lines = source.splitlines()
    cells = []
    body_start = 0
    docstring = ast.get_docstring(tree, clean=True)
    if docstring is not None:
        cells.append(nbformat.v4.new_markdown_cell(f"# `{script.name}`\n\n{docstring}"))
        body_start = tree.body[0].end_lineno or 0
    if "__file__" in source:
        # A notebook has no __file__: point it at the script so paths relative to it still resolve.
        cells.append(nbformat.v4.new_code_cell(f"__file__ = {str(script)!r}"))
    starts = sorted({s for s in _cell_starts(lines, tree) if s >= body_start} | {body_start})
    for begin, end in zip(starts, starts[1:] + [len(lines)]):
        code = "\n".join(lines[begin:end]).strip("\n")
        if code.strip():
            cells.append(nbformat.v4.new_code_cell(code))
    notebook = nbformat.v4.new_notebook(cells=cells)
    notebook.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    notebook.metadata["language_info"] = {"name": "python"}
    for number, cell in enumerate(notebook.cells):
        cell["id"] = f"{script.stem}-{number}"
    return notebook


def main(argv: list[str]) -> int:
    out = Path(argv[0] if argv else "example-notebooks")
    out.mkdir(parents=True, exist_ok=True)
    for script in scripts():
        target = out / f"{script.stem}.ipynb"
        nbformat.write(notebook_for(script), target)
        print(f"wrote {target}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
