#!/usr/bin/env python3
"""The project's commands, self-installing on a machine with only Python 3.11 and pip.

    python3 run.py demo [options]   train the lecture MLP on the bundled MNIST and report
    python3 run.py test [pytest options]   lint (ruff) and run the whole test suite
    python3 run.py test-minimums [pytest options]   the test suite on the lowest versions
                                   of glassnet's dependencies that pyproject.toml allows

The first run creates ``.venv`` and installs glassnet (and, for tests, the
test-only tools: pytest, ruff, scikit-learn and PyTorch CPU 2.13.0 as an
oracle).  Later runs reuse it until ``pyproject.toml`` changes.  ``test-minimums``
does the same in ``.venv-min``, with each runtime dependency ``name>=X`` of
pyproject.toml installed as exactly ``name==X``.
"""

from __future__ import annotations

import hashlib
import os
import re
import subprocess
import sys
import venv
from pathlib import Path

ROOT = Path(__file__).resolve().parent
VENV = ROOT / ".venv"
BIN = VENV / ("Scripts" if os.name == "nt" else "bin")
PYTHON = BIN / ("python.exe" if os.name == "nt" else "python")
VENV_MIN = ROOT / ".venv-min"
PYTHON_MIN = VENV_MIN / PYTHON.relative_to(VENV)
PIP_QUIET = ["-m", "pip", "install", "--quiet", "--disable-pip-version-check"]


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


def minimum_pins() -> list[str]:
    """pyproject.toml's runtime dependencies at the lowest versions they allow: ``numpy>=1.24`` -> ``numpy==1.24``."""
    import tomllib

    pins = []
    for requirement in tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["dependencies"]:
        match = re.fullmatch(r"\s*([A-Za-z0-9][A-Za-z0-9._-]*)\s*>=\s*([0-9][0-9a-zA-Z.]*)\s*(,\s*<\s*[0-9][0-9a-zA-Z.]*\s*)?",
                             requirement)
        if match is None:
            raise SystemExit(f"[run.py] cannot tell the lowest version pyproject.toml allows from {requirement!r}; "
                             "write runtime dependencies as 'name>=X' (optionally ',<Y')")
        pins.append(f"{match[1]}=={match[2]}")
    return pins


def _test_tools() -> list[str]:
    """The test extra's tools for the minimum-versions job (the oracles included), except ruff, which only
    lints, and Keras, whose current releases need a newer NumPy than the lowest glassnet allows (the Keras
    interoperability tests run in the main job and skip here)."""
    import tomllib

    extra = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["optional-dependencies"]["test"]
    return [r for r in extra if not re.match(r"\s*(ruff|keras)\b", r)]


def ensure_minimum_environment(pins: list[str]) -> None:
    """``.venv-min``: the runtime dependencies pinned to ``pins``, the test tools, glassnet itself with --no-deps."""
    stamp_file = VENV_MIN / ".glassnet-minimums"
    stamp = _stamp_for("minimums")
    if not PYTHON_MIN.exists():
        print(f"[run.py] creating virtual environment in {VENV_MIN}", flush=True)
        venv.EnvBuilder(with_pip=True).create(VENV_MIN)
    if stamp_file.exists() and stamp_file.read_text() == stamp:
        return
    print(f"[run.py] installing {' '.join(pins)} and the test tools into {VENV_MIN.name} (first run only)", flush=True)
    # One resolver run for everything, so that no test tool can pull a runtime dependency above its pin.
    subprocess.run([str(PYTHON_MIN), *PIP_QUIET, *pins, *_test_tools()], cwd=ROOT, check=True)
    subprocess.run([str(PYTHON_MIN), *PIP_QUIET, "--no-deps", "-e", "."], cwd=ROOT, check=True)
    stamp_file.write_text(stamp)


_SHOW_VERSIONS = """
import sys
from importlib.metadata import version
from packaging.requirements import Requirement
wrong = []
split = sys.argv.index("--")
for pin in sys.argv[1:split]:
    req = Requirement(pin)
    got = version(req.name)
    print(f"  {req.name:<12} {got}")
    if got not in req.specifier:
        wrong.append(f"{req.name} {got} (wanted {req.specifier})")
for tool in sys.argv[split + 1:]:
    name = Requirement(tool).name
    print(f"  {name:<12} {version(name)}  (test tool)")
if wrong:
    sys.exit("not the minimum versions: " + ", ".join(wrong))
"""


def run_minimums_job(pytest_args: list[str]) -> int:
    """The whole test suite on the lowest versions of the runtime dependencies that pyproject.toml allows."""
    pins = minimum_pins()
    ensure_minimum_environment(pins)
    print(f"[run.py] minimum-versions job in {VENV_MIN.name}:", flush=True)
    if subprocess.call([str(PYTHON_MIN), "-c", _SHOW_VERSIONS, *pins, "--", *_test_tools()], cwd=ROOT) != 0:
        return 1
    if subprocess.call([str(PYTHON_MIN), "-m", "pip", "check", "--disable-pip-version-check"], cwd=ROOT) != 0:
        return 1
    return subprocess.call([str(PYTHON_MIN), "-m", "pytest", "-q", "-p", "no:cacheprovider", *pytest_args],
                           cwd=ROOT)


def main(argv: list[str]) -> int:
    if not argv or argv[0] not in ("demo", "test", "test-minimums"):
        print(__doc__)
        return 2
    command, rest = argv[0], argv[1:]
    env = dict(os.environ)
    if command == "demo":
        ensure_environment("")
        return subprocess.call([str(PYTHON), "-m", "glassnet", "demo", "mnist", *rest], cwd=ROOT, env=env)
    if command == "test-minimums":
        return run_minimums_job(rest)
    ensure_environment("test")
    lint = subprocess.call([str(PYTHON), "-m", "ruff", "check", "glassnet", "tests", "benchmarks", "examples", "docs",
                            "run.py"], cwd=ROOT, env=env)
    if lint != 0:
        print("[run.py] ruff found problems (above); fix them before the tests run", flush=True)
        return lint
    return subprocess.call([str(PYTHON), "-m", "pytest", *rest], cwd=ROOT, env=env)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
