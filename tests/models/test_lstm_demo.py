"""``glassnet demo mnist --model lstm``: an LSTM(128) reading the digits row by row."""

from __future__ import annotations

from glassnet.cli import DEFAULTS, main


def test_lstm_demo_runs_from_the_command_line(tmp_path, capsys, monkeypatch) -> None:
    monkeypatch.chdir(tmp_path)
    assert main(["demo", "mnist", "--model", "lstm", "--samples", "256", "--test-samples", "200", "--epochs", "1",
                 "--verbose", "0", "--no-report"]) == 0
    text = capsys.readouterr().out
    assert "mnist_lstm" in text and "(None, 128)" in text and "81,674" in text
    assert "200 test images" in text and "Test accuracy" in text and "Confusion matrix" in text
    assert DEFAULTS["lstm"] == {"epochs": 3, "batch_size": 128}  # Keras' MNIST RNN recipe
