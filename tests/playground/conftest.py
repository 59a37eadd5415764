"""What several playground test modules share: running an exported script in a fresh interpreter."""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


def _run_exported_script(script: str, folder: Path, epochs: int) -> dict:
    """Write ``script`` to ``folder``, run it for ``epochs`` with ``--json`` and return what it printed last.

    Only the repository is on the path, so the script proves it needs nothing from the test session.
    """
    path = folder / "playground.py"
    path.write_text(script)
    out = subprocess.run([sys.executable, str(path), "--epochs", str(epochs), "--json"], capture_output=True, text=True,
                         cwd=folder, env={"PYTHONPATH": str(ROOT), "PATH": "/usr/bin:/bin"}, timeout=120)
    assert out.returncode == 0, out.stderr
    return json.loads(out.stdout.strip().splitlines()[-1])


@pytest.fixture
def run_exported_script() -> Callable[[str, Path, int], dict]:
    return _run_exported_script
