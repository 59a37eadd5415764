"""Samples of the attention ops and layer norm for the one op table, with PyTorch twins (issue 12)."""

from __future__ import annotations

import numpy as np
import torch

from glassnet.engine.ops import attention, normalization

from .samples import A, simple

_MASK = np.array([[True, False, True, True], [True, True, False, False], [False, True, True, True]])


def _torch_attend(s, v, mask=None):
    if mask is not None:
        s = s.masked_fill(~torch.as_tensor(mask), -1e9)
    return torch.softmax(s, -1) @ v


simple("scaled_dot_product_attention", "attention.scaled_dot_product_attention",
       lambda q, k, v: attention.scaled_dot_product_attention(q, k, v),
       lambda q, k, v: torch.nn.functional.scaled_dot_product_attention(q, k, v), A(2, 2, 3, 4), A(2, 2, 5, 4),
       A(2, 2, 5, 3))
simple("scaled_dot_product_attention_causal", "attention.scaled_dot_product_attention",
       lambda q, k, v: attention.scaled_dot_product_attention(q, k, v, attention.causal_mask(4, 4)),
       lambda q, k, v: torch.nn.functional.scaled_dot_product_attention(q, k, v, is_causal=True), A(2, 4, 3),
       A(2, 4, 3), A(2, 4, 2))
simple("attend_masked", "attention.attend", lambda s, v: attention.attend(s, v, _MASK),
       lambda s, v: _torch_attend(s, v, _MASK), A(2, 3, 4), A(2, 4, 3))
simple("layer_norm", "normalization.layer_norm", lambda x, g, b: normalization.layer_norm(x, g, b, -1, 1e-3),
       lambda x, g, b: torch.nn.functional.layer_norm(x, (4,), g, b, eps=1e-3), A(3, 2, 4), A(4), A(4))
simple("layer_norm_two_axes", "normalization.layer_norm",
       lambda x, g, b: normalization.layer_norm(x, g, b, (1, 2), 1e-3),
       lambda x, g, b: torch.nn.functional.layer_norm(x, (2, 4), g, b, eps=1e-3), A(3, 2, 4), A(2, 4), A(2, 4))
