"""Build the API reference (HTML, from the docstrings) with pdoc; any pdoc warning fails the build.

    python docs/api_reference.py build/api      # then open build/api/index.html

The reference covers ``glassnet`` and its public namespaces (what their ``__all__`` lists); the engine,
the playground server and the modules the namespaces are assembled from are left out.  Needs
``pip install glassnet[docs]`` (pdoc).
"""

from __future__ import annotations

import os
import sys
import warnings
from pathlib import Path

# Namespaces assembled from implementation files; their names are documented on the namespace's own page.
ASSEMBLED = ["layers", "losses", "metrics", "optimizers", "callbacks", "models", "saving", "onnx", "model_selection",
             "glassbox"]
MODULES = ["glassnet", r"!glassnet\.engine.*", r"!glassnet\.playground.*", rf"!glassnet\.({'|'.join(ASSEMBLED)})\..*"]


def build(output: Path) -> list[str]:
    """Write the HTML reference into ``output``; returns pdoc's warnings (empty when the build is clean)."""
    os.environ.setdefault("PDOC_ALLOW_EXEC", "1")  # platform.uname() runs `uname -p` while numpy imports
    import pdoc
    import pdoc.render

    import glassnet.models

    # glassnet.models looks load_model & co. up in glassnet.saving on first use (models never imports
    # saving); pdoc reads a module's __dict__, so resolve them there first.
    for name in glassnet.models._FROM_SAVING:
        setattr(glassnet.models, name, getattr(glassnet.models, name))
    pdoc.render.configure(docformat="numpy", search=False, show_source=False)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        pdoc.pdoc(*MODULES, output_directory=Path(output))
    return [str(w.message) for w in caught if issubclass(w.category, UserWarning)
            and not issubclass(w.category, (DeprecationWarning, FutureWarning))]


def main(argv: list[str]) -> int:
    output = Path(argv[0] if argv else "build/api")
    problems = build(output)
    for message in problems:
        print(f"api reference: {message}", file=sys.stderr)
    if problems:
        return 1
    print(f"API reference written to {output / 'index.html'}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
