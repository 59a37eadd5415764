"""Turn each tour page (``docs/tour/NN-name.md``) into the notebook next to it (``NN-name.ipynb``).

The Markdown page is the one source: its prose becomes Markdown cells and each fenced
``python`` block becomes a code cell, so the page a reader opens on the web and the notebook a
learner runs in Jupyter cannot drift apart.  ``tests/test_tour_notebooks.py`` checks that the
committed notebooks match their pages and executes every notebook with nbclient.

Run ``python docs/tour/build_notebooks.py`` after editing a page.
"""

from __future__ import annotations

import re
import sys
from pathlib import Path

import nbformat

TOUR = Path(__file__).resolve().parent
_FENCE = re.compile(r"^```python[ \t]*\n(.*?)^```[ \t]*$\n?", re.DOTALL | re.MULTILINE)


def pages() -> list[Path]:
    """The tour's Markdown pages, in reading order."""
    return sorted(p for p in TOUR.glob("[0-9][0-9]-*.md"))


def notebook_for(page: Path) -> nbformat.NotebookNode:
    """The notebook of one page: prose -> Markdown cells, ```python blocks -> code cells."""
    text = page.read_text(encoding="utf-8")
    cells = []
    position = 0
    for match in _FENCE.finditer(text):
        prose = text[position:match.start()].strip()
        if prose:
            cells.append(nbformat.v4.new_markdown_cell(prose))
        cells.append(nbformat.v4.new_code_cell(match.group(1).rstrip("\n")))
        position = match.end()
    tail = text[position:].strip()
    if tail:
        cells.append(nbformat.v4.new_markdown_cell(tail))
    notebook = nbformat.v4.new_notebook(cells=cells)
    notebook.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    notebook.metadata["language_info"] = {"name": "python"}
    # Stable cell ids keep the committed files identical from one build to the next.
    for number, cell in enumerate(notebook.cells):
        cell["id"] = f"{page.stem}-{number}"
    return notebook


def main() -> int:
    for page in pages():
        target = page.with_suffix(".ipynb")
        nbformat.write(notebook_for(page), target)
        print(f"wrote {target.relative_to(TOUR.parent.parent)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
