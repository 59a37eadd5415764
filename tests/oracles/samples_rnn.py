"""Samples of the recurrent ops and the embedding lookup for the one op table, with PyTorch twins
written as plain loops in Keras' gate orders (nn.LSTM / nn.GRU parity is in tests/engine/test_recurrent_ops.py)."""

from __future__ import annotations

from typing import Any

import numpy as np
import torch

from glassnet.engine.ops import embedding, recurrent

from .samples import A, simple


def _steps(x: torch.Tensor, go_backwards: bool) -> list[torch.Tensor]:
    steps = [x[:, t] for t in range(x.shape[1])]
    return steps[::-1] if go_backwards else steps


def _torch_rnn(go_backwards: bool = False) -> Any:
    def run(x, w, u, b):
        h = torch.zeros(x.shape[0], u.shape[0], dtype=x.dtype)
        outs = []
        for xt in _steps(x, go_backwards):
            h = torch.tanh(xt @ w + h @ u + b)
            outs.append(h)
        return torch.stack(outs, 1)
    return run


def _torch_lstm(x, w, u, b):
    n = u.shape[0]
    h = c = torch.zeros(x.shape[0], n, dtype=x.dtype)
    for xt in _steps(x, False):
        z = xt @ w + h @ u + b
        i, f, g, o = torch.sigmoid(z[:, :n]), torch.sigmoid(z[:, n:2 * n]), torch.tanh(z[:, 2 * n:3 * n]), \
            torch.sigmoid(z[:, 3 * n:])
        c = f * c + i * g
        h = o * torch.tanh(c)
    return h


def _torch_gru(x, w, u, b):
    n = u.shape[0]
    h = torch.zeros(x.shape[0], n, dtype=x.dtype)
    outs = []
    for xt in _steps(x, False):
        xz, rz = xt @ w + b[0], h @ u + b[1]
        z = torch.sigmoid(xz[:, :n] + rz[:, :n])
        r = torch.sigmoid(xz[:, n:2 * n] + rz[:, n:2 * n])
        hh = torch.tanh(xz[:, 2 * n:] + r * rz[:, 2 * n:])
        h = z * h + (1 - z) * hh
        outs.append(h)
    return torch.stack(outs, 1)


simple("simple_rnn_sequences", "recurrent.simple_rnn",
       lambda x, w, u, b: recurrent.simple_rnn(x, w, u * 0.3, b, return_sequences=True)[0],
       lambda x, w, u, b: _torch_rnn()(x, w, u * 0.3, b), A(2, 3, 2), A(2, 3), A(3, 3), A(3))
simple("simple_rnn_backwards", "recurrent.simple_rnn",
       lambda x, w, u, b: recurrent.simple_rnn(x, w, u * 0.3, b, go_backwards=True, return_sequences=True)[0],
       lambda x, w, u, b: _torch_rnn(True)(x, w, u * 0.3, b), A(2, 3, 2), A(2, 3), A(3, 3), A(3))
simple("lstm_last", "recurrent_lstm.lstm", lambda x, w, u, b: recurrent.lstm(x, w, u * 0.3, b)[0],
       lambda x, w, u, b: _torch_lstm(x, w, u * 0.3, b), A(2, 3, 2), A(2, 12), A(3, 12), A(12))
simple("gru_sequences", "recurrent.gru",
       lambda x, w, u, b: recurrent.gru(x, w, u * 0.3, b, return_sequences=True)[0],
       lambda x, w, u, b: _torch_gru(x, w, u * 0.3, b), A(2, 3, 2), A(2, 9), A(3, 9), A(2, 9))

_IDS = np.array([[0, 2, 2], [3, 1, 0]])
simple("embedding_repeated_ids", "embedding.embedding", lambda e: embedding.embedding(_IDS, e),
       lambda e: e[torch.as_tensor(_IDS)], A(4, 3))
