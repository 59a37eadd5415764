"""Samples of tile, split, take and einsum (the ops Keras' sequence guides use) with their PyTorch twins."""

from __future__ import annotations

import numpy as np
import torch

from glassnet.engine.ops import arrays, einsum
from glassnet.engine.ops import math as m

from .samples import A, simple

_IDX = np.array([[0, 2], [2, -1]])  # a repeated index and a negative one


def _weighted_pieces(pieces: list) -> list:
    """Each piece times its position + 1, so a gradient landing in the wrong piece shows."""
    return [p * float(i + 1) for i, p in enumerate(pieces)]


simple("tile_2d", "arrays.tile", lambda a: arrays.tile(a, [2, 3]), lambda a: torch.tile(a, (2, 3)), A(2, 3))
simple("tile_adds_axes", "arrays.tile", lambda a: arrays.tile(a, [2, 1, 2]), lambda a: torch.tile(a, (2, 1, 2)),
       A(2, 3))
simple("split_sections", "arrays.split",
       lambda a: m.concatenate(_weighted_pieces(arrays.split(a, 2, axis=1)), axis=1),
       lambda a: torch.cat(_weighted_pieces(torch.tensor_split(a, 2, dim=1)), 1), A(3, 4))
simple("split_at_indices", "arrays.split",
       lambda a: m.concatenate(_weighted_pieces(arrays.split(a, [1, 3], axis=0)), axis=0),
       lambda a: torch.cat(_weighted_pieces(torch.tensor_split(a, [1, 3], dim=0)), 0), A(4, 3))
simple("take_flat", "arrays.take", lambda a: arrays.take(a, _IDX),
       lambda a: torch.take(a, torch.as_tensor(_IDX % a.numel())), A(4, 3))
simple("take_rows_like_an_embedding", "arrays.take", lambda a: arrays.take(a, _IDX, axis=0),
       lambda a: a[torch.as_tensor(_IDX)], A(4, 3))
simple("take_columns", "arrays.take", lambda a: arrays.take(a, _IDX, axis=1),
       lambda a: a[:, torch.as_tensor(_IDX)], A(2, 3))
simple("einsum_nested_cell", "einsum.einsum", lambda x, w: einsum.einsum("bij,ijkl->bkl", x, w),
       lambda x, w: torch.einsum("bij,ijkl->bkl", x, w), A(2, 3, 4), A(3, 4, 2, 5))
simple("einsum_attention_scores", "einsum.einsum", lambda q, k: einsum.einsum("bqd,bkd->bqk", q, k),
       lambda q, k: torch.einsum("bqd,bkd->bqk", q, k), A(2, 3, 4), A(2, 5, 4))
simple("einsum_summed_away_axis", "einsum.einsum", lambda a, v: einsum.einsum("ijk,j->i", a, v),
       lambda a, v: torch.einsum("ijk,j->i", a, v), A(2, 3, 4), A(3))
