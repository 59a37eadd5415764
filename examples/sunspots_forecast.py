"""Forecasting yearly sunspot numbers with an LSTM over sliding windows.

    python examples/sunspots_forecast.py

The bundled NOAA series (1700-2008, public domain) is scaled, cut by time into train (to 1949) and
test (1950 on), and turned into (12 past years -> next year) pairs by
``keras.utils.timeseries_dataset_from_array``, which ``fit``/``predict`` read directly.
The LSTM is compared with the naive forecast "next year = this year".
"""

import os

import numpy as np

import glassnet as keras
from glassnet import layers
from glassnet.datasets import sunspots

QUICK = os.environ.get("GLASSNET_EXAMPLES_QUICK") == "1"  # the test suite's mode: a few seconds
WINDOW = 12  # about one solar cycle (11 years) of history per forecast

keras.utils.set_random_seed(0)
years, values = sunspots.load_data()
(train_years, train_values), (test_years, test_values) = sunspots.train_test_split(years, values, split_year=1950)
scale = float(train_values.max())
series = (values / scale)[:, None]  # (years, 1 feature)
cut = len(train_years)


def windows(start: int, end: int, shuffle: bool):
    """Inputs series[t-WINDOW:t] -> target series[t], for targets t in [start + WINDOW, end)."""
    return keras.utils.timeseries_dataset_from_array(series[:-1], series[WINDOW:, 0], sequence_length=WINDOW,
                                                     batch_size=32, shuffle=shuffle, seed=0, start_index=start,
                                                     end_index=end - 1 if end - 1 < len(series) - 1 else None)


train = windows(0, cut, shuffle=True)
test = windows(cut - WINDOW, len(series), shuffle=False)  # the test windows look back into the 1940s

model = keras.Sequential([keras.Input((WINDOW, 1)), layers.LSTM(8 if QUICK else 32), layers.Dense(1)])
model.compile(optimizer=keras.optimizers.Adam(0.01), loss="mse", metrics=["mae"])
model.fit(train, epochs=3 if QUICK else 60, verbose=0)

x_test = np.concatenate([test[i][0] for i in range(len(test))])
y_test = np.concatenate([test[i][1] for i in range(len(test))])
pred = model.predict(x_test, verbose=0)[:, 0]
mae_lstm = float(np.mean(np.abs(pred - y_test))) * scale
mae_naive = float(np.mean(np.abs(x_test[:, -1, 0] - y_test))) * scale
print(f"test years {len(y_test)}: LSTM MAE {mae_lstm:.1f} sunspots, naive 'same as last year' MAE {mae_naive:.1f}")
for year, truth, guess in list(zip(test_years[-len(y_test):], y_test * scale, pred * scale))[-5:]:
    print(f"  {year}: observed {truth:6.1f}  forecast {guess:6.1f}")
