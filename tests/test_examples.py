"""Every script in examples/ runs (in quick mode) and finishes without error."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

EXAMPLES = sorted((Path(__file__).resolve().parents[1] / "examples").glob("*.py"))


@pytest.mark.parametrize("script", EXAMPLES, ids=[p.stem for p in EXAMPLES])
def test_example_runs(script: Path, tmp_path: Path) -> None:
    # Examples that write files write them under GLASSNET_EXAMPLES_OUT (here a temporary folder).
    env = dict(os.environ, GLASSNET_EXAMPLES_QUICK="1", MPLBACKEND="Agg", GLASSNET_EXAMPLES_OUT=str(tmp_path / "out"))
    result = subprocess.run([sys.executable, str(script)], capture_output=True, text=True, timeout=300, env=env,
                            cwd=tmp_path)
    assert result.returncode == 0, f"{script.name} failed:\n{result.stdout[-2000:]}\n{result.stderr[-4000:]}"
    assert result.stdout.strip(), f"{script.name} printed nothing"
