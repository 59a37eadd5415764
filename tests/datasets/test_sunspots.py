"""The bundled yearly sunspot series: known values, checksum, split by time."""

from __future__ import annotations

import numpy as np
import pytest

from glassnet.datasets import sunspots
from glassnet.datasets.mnist import DatasetError


def test_known_values():
    years, values = sunspots.load_data()
    assert years.dtype == np.int64 and values.dtype == np.float32
    assert years[0] == 1700 and years[-1] == 2008 and len(years) == 309
    assert values[:5].tolist() == [5, 11, 16, 23, 36]
    assert float(values[years == 1957][0]) == pytest.approx(190.2)  # the maximum of the series
    assert float(values.max()) == pytest.approx(190.2) and values.min() >= 0


def test_damaged_copy_is_refused(tmp_path):
    bad = tmp_path / "s.csv"
    bad.write_text(sunspots.DATA_FILE.read_text().replace("1700,5", "1700,6"))
    with pytest.raises(DatasetError, match="checksum"):
        sunspots.load_data(bad)
    years, values = sunspots.load_data(bad, verify=False)
    assert values[0] == 6


def test_crlf_copy_still_verifies(tmp_path):
    copy = tmp_path / "s.csv"
    copy.write_bytes(sunspots.DATA_FILE.read_bytes().replace(b"\n", b"\r\n"))
    assert len(sunspots.load_data(copy)[0]) == 309


def test_train_test_split_by_time():
    years, values = sunspots.load_data()
    (ytr, vtr), (yte, vte) = sunspots.train_test_split(years, values, split_year=1900)
    assert ytr[-1] == 1899 and yte[0] == 1900 and len(ytr) + len(yte) == 309
    (ytr, _), (yte, _) = sunspots.train_test_split(years, values, test_fraction=0.1)
    assert len(yte) == 31 and ytr[-1] + 1 == yte[0]
    with pytest.raises(ValueError):
        sunspots.train_test_split(years, values, split_year=1600)
