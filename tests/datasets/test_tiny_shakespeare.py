"""The bundled Shakespeare excerpt: known text, checksum, licence note, packaged."""

from __future__ import annotations

import pytest

from glassnet.datasets import tiny_shakespeare
from glassnet.datasets.mnist import DatasetError


def test_known_text():
    text = tiny_shakespeare.load_data()
    assert len(text) == 64_734 and text.startswith("First Citizen:\nBefore we proceed any further")
    assert len(set(text)) == 59 and text.isascii() and "\r" not in text


def test_damaged_copy_is_refused_and_crlf_still_verifies(tmp_path):
    bad = tmp_path / "t.txt"
    bad.write_text(tiny_shakespeare.DATA_FILE.read_text().replace("Citizen", "Citizens", 1))
    with pytest.raises(DatasetError, match="checksum"):
        tiny_shakespeare.load_data(bad)
    assert tiny_shakespeare.load_data(bad, verify=False).startswith("First Citizens:")
    crlf = tmp_path / "crlf.txt"
    crlf.write_bytes(tiny_shakespeare.DATA_FILE.read_bytes().replace(b"\n", b"\r\n"))
    assert tiny_shakespeare.load_data(crlf) == tiny_shakespeare.load_data()
    with pytest.raises(DatasetError, match="cannot read"):
        tiny_shakespeare.load_data(tmp_path / "missing.txt")


def test_source_and_licence_note_ships_with_the_data():
    note = (tiny_shakespeare.DATA_FILE.parent / "README.md").read_text()
    assert "karpathy/char-rnn" in note and "Public domain" in note
