#!/usr/bin/env python3
"""The project's two commands, self-installing on a machine with only Python 3.11 and pip.

    python3 run.py demo [options]   train the lecture MLP on the bundled MNIST and report
    python3 run.py test [pytest options]   lint (ruff) and run the whole test suite

The first run creates ``.venv`` and installs glassnet (and, for tests, the
test-only tools: pytest, ruff, scikit-learn and PyTorch CPU 2.13.0 as an
oracle).  Later runs reuse it until ``pyproject.toml`` changes.
"""

from __future__ import annotations

import hashlib
import os
import subprocess
import sys
import venv
from pathlib import Path

ROOT = Path(__file__).resolve().parent
VENV = ROOT / ".venv"
BIN = VENV / ("Scripts" if os.name == "nt" else "bin")
PYTHON = BIN / ("python.exe" if os.name == "nt" else "python")


def _stamp_for(extra: str) -> str:
    digest = hashlib.sha256((ROOT / "pyproject.toml").read_bytes()).hexdigest()[:16]
    return f"{extra}:{digest}"


def ensure_environment(extra: str) -> None:
    """Create the virtual environment and install glassnet[extra] if not already done."""
    stamp_file = VENV / f".glassnet-{extra or 'base'}"
    if not PYTHON.exists():
        print(f"[run.py] creating virtual environment in {VENV}", flush=True)
        venv.EnvBuilder(with_pip=True).create(VENV)
    if stamp_file.exists() and stamp_file.read_text() == _stamp_for(extra):
        return
    target = f".[{extra}]" if extra else "."
    print(f"[run.py] installing glassnet {target} (first run only)", flush=True)
    subprocess.run([str(PYTHON), "-m", "pip", "install", "--quiet", "--disable-pip-version-check", "-e", target],
                   cwd=ROOT, check=True)
    stamp_file.write_text(_stamp_for(extra))


def main(argv: list[str]) -> int:
    if not argv or argv[0] not in ("demo", "test"):
        print(__doc__)
        return 2
    command, rest = argv[0], argv[1:]
    env = dict(os.environ)
    if command == "demo":
        ensure_environment("")
        return subprocess.call([str(PYTHON), "-m", "glassnet", "demo", "mnist", *rest], cwd=ROOT, env=env)
    ensure_environment("test")
    lint = subprocess.call([str(PYTHON), "-m", "ruff", "check", "glassnet", "tests", "benchmarks", "examples",
                            "run.py"], cwd=ROOT, env=env)
    if lint != 0:
        print("[run.py] ruff found problems (above); fix them before the tests run", flush=True)
        return lint
    return subprocess.call([str(PYTHON), "-m", "pytest", *rest], cwd=ROOT, env=env)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
