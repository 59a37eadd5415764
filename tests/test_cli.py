"""The command line: ``glassnet --version`` and ``glassnet summary FILE``."""

from __future__ import annotations

import subprocess
import sys

import pytest

import glassnet as gn
from glassnet.cli import main


def test_version(capsys):
    with pytest.raises(SystemExit) as exit_info:
        main(["--version"])
    assert exit_info.value.code == 0
    assert capsys.readouterr().out.strip() == f"glassnet {gn.__version__}"


def test_version_through_the_module_entry_point():
    out = subprocess.run([sys.executable, "-m", "glassnet", "--version"], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == f"glassnet {gn.__version__}"


@pytest.mark.parametrize("suffix", [".keras", ".h5"])
def test_summary_of_a_saved_model(suffix, tmp_path, capsys):
    model = gn.Sequential([gn.Input((4,)), gn.layers.Dense(5, activation="relu", name="hidden"),
                           gn.layers.Dense(2, name="out")], name="tiny")
    model.compile(optimizer=gn.optimizers.Adam(learning_rate=0.003), loss="mse", metrics=["mae"])
    path = tmp_path / f"tiny{suffix}"
    model.save(path)
    assert main(["summary", str(path)]) == 0
    out = capsys.readouterr().out
    assert "hidden" in out and "Dense" in out
    assert "37" in out  # 4*5+5 + 5*2+2 parameters
    assert "Training config:" in out and "Adam" in out and "0.003" in out
    assert "mse" in out or "mean_squared_error" in out


def test_summary_of_an_uncompiled_model(tmp_path, capsys):
    model = gn.Sequential([gn.Input((3,)), gn.layers.Dense(1)])
    model.save(tmp_path / "plain.keras")
    assert main(["summary", str(tmp_path / "plain.keras")]) == 0
    assert "Training config: none" in capsys.readouterr().out


def test_summary_of_a_bad_file_exits_1_with_the_loaders_message(tmp_path, capsys):
    bad = tmp_path / "bad.keras"
    bad.write_bytes(b"not a model at all")
    assert main(["summary", str(bad)]) == 1
    err = capsys.readouterr().err
    assert err.startswith("glassnet summary: ") and "bad.keras" in err
    assert main(["summary", str(tmp_path / "missing.keras")]) == 1
    assert "missing.keras" in capsys.readouterr().err
